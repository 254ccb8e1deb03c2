// SPDX-License-Identifier: Apache-2.0
// Compiles GraphQL selections on generated types into SQLite statements that build the
// response JSON inside SQLite (json_object / json_group_array, correlated subqueries for
// relationships): one statement per root field, whatever the nesting. The exception is a
// root list whose values all go out as SQLite holds them: plain rows, its nested lists (at
// any depth) statements of their own (sql_query). Every value is bound, every identifier quoted.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "graphql/field_collection.hpp"
#include "sqlite/value_checks.hpp"

namespace airsql::graphql {

/// A parameter value: NULL, INTEGER, REAL or TEXT.
using bound_value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct sql_query {
    std::string sql;
    std::vector<bound_value> params;
    /// Empty: the SQL answers one cell, the field's JSON. Otherwise (a root list whose values
    /// all go out as SQLite holds them): one row per item, one column per key, and the
    /// executor writes the array of objects itself (rows_json), byte for byte what
    /// json_group_array(json_object(…)) would make, without its string building in SQLite.
    std::vector<std::string> row_keys;
    /// With row_keys: more rows than this make the field the error marker of `cap_message`
    /// (-1: no cap).
    std::int64_t row_cap = -1;
    std::string cap_message;
    /// With row_keys: the lists of related rows among the keys (array relationships whose
    /// fields all go out as SQLite holds them, or are such lists in turn, down to
    /// max_relationship_depth). Each is a statement of its own in the rows form, run once per
    /// row of this one with the row's `key_columns` (hidden columns after the keys) bound to
    /// its first parameters; the key's own column holds NULL.
    /// In SQLite, json_object per related row cost more than the rows themselves: b's
    /// statement took 128 µs, a statement per artist with the JSON written here 80 µs. Both
    /// read one snapshot: this statement's stays open while the others run.
    struct nested_list {
        std::size_t key_index = 0;
        std::vector<int> key_columns;
        std::shared_ptr<const sql_query> query;
    };
    std::vector<nested_list> nested_lists;
    /// With row_keys: the objects of object relationships among the keys, LEFT JOINed in this
    /// statement (the referenced key is the primary key: one row at most) when their fields
    /// all go out as SQLite holds them or are such objects in turn: `keys` are its fields,
    /// each read from its column in `columns` (-1: the object in `objects` with that
    /// key_index), and a NULL in `present_column` (the referenced key) means no row. The
    /// object's own key column holds NULL. A correlated subquery with json_object for each
    /// row cost 1.15x of the hand-written SQL on 50 tracks with their album; a statement of
    /// its own per row more (1.3-1.5x).
    struct joined_object {
        std::size_t key_index = 0;
        int present_column = 0;
        std::vector<std::string> keys;
        std::vector<int> columns;
        std::vector<joined_object> objects;
    };
    std::vector<joined_object> joined_objects;
};

/// What the JSON of a field looks like, so errors that SQLite reports as marker objects can
/// be turned into GraphQL field errors with paths, and nulls propagated per the spec.
struct shape {
    enum class kind { scalar, object, list };
    std::string key;
    kind k = kind::scalar;
    bool non_null = false;
    bool items_non_null = true;   ///< lists: are items non-null?
    std::vector<shape> fields;    ///< object fields, or the fields of each list item
    location loc;
};

/// A query's root fields compiled (by position in the operation's collected fields; empty for
/// fields that are not compiled, like __typename). Compiled without variables, it depends only
/// on the document, the schema and the file URL id, so later runs of the same operation reuse
/// it until the schema changes; writes do not change it.
struct query_plan {
    struct root {
        sql_query query;
        shape result;
    };
    std::vector<std::optional<root>> fields;
};

/// An error found while compiling a field (bad limit, empty filter, …): a field error.
class field_failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The key SQLite-built JSON uses to mark a value it could not produce.
inline constexpr std::string_view error_marker_key = sqlite::error_marker_key;

/// Most relationships one field may nest: SQLite's SQL parser (a 100-entry stack) cannot
/// take statements nested much deeper.
inline constexpr int max_relationship_depth = 5;

struct compile_settings {
    std::string file_url_id;  ///< the id in file URLs (the database's read-only id)
    std::size_t max_rows = 10'000;
    /// Read String columns of TEXT affinity in tables (not views) as they are, without the
    /// airsql_string check, where GraphQL allows every NULL they can hold: SQLite stores only
    /// TEXT, NULL or BLOB there, and a BLOB makes its JSON functions fail ("JSON cannot hold
    /// BLOB values"). The caller then compiles again without it (`is_blob_in_json`), and the
    /// check turns the BLOB into a field error as before.
    bool unchecked_text = false;
};

/// Whether `message` is SQLite's refusal of a BLOB inside JSON (see unchecked_text).
bool is_blob_in_json(std::string_view message);

class sql_compiler {
public:
    sql_compiler(const execution_context& ctx, compile_settings settings);

    /// Query.<t>(where, order_by, limit, offset): a JSON array.
    sql_query list_field(const field_node& node, shape& out);
    /// Query.<t>_by_pk(keys…): a JSON object, or no row.
    sql_query by_pk_field(const field_node& node, shape& out);
    /// Query.<t>_aggregate(…): a JSON object.
    sql_query aggregate_field(const field_node& node, shape& out);

    /// The rows of `table` whose rowid (or key tuple, as JSON arrays) is in the JSON array
    /// bound as the first parameter, in that order: a JSON array, or with `single` an object.
    sql_query rows_by_ids(std::size_t table, const std::vector<const selection_set*>& sets,
                          bool single, shape& out);
    /// The rows matching a filter (rowid order): a JSON array.
    sql_query rows_by_filter(std::size_t table, const boost::json::object& filter,
                             const std::vector<const selection_set*>& sets, shape& out);

    /// A filter as an SQL condition on `qualifier` (a quoted table name or alias).
    std::string condition(std::size_t table, const boost::json::object& filter,
                          const std::string& qualifier, std::vector<bound_value>& params);

    /// The SQL expression that identifies a row of `table` as returned by RETURNING: the
    /// rowid, or a JSON array of the key columns.
    std::string row_identity(std::size_t table, const std::string& qualifier) const;

    /// Binds a GraphQL input value for a column (Int, Float, Boolean → 1/0, String).
    static bound_value to_bound(const column_model& c, const boost::json::value& v);

private:
    struct level;
    sql_query root_list(const field_node& node, shape& out, bool aggregate);
    std::string next_alias(char prefix);
    level new_level(std::size_t table);
    std::string row_object(level& lv, const std::vector<field_node>& fields, std::vector<shape>& shapes);
    bool row_columns(level& lv, const std::vector<field_node>& fields, std::vector<shape>& shapes,
                     std::vector<std::string>& keys, std::vector<std::string>& exprs,
                     std::vector<sql_query::nested_list>& nested,
                     std::vector<sql_query::joined_object>& joined);
    std::optional<sql_query::joined_object> joined_object(level& lv, const relationship& rel,
                                                          const field_node& node, shape& out,
                                                          std::vector<std::string>& hidden,
                                                          const std::string* parent_alias);
    std::optional<sql_query::nested_list> nested_rows(level& parent, const relationship& rel,
                                                       const field_node& node, shape& out);
    std::string value_expr(level& lv, std::size_t column);
    /// Whether value_expr reads the column as SQLite holds it, without SQL around it.
    bool read_bare(std::size_t table, std::size_t column) const;
    std::string relation_list(level& parent, const relationship& rel, const field_node& node,
                              shape& out, bool aggregate);
    std::string child_join(level& parent, const relationship& rel, bool bound);
    std::string relation_sql(level& parent, const relationship& rel, const field_node& node,
                             shape& out, bool aggregate);
    std::string list_query(std::size_t table, const boost::json::object& args,
                           const std::vector<const selection_set*>& sets, const std::string& join,
                           level* parent, shape& out, bool aggregate, std::vector<bound_value>& params,
                           sql_query* rows_out = nullptr);
    /// `column`, when given, is the aggregated column: `min`/`max` of a String column answer text.
    std::string aggregate_expr(field_role role, const std::string& x, const column_model* column = nullptr);
    std::string aggregate_object(level& lv, const std::vector<field_node>& fields, shape& out,
                                 bool& nodes_selected, bool capped);
    std::string order_terms(std::size_t table, const boost::json::value& order_by,
                            const std::string& alias, std::vector<bound_value>& params);
    struct order_term {
        std::string expr;
        std::string direction;  ///< " ASC", " DESC NULLS LAST", …
    };
    void order_object(std::size_t table, const boost::json::object& entry, const std::string& alias,
                      std::vector<order_term>& terms);
    void aggregate_order(std::size_t table, const relationship& rel, const boost::json::object& entry,
                         const std::string& alias, std::vector<order_term>& terms);
    std::vector<order_term> order_list(std::size_t table, const boost::json::value& order_by,
                                       const std::string& alias);
    std::vector<order_term> default_order(std::size_t table, const std::string& alias) const;
    std::vector<std::size_t> distinct_columns(std::size_t table, const boost::json::object& args) const;
    std::string distinct_source(std::size_t table, const std::vector<std::size_t>& distinct,
                                const std::string& alias, const std::string& where,
                                const std::string& window_order) const;
    std::string comparison(const column_model& c, const std::string& expr,
                           const boost::json::object& ops, std::vector<bound_value>& params);
    std::string column_ref(std::size_t table, std::size_t column, const std::string& alias) const;
    std::string derived_select(const level& lv) const;
    std::string file_url_expr(level& lv, std::size_t column);

    const execution_context& ctx_;
    const schema& s_;
    const database_model& m_;
    compile_settings settings_;
    int alias_counter_ = 0;
    int relationship_depth_ = 0;
    std::vector<bound_value>* params_ = nullptr;
};

/// Converts an SQL LIKE pattern (`%`, `_`) to the equivalent case-sensitive GLOB pattern.
std::string like_to_glob(std::string_view like);

}  // namespace airsql::graphql
