// SPDX-License-Identifier: Apache-2.0
#include "graphql/sql_compiler.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <set>

#include "graphql/input_values.hpp"
#include "sqlite/connection.hpp"

namespace airsql::graphql {

namespace {

constexpr std::size_t max_pairs_per_json_object = 60;  // SQLite allows 127 function arguments

std::string sql_string(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out.push_back('\'');
        out.push_back(c);
    }
    return out + "'";
}

std::string marker(std::string_view message_sql) {
    return "json_object('" + std::string(error_marker_key) + "', " + std::string(message_sql) + ")";
}

std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

// json_object over (key, value-expression) pairs, in chunks SQLite's argument limit allows.
std::string json_build(const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::string out = "json_object(";
    std::size_t i = 0;
    for (; i < pairs.size() && i < max_pairs_per_json_object; ++i) {
        out += (i ? ", " : "") + sql_string(pairs[i].first) + ", " + pairs[i].second;
    }
    out += ")";
    while (i < pairs.size()) {
        std::string next = "json_insert(" + out;
        for (std::size_t n = 0; i < pairs.size() && n < max_pairs_per_json_object; ++i, ++n) {
            next += ", " + sql_string("$.\"" + pairs[i].first + "\"") + ", " + pairs[i].second;
        }
        out = next + ")";
    }
    return out;
}

const boost::json::value* arg(const boost::json::object& args, std::string_view name,
                              std::string_view deprecated_name = {}) {
    if (const auto* v = args.if_contains(name)) return v;
    if (!deprecated_name.empty()) return args.if_contains(deprecated_name);
    return nullptr;
}

}  // namespace

std::string like_to_glob(std::string_view like) {
    std::string out;
    out.reserve(like.size() + 4);
    for (char c : like) {
        switch (c) {
            case '%':
                out.push_back('*');
                break;
            case '_':
                out.push_back('?');
                break;
            case '*':
                out += "[*]";
                break;
            case '?':
                out += "[?]";
                break;
            case '[':
                out += "[[]";
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

struct sql_compiler::level {
    std::size_t table = 0;
    std::string base;  ///< alias of the table inside the derived select
    std::string src;   ///< alias of the derived select
    std::set<std::size_t> needed;
    std::string joins;  ///< LEFT JOINs after the derived select (joined objects of the rows form)
    int joined = 0;     ///< how many
};

namespace {
// Joined objects in one statement at most: SQLite joins at most 64 tables; past this, the
// list takes the SQL form (correlated subqueries, no such limit).
constexpr int max_joined_objects = 32;
// Result columns of a rows-form statement at most (SQLite refuses more than 2,000); past this,
// the SQL form builds the JSON inside SQLite instead.
constexpr std::size_t max_row_columns = 1000;
}  // namespace

sql_compiler::sql_compiler(const execution_context& ctx, compile_settings settings)
    : ctx_(ctx), s_(ctx.s), m_(*ctx.s.model), settings_(std::move(settings)) {}

std::string sql_compiler::next_alias(char prefix) {
    return std::string(1, prefix) + std::to_string(alias_counter_++);
}

// A table occurrence: `base` inside its derived select, `src` for the derived select itself.
sql_compiler::level sql_compiler::new_level(std::size_t table) {
    level lv;
    lv.table = table;
    lv.base = next_alias('t');
    lv.src = next_alias('s');
    return lv;
}

bound_value sql_compiler::to_bound(const column_model& c, const boost::json::value& v) {
    if (v.is_null()) return std::monostate{};
    switch (c.scalar) {
        case column_scalar::int_:
            if (v.is_int64()) return v.get_int64();
            if (v.is_double()) return v.get_double();
            break;
        case column_scalar::float_:
            if (v.is_number()) return v.to_number<double>();
            break;
        case column_scalar::boolean:
            if (v.is_bool()) return static_cast<std::int64_t>(v.get_bool() ? 1 : 0);
            break;
        case column_scalar::string:
        case column_scalar::file:
            if (v.is_string()) return std::string(v.get_string());
            break;
    }
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_int64()) return v.get_int64();
    if (v.is_double()) return v.get_double();
    if (v.is_bool()) return static_cast<std::int64_t>(v.get_bool() ? 1 : 0);
    return std::monostate{};
}

std::string sql_compiler::column_ref(std::size_t table, std::size_t column, const std::string& alias) const {
    const auto& c = m_.tables[table].columns[column];
    return alias + "." + (c.synthetic_rowid ? c.name : sqlite::quote_identifier(c.name));
}

std::string sql_compiler::row_identity(std::size_t table, const std::string& qualifier) const {
    const auto& t = m_.tables[table];
    if (t.rowid) return column_ref(table, *t.rowid, qualifier);
    std::string out = "json_array(";
    for (std::size_t i = 0; i < t.key.size(); ++i) out += (i ? ", " : "") + column_ref(table, t.key[i], qualifier);
    return out + ")";
}

std::string sql_compiler::derived_select(const level& lv) const {
    if (lv.needed.empty()) return "SELECT 1 AS c_";
    std::string out = "SELECT ";
    bool first = true;
    for (auto c : lv.needed) {
        out += (first ? "" : ", ") + column_ref(lv.table, c, lv.base) + " AS c" + std::to_string(c);
        first = false;
    }
    return out;
}

// ---- values ----

std::string sql_compiler::file_url_expr(level& lv, std::size_t column) {
    const auto& t = m_.tables[lv.table];
    const auto& c = t.columns[column];
    std::string x = lv.src + ".c" + std::to_string(column);
    std::string missing = c.non_null ? marker(sql_string("the file of column \"" + c.name + "\" is missing; upload one"))
                                     : std::string("NULL");
    // File routes find rows by rowid (incremental BLOB I/O needs one): the synthetic rowid
    // column under its free name (rowid, _rowid_ or oid), else an INTEGER PRIMARY KEY alias.
    std::optional<std::size_t> key_column = t.rowid;
    for (std::size_t i = 0; !key_column && i < t.columns.size(); ++i) {
        if (t.columns[i].rowid_alias) key_column = i;
    }
    if (!key_column) {
        return "IIF(" + x + " IS NULL, " + missing + ", " +
               marker(sql_string("files of column \"" + c.name +
                                 "\" have no URL: file cells need a rowid table (not WITHOUT ROWID)")) +
               ")";
    }
    const auto& key_name = t.columns[*key_column].name;
    lv.needed.insert(*key_column);
    std::string prefix = "{\"url\":\"/readonly/" + percent_encode(settings_.file_url_id) + "/tables/" +
                         percent_encode(t.name) + "/columns/" + percent_encode(c.name) + "/files/" +
                         percent_encode(key_name) + "/";
    return "IIF(" + x + " IS NULL, " + missing + ", " + sql_string(prefix) + " || " + lv.src + ".c" +
           std::to_string(*key_column) + " || '\"}')";
}

namespace {

// SQLite's column affinity rules 1 and 2 (a declared type containing "INT" is INTEGER first).
bool has_text_affinity(std::string_view declared_type) {
    std::string upper;
    for (char ch : declared_type) {
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (upper.find("INT") != std::string::npos) return false;
    return upper.find("CHAR") != std::string::npos || upper.find("CLOB") != std::string::npos ||
           upper.find("TEXT") != std::string::npos;
}

}  // namespace

bool is_blob_in_json(std::string_view message) {
    return message.find("JSON cannot hold BLOB values") != std::string_view::npos;
}

bool sql_compiler::read_bare(std::size_t table, std::size_t column) const {
    const auto& t = m_.tables[table];
    const auto& c = t.columns[column];
    if (c.synthetic_rowid || c.rowid_alias) return true;
    return settings_.unchecked_text && c.scalar == column_scalar::string && !t.is_view &&
           !c.nullable_in_storage && has_text_affinity(c.declared_type);
}

std::string sql_compiler::value_expr(level& lv, std::size_t column) {
    const auto& t = m_.tables[lv.table];
    const auto& c = t.columns[column];
    lv.needed.insert(column);
    std::string x = lv.src + ".c" + std::to_string(column);
    if (read_bare(lv.table, column)) return x;
    if (c.scalar == column_scalar::file) {
        if (t.is_view) {
            return "IIF(" + x + " IS NULL, NULL, " +
                   marker(sql_string("file cells of views have no URL; query the table instead")) + ")";
        }
        return file_url_expr(lv, column);
    }
    // One call checks the value's storage class against the column's GraphQL scalar
    // (sqlite/value_checks.hpp): a wrong one, or NULL in a non-null field, becomes a marker.
    const char* check = "";
    switch (c.scalar) {
        case column_scalar::int_:
            check = "airsql_int";
            break;
        case column_scalar::float_:
            check = "airsql_float";
            break;
        case column_scalar::boolean:
            check = "airsql_boolean";
            break;
        case column_scalar::string:
        case column_scalar::file:
            check = "airsql_string";
            break;
    }
    return std::string(check) + "(" + x + ", " + sql_string(c.name) + ", " +
           (c.nullable_in_storage ? "1" : "0") + ")";
}

// ---- objects ----

namespace {

// The shape of a field of a row: its key, where it stands, whether it is non-null.
shape row_field_shape(const field_node& f) {
    shape sh;
    sh.key = f.key;
    sh.loc = f.sel->loc;
    sh.non_null = f.sel->name == "__typename" || (f.def && f.def->type.is_non_null());
    return sh;
}

// Moves a joined object's columns (and those of the objects inside it) `by` columns on: they
// were offsets into the hidden columns, which follow the visible ones.
void shift_columns(sql_query::joined_object& object, int by) {
    object.present_column += by;
    for (auto& c : object.columns) {
        if (c >= 0) c += by;
    }
    for (auto& inner : object.objects) shift_columns(inner, by);
}

// Counts a relationship level for as long as it is being compiled (max_relationship_depth).
class one_level_deeper {
  public:
    explicit one_level_deeper(int& depth) : depth_(depth) { ++depth_; }
    ~one_level_deeper() { --depth_; }
    one_level_deeper(const one_level_deeper&) = delete;
    one_level_deeper& operator=(const one_level_deeper&) = delete;

  private:
    int& depth_;
};

}  // namespace

std::string sql_compiler::row_object(level& lv, const std::vector<field_node>& fields, std::vector<shape>& shapes) {
    const auto& t = m_.tables[lv.table];
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& f : fields) {
        auto sh = row_field_shape(f);
        if (f.sel->name == "__typename") {
            pairs.emplace_back(f.key, sql_string(t.gql_name + "_row"));
            shapes.push_back(std::move(sh));
            continue;
        }
        if (!f.def) continue;
        switch (f.def->role) {
            case field_role::column:
                pairs.emplace_back(f.key, value_expr(lv, f.def->index));
                break;
            case field_role::object_relationship:
            case field_role::array_relationship:
            case field_role::array_aggregate: {
                const auto& rel = s_.relationships[lv.table][f.def->index];
                pairs.emplace_back(f.key, relation_list(lv, rel, f, sh, f.def->role == field_role::array_aggregate));
                break;
            }
            default:
                continue;
        }
        shapes.push_back(std::move(sh));
    }
    return json_build(pairs);
}

// The fields of a row as plain result columns, when every one goes out as SQLite holds it
// (a rowid, a TEXT column read unchecked, __typename): their keys and SQL expressions. An
// array relationship whose own fields are all such columns (or such lists) is a nested list
// (sql_query::nested_list), an object relationship a joined object
// (sql_query::joined_object): a NULL column here, their join keys and joined columns in hidden
// columns after the others. False, with nothing added, when a field needs SQL around its value
// (a check, a file URL, another relationship, an argument that fails).
bool sql_compiler::row_columns(level& lv, const std::vector<field_node>& fields,
                               std::vector<shape>& shapes, std::vector<std::string>& keys,
                               std::vector<std::string>& exprs,
                               std::vector<sql_query::nested_list>& nested,
                               std::vector<sql_query::joined_object>& joined) {
    const auto& t = m_.tables[lv.table];
    std::vector<shape> row_shapes;
    std::vector<sql_query::nested_list> lists;
    std::vector<std::string> hidden;  // the nested lists' join keys, the joined objects' columns
    std::vector<sql_query::joined_object> objects;
    auto fail = [&] {
        keys.clear();
        exprs.clear();
        lv.joins.clear();
        lv.joined = 0;
        return false;
    };
    for (const auto& f : fields) {
        auto sh = row_field_shape(f);
        if (f.sel->name == "__typename") {
            keys.push_back(f.key);
            exprs.push_back(sql_string(t.gql_name + "_row"));
        } else if (f.def && f.def->role == field_role::column && read_bare(lv.table, f.def->index)) {
            keys.push_back(f.key);
            exprs.push_back(value_expr(lv, f.def->index));
        } else if (!f.def) {
            continue;
        } else if (f.def->role == field_role::object_relationship) {
            const auto& rel = s_.relationships[lv.table][f.def->index];
            auto object = joined_object(lv, rel, f, sh, hidden, nullptr);
            if (!object) return fail();
            keys.push_back(f.key);
            exprs.push_back("NULL");
            object->key_index = keys.size() - 1;
            objects.push_back(std::move(*object));
        } else if (f.def->role == field_role::array_relationship) {
            const auto& rel = s_.relationships[lv.table][f.def->index];
            auto list = nested_rows(lv, rel, f, sh);
            if (!list) return fail();
            const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
            for (auto c : fk.to) {
                list->key_columns.push_back(static_cast<int>(hidden.size()));  // offset for now
                hidden.push_back(lv.src + ".c" + std::to_string(c));
            }
            keys.push_back(f.key);
            exprs.push_back("NULL");
            list->key_index = keys.size() - 1;
            lists.push_back(std::move(*list));
        } else {
            return fail();
        }
        row_shapes.push_back(std::move(sh));
    }
    if (exprs.empty() || exprs.size() + hidden.size() > max_row_columns) return fail();
    for (auto& list : lists) {
        for (auto& c : list.key_columns) c += static_cast<int>(exprs.size());
    }
    for (auto& object : objects) shift_columns(object, static_cast<int>(exprs.size()));
    exprs.insert(exprs.end(), hidden.begin(), hidden.end());
    for (auto& sh : row_shapes) shapes.push_back(std::move(sh));
    nested = std::move(lists);
    joined = std::move(objects);
    return true;
}

// An object relationship of a rows-form list's row as a LEFT JOIN of the referenced row
// (sql_query::joined_object), added to lv.joins, its columns to `hidden` (offsets into it
// for now). The parent is the list's row, or with `parent_alias` the row of an object joined
// before. Only where the referenced columns are the table's primary key, so that the join
// finds one row at most, and only for fields that go out as SQLite holds them or are such
// objects in turn; else nullopt and the SQL form.
std::optional<sql_query::joined_object> sql_compiler::joined_object(level& lv, const relationship& rel,
                                                                    const field_node& node, shape& out,
                                                                    std::vector<std::string>& hidden,
                                                                    const std::string* parent_alias) {
    if (relationship_depth_ >= max_relationship_depth || lv.joined >= max_joined_objects) {
        return std::nullopt;
    }
    one_level_deeper guard(relationship_depth_);
    const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
    const auto& other = m_.tables[rel.other];
    if (other.is_view || other.key.size() != fk.to.size() ||
        !std::is_permutation(fk.to.begin(), fk.to.end(), other.key.begin())) {
        return std::nullopt;
    }
    auto alias = next_alias('j');
    std::string on;
    for (std::size_t i = 0; i < fk.from.size(); ++i) {
        std::string parent_column;
        if (parent_alias) {
            parent_column = column_ref(rel.child, fk.from[i], *parent_alias);
        } else {
            lv.needed.insert(fk.from[i]);
            parent_column = lv.src + ".c" + std::to_string(fk.from[i]);
        }
        on += (i ? " AND " : "") + column_ref(rel.other, fk.to[i], alias) + " = " + parent_column;
    }
    // Joined before the objects inside it, whose ON clauses name this one's alias.
    lv.joins += " LEFT JOIN " + sqlite::quote_identifier(other.name) + " AS " + alias + " ON " + on;
    ++lv.joined;
    sql_query::joined_object object;
    // The key is never NULL in a joined row (it equals the row's non-NULL foreign key).
    object.present_column = static_cast<int>(hidden.size());
    hidden.push_back(column_ref(rel.other, fk.to[0], alias));
    out.k = shape::kind::object;
    out.non_null = false;
    for (const auto& f : collect_fields(ctx_, *s_.find(other.gql_name + "_row"), node.sub)) {
        auto sh = row_field_shape(f);
        if (f.sel->name == "__typename") {
            object.columns.push_back(static_cast<int>(hidden.size()));
            hidden.push_back(sql_string(other.gql_name + "_row"));
        } else if (f.def && f.def->role == field_role::column && read_bare(rel.other, f.def->index)) {
            object.columns.push_back(static_cast<int>(hidden.size()));
            hidden.push_back(column_ref(rel.other, f.def->index, alias));
        } else if (!f.def) {
            continue;
        } else if (f.def->role == field_role::object_relationship) {
            const auto& inner_rel = s_.relationships[rel.other][f.def->index];
            auto inner = joined_object(lv, inner_rel, f, sh, hidden, &alias);
            if (!inner) return std::nullopt;  // row_columns drops lv.joins
            inner->key_index = object.keys.size();
            object.columns.push_back(-1);
            object.objects.push_back(std::move(*inner));
        } else {
            return std::nullopt;
        }
        object.keys.push_back(f.key);
        out.fields.push_back(std::move(sh));
    }
    return object;
}

// An array relationship of a rows-form list's row as a statement of its own in the rows
// form, its join key the first parameters (sql_query::nested_list); nullopt when that list
// cannot be in the rows form, or nests as deep as relation_list allows (the SQL form then
// makes that a field error).
std::optional<sql_query::nested_list> sql_compiler::nested_rows(level& parent, const relationship& rel,
                                                                const field_node& node, shape& out) {
    if (relationship_depth_ >= max_relationship_depth) return std::nullopt;
    one_level_deeper guard(relationship_depth_);
    const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
    auto q = std::make_shared<sql_query>();
    auto join = child_join(parent, rel, true);
    q->params.resize(fk.from.size());  // the parent row's key, bound for each row
    auto* outer_params = params_;
    params_ = &q->params;
    struct restore {
        std::vector<bound_value>*& to;
        std::vector<bound_value>* from;
        ~restore() { to = from; }
    } restore_params{params_, outer_params};
    try {
        auto args = argument_values(s_, node.sel->arguments, node.def->args, ctx_.variables);
        q->sql = list_query(rel.child, args, node.sub, join, &parent, out, false, q->params, q.get());
    } catch (const field_failure&) {
        return std::nullopt;  // the SQL form makes it an error at its own path
    }
    if (q->row_keys.empty()) return std::nullopt;
    sql_query::nested_list list;
    list.query = std::move(q);
    return list;
}

std::string sql_compiler::relation_list(level& parent, const relationship& rel, const field_node& node,
                                        shape& out, bool aggregate) {
    // A nested field that cannot be compiled is a field error at its own path, for every
    // parent row: its value becomes an error marker, like values SQLite cannot convert.
    if (relationship_depth_ >= max_relationship_depth) {
        return marker(sql_string("relationships nest more than " + std::to_string(max_relationship_depth) +
                                 " levels deep here; SQLite cannot run deeper statements, so split the query"));
    }
    one_level_deeper guard(relationship_depth_);
    try {
        return relation_sql(parent, rel, node, out, aggregate);
    } catch (const field_failure& e) {
        out.fields.clear();
        return marker(sql_string(e.what()));
    }
}

std::string sql_compiler::relation_sql(level& parent, const relationship& rel, const field_node& node,
                                       shape& out, bool aggregate) {
    const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
    auto args = argument_values(s_, node.sel->arguments, node.def->args, ctx_.variables);
    if (rel.k == relationship::kind::object) {
        // Many-to-one: the referenced row, or null.
        auto lv = new_level(rel.other);
        out.k = shape::kind::object;
        out.non_null = false;
        auto fields = collect_fields(ctx_, *s_.find(m_.tables[rel.other].gql_name + "_row"), node.sub);
        auto obj = row_object(lv, fields, out.fields);
        std::string join;
        for (std::size_t i = 0; i < fk.from.size(); ++i) {
            parent.needed.insert(fk.from[i]);
            join += (i ? " AND " : "") + column_ref(rel.other, fk.to[i], lv.base) + " = " + parent.src + ".c" +
                    std::to_string(fk.from[i]);
        }
        return "(SELECT " + obj + " FROM (" + derived_select(lv) + " FROM " +
               sqlite::quote_identifier(m_.tables[rel.other].name) + " AS " + lv.base + " WHERE " + join +
               " LIMIT 1) AS " + lv.src + ")";
    }
    // One-to-many: the referencing rows.
    return "(" + list_query(rel.child, args, node.sub, child_join(parent, rel, false), &parent, out, aggregate,
                            *params_) +
           ")";
}

// The condition joining a one-to-many relationship's rows to their parent row, with a
// placeholder alias "\x01" for the child's base alias (list_query puts it in). The parent's
// key is its derived columns, or with `bound` the first parameters (?1, ?2, …) of a statement
// of its own; either way the parent level selects the key.
std::string sql_compiler::child_join(level& parent, const relationship& rel, bool bound) {
    const auto& child = m_.tables[rel.child];
    const auto& fk = child.foreign_keys[rel.foreign_key];
    std::string join;
    for (std::size_t i = 0; i < fk.from.size(); ++i) {
        parent.needed.insert(fk.to[i]);
        const auto& c = child.columns[fk.from[i]];
        join += (i ? " AND " : "") + std::string("\x01") + "." +
                (c.synthetic_rowid ? c.name : sqlite::quote_identifier(c.name)) + " = " +
                (bound ? "?" + std::to_string(i + 1) : parent.src + ".c" + std::to_string(fk.to[i]));
    }
    return join;
}

std::string sql_compiler::aggregate_object(level& lv, const std::vector<field_node>& fields, shape& out,
                                           bool& nodes_selected, bool capped) {
    const auto& t = m_.tables[lv.table];
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& f : fields) {
        shape sh;
        sh.key = f.key;
        sh.loc = f.sel->loc;
        if (f.sel->name == "__typename") {
            sh.non_null = true;
            pairs.emplace_back(f.key, sql_string(t.gql_name + "_aggregate"));
        } else if (f.sel->name == "nodes") {
            nodes_selected = true;
            sh.k = shape::kind::list;
            sh.non_null = true;
            auto row_fields = collect_fields(ctx_, *s_.find(t.gql_name + "_row"), f.sub);
            auto obj = row_object(lv, row_fields, sh.fields);
            std::string array = "json_group_array(" + obj + ")";
            if (capped) {
                array = "CASE WHEN count(*) > " + std::to_string(settings_.max_rows) + " THEN " +
                        marker(sql_string("the query would return more than " + std::to_string(settings_.max_rows) +
                                          " rows, the maximum; add a limit, e.g. limit: 50")) +
                        " ELSE " + array + " END";
            }
            pairs.emplace_back(f.key, array);
        } else if (f.sel->name == "aggregate") {
            sh.k = shape::kind::object;
            const auto* fields_type = s_.find(t.gql_name + "_aggregate_fields");
            std::vector<std::pair<std::string, std::string>> inner;
            for (const auto& g : collect_fields(ctx_, *fields_type, f.sub)) {
                shape gs;
                gs.key = g.key;
                gs.loc = g.sel->loc;
                if (g.sel->name == "__typename") {
                    inner.emplace_back(g.key, sql_string(t.gql_name + "_aggregate_fields"));
                } else if (g.sel->name == "count") {
                    gs.non_null = true;
                    auto args = argument_values(s_, g.sel->arguments, g.def->args, ctx_.variables);
                    std::vector<std::size_t> cols;
                    if (const auto* c = args.if_contains("columns"); c && c->is_array()) {
                        for (const auto& name : c->get_array()) {
                            auto idx = t.column_by_gql(name.get_string());
                            if (!idx) {
                                throw field_failure("\"" + std::string(name.get_string()) +
                                                    "\" is a constraint, not a column: count(columns:) names columns");
                            }
                            cols.push_back(*idx);
                        }
                    }
                    bool distinct = false;
                    if (const auto* d = args.if_contains("distinct"); d && d->is_bool()) distinct = d->get_bool();
                    auto x = [&](std::size_t c) {
                        lv.needed.insert(c);
                        return lv.src + ".c" + std::to_string(c);
                    };
                    std::string expr;
                    if (cols.empty()) {
                        expr = "count(*)";
                    } else if (cols.size() == 1) {
                        expr = std::string("count(") + (distinct ? "DISTINCT " : "") + x(cols[0]) + ")";
                    } else {
                        // Hasura's count((a, b)) on PostgreSQL: a row value is never NULL, so
                        // every row counts, and DISTINCT counts distinct tuples (NULLs alike).
                        // quote() spells any value, BLOBs too, so that the joined text is
                        // unambiguous.
                        std::string tuple;
                        for (std::size_t i = 0; i < cols.size(); ++i) {
                            tuple += (i ? " || ',' || " : "") + ("quote(" + x(cols[i]) + ")");
                        }
                        expr = distinct ? "count(DISTINCT " + tuple + ")" : "count(*)";
                    }
                    inner.emplace_back(g.key, expr);
                } else if (g.def) {
                    auto role = g.def->role;
                    gs.k = shape::kind::object;
                    std::vector<std::pair<std::string, std::string>> cols;
                    for (const auto& h : collect_fields(ctx_, *s_.find(g.def->type.name), g.sub)) {
                        if (h.sel->name == "__typename") {
                            cols.emplace_back(h.key, sql_string(g.def->type.name));
                        } else if (h.def) {
                            lv.needed.insert(h.def->index);
                            cols.emplace_back(h.key, aggregate_expr(role, lv.src + ".c" + std::to_string(h.def->index),
                                                                    &t.columns[h.def->index]));
                            // Where a marker (an infinite average, a sum past 64 bits) turns
                            // into a field error.
                            shape hs;
                            hs.key = h.key;
                            hs.loc = h.sel->loc;
                            gs.fields.push_back(std::move(hs));
                        }
                    }
                    inner.emplace_back(g.key, json_build(cols));
                }
                sh.fields.push_back(std::move(gs));
            }
            pairs.emplace_back(f.key, json_build(inner));
        } else {
            continue;
        }
        out.fields.push_back(std::move(sh));
    }
    return json_build(pairs);
}

// One aggregate of the values `x`, through airsql_number (sqlite/value_checks.hpp): reals as
// the shortest text that reads back the same, and a field error for an infinite one. The sum
// adds integers exactly (past 64 bits: a field error); the statistics use Welford's method
// (the sum of squares minus the squared sum lost every digit for large values). NULL values
// are skipped; too few rows give NULL (Postgres: the sample statistics need two).
std::string sql_compiler::aggregate_expr(field_role role, const std::string& x, const column_model* column) {
    auto number = [&](const std::string& expr, const char* label) {
        // A String column's smallest or largest value is a String, whatever SQLite stored
        // (an untyped column may hold 0 beside 'a'): as its text, like the column's own cells.
        if (column && column->scalar == column_scalar::string &&
            (role == field_role::max || role == field_role::min)) {
            return "airsql_string(" + expr + ", " + sql_string(column->name) + ", 0)";  // NULL: no rows
        }
        return "airsql_number(" + expr + ", '" + label + "')";
    };
    switch (role) {
        case field_role::sum:
            return number("airsql_sum(" + x + ")", "sum");
        case field_role::avg:
            return number("avg(" + x + ")", "average");
        case field_role::max:
            return number("max(" + x + ")", "maximum");
        case field_role::min:
            return number("min(" + x + ")", "minimum");
        case field_role::stddev:
        case field_role::stddev_samp:
            return number("airsql_stddev_samp(" + x + ")", "standard deviation");
        case field_role::stddev_pop:
            return number("airsql_stddev_pop(" + x + ")", "standard deviation");
        case field_role::variance:
        case field_role::var_samp:
            return number("airsql_var_samp(" + x + ")", "variance");
        case field_role::var_pop:
            return number("airsql_var_pop(" + x + ")", "variance");
        default:
            return "NULL";
    }
}

// ---- filters and ordering ----

// Most values one statement's filters may bind (10,000 prepare in about 0.16 s).
constexpr std::size_t max_filter_values = 10'000;

std::string sql_compiler::comparison(const column_model& c, const std::string& expr, const boost::json::object& ops,
                                     std::vector<bound_value>& params) {
    auto bind = [&](const boost::json::value& v) {
        // SQLite resolves numbered parameters in time that grows with their count for each
        // one, and preparing is not interruptible: 249,000 _in values took 99 s.
        if (params.size() >= max_filter_values) {
            throw field_failure("The filter has more than " + std::to_string(max_filter_values) +
                                " values; split the request");
        }
        params.push_back(to_bound(c, v));
        return "?" + std::to_string(params.size());
    };
    std::vector<std::string> parts;
    for (const auto& [raw_op, v] : ops) {
        std::string_view op = raw_op;
        if (!op.empty() && op.front() == '_' && op != "_is_null") op.remove_prefix(1);
        if (op == "eq") {
            parts.push_back(v.is_null() ? expr + " IS NULL" : expr + " = " + bind(v));
        } else if (op == "neq") {
            parts.push_back(v.is_null() ? expr + " IS NOT NULL" : "(" + expr + " != " + bind(v) + " OR " + expr + " IS NULL)");
        } else if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
            const char* sym = op == "gt" ? " > " : op == "gte" ? " >= " : op == "lt" ? " < " : " <= ";
            parts.push_back(expr + sym + bind(v));
        } else if (op == "like") {
            parts.push_back(v.is_string() ? expr + " GLOB " + bind(boost::json::value(like_to_glob(v.get_string()))) : "0");
        } else if (op == "ilike") {
            parts.push_back(v.is_string() ? expr + " LIKE " + bind(v) : "0");
        } else if (op == "nlike" || op == "nilike" || op == "similar" || op == "nsimilar" || op == "regex" ||
                   op == "iregex" || op == "nregex" || op == "niregex") {
            // Negations count NULL as not matching, like _neq and _nin (AirGQL's rule).
            bool negated = op.front() == 'n';
            std::string test;
            if (!v.is_string()) {
                test = "0";
            } else if (op == "nlike") {
                test = expr + " GLOB " + bind(boost::json::value(like_to_glob(v.get_string())));
            } else if (op == "nilike") {
                test = expr + " LIKE " + bind(v);
            } else if (op == "similar" || op == "nsimilar") {
                test = "similar_to(" + bind(v) + ", " + expr + ")";
            } else {
                bool caseless = op == "iregex" || op == "niregex";
                test = "regexp(" + bind(v) + ", " + expr + (caseless ? ", 'i')" : ")");
            }
            parts.push_back(negated ? "(NOT coalesce(" + test + ", 0) OR " + expr + " IS NULL)" : test);
        } else if (op == "in" || op == "nin") {
            const auto* items = v.if_array();
            bool has_null = false;
            std::string list;
            if (items) {
                for (const auto& item : *items) {
                    has_null = has_null || item.is_null();
                    list += (list.empty() ? "" : ", ") + bind(item);
                }
            }
            if (op == "in") {
                parts.push_back(list.empty() ? "0" : expr + " IN (" + list + ")");
            } else if (list.empty()) {
                parts.push_back("1");
            } else {
                parts.push_back(has_null ? expr + " NOT IN (" + list + ")"
                                         : "(" + expr + " NOT IN (" + list + ") OR " + expr + " IS NULL)");
            }
        } else if (op == "_is_null") {
            if (v.is_bool()) parts.push_back(expr + (v.get_bool() ? " IS NULL" : " IS NOT NULL"));
        }
    }
    if (parts.empty()) {
        throw field_failure("The condition on column \"" + c.gql_name + "\" names no operator (use e.g. _eq)");
    }
    if (parts.size() == 1) return parts[0];
    std::string out = "(";
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " AND " : "") + parts[i];
    return out + ")";
}

std::string sql_compiler::condition(std::size_t table, const boost::json::object& filter, const std::string& qualifier,
                                    std::vector<bound_value>& params) {
    const auto& t = m_.tables[table];
    std::vector<std::string> parts;
    for (const auto& [key, v] : filter) {
        if (v.is_null()) continue;
        if (key == "_and" || key == "_or") {
            std::vector<std::string> items;
            if (const auto* a = v.if_array()) {
                for (const auto& sub : *a) {
                    if (sub.is_object()) items.push_back("(" + condition(table, sub.get_object(), qualifier, params) + ")");
                }
            }
            if (items.empty()) {
                parts.push_back(key == "_and" ? "1" : "0");
            } else {
                std::string joined;
                for (std::size_t i = 0; i < items.size(); ++i) joined += (i ? (key == "_and" ? " AND " : " OR ") : "") + items[i];
                parts.push_back("(" + joined + ")");
            }
            continue;
        }
        if (key == "_not") {
            if (v.is_object()) parts.push_back("NOT (" + condition(table, v.get_object(), qualifier, params) + ")");
            continue;
        }
        if (auto c = t.column_by_gql(key)) {
            if (v.is_object()) parts.push_back(comparison(t.columns[*c], column_ref(table, *c, qualifier), v.get_object(), params));
            continue;
        }
        for (const auto& rel : s_.relationships[table]) {
            if (rel.name != key || !v.is_object()) continue;
            const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
            auto alias = next_alias('f');
            std::string join;
            for (std::size_t i = 0; i < fk.from.size(); ++i) {
                if (rel.k == relationship::kind::object) {
                    join += (i ? " AND " : "") + column_ref(rel.other, fk.to[i], alias) + " = " +
                            column_ref(table, fk.from[i], qualifier);
                } else {
                    join += (i ? " AND " : "") + column_ref(rel.other, fk.from[i], alias) + " = " +
                            column_ref(table, fk.to[i], qualifier);
                }
            }
            parts.push_back("EXISTS (SELECT 1 FROM " + sqlite::quote_identifier(m_.tables[rel.other].name) + " AS " +
                            alias + " WHERE " + join + " AND (" + condition(rel.other, v.get_object(), alias, params) +
                            "))");
        }
    }
    if (parts.empty()) return "1";
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? " AND " : "") + parts[i];
    return out;
}

namespace {

std::string direction(std::string_view term) {
    if (term == "ASC" || term == "asc") return " ASC";
    if (term == "DESC" || term == "desc") return " DESC";
    if (term == "asc_nulls_first") return " ASC NULLS FIRST";
    if (term == "asc_nulls_last") return " ASC NULLS LAST";
    if (term == "desc_nulls_first") return " DESC NULLS FIRST";
    return " DESC NULLS LAST";
}

}  // namespace

// Sort keys of one order_by entry on rows of `table` (as `alias`), in document order. A key
// naming an object relationship sorts by the referenced row's columns (recursively): each
// column is fetched by a correlated subquery chain along the foreign keys.
void sql_compiler::order_object(std::size_t table, const boost::json::object& entry, const std::string& alias,
                                std::vector<order_term>& terms) {
    if (entry.empty()) throw field_failure("order_by entries must not be empty: name a column, e.g. {id: ASC}");
    const auto& tm = m_.tables[table];
    for (const auto& [key, v] : entry) {
        if (v.is_null()) continue;
        if (auto c = tm.column_by_gql(key)) {
            if (v.is_string()) terms.push_back({column_ref(table, *c, alias), direction(v.get_string())});
            continue;
        }
        for (const auto& rel : s_.relationships[table]) {
            if (rel.k == relationship::kind::array && rel.aggregate_name == key && v.is_object()) {
                aggregate_order(table, rel, v.get_object(), alias, terms);
                continue;
            }
            if (rel.name != key || rel.k != relationship::kind::object || !v.is_object()) continue;
            const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
            auto a = next_alias('o');
            std::string join;
            for (std::size_t i = 0; i < fk.from.size(); ++i) {
                join += (i ? " AND " : "") + column_ref(rel.other, fk.to[i], a) + " = " +
                        column_ref(table, fk.from[i], alias);
            }
            std::vector<order_term> inner;
            order_object(rel.other, v.get_object(), a, inner);
            for (auto& term : inner) {
                terms.push_back({"(SELECT " + term.expr + " FROM " + sqlite::quote_identifier(m_.tables[rel.other].name) +
                                     " AS " + a + " WHERE " + join + " LIMIT 1)",
                                 std::move(term.direction)});
            }
        }
    }
}

// Sort keys by aggregates of the rows referencing each row (`{albums_aggregate: {count: DESC}}`):
// each a correlated subquery over the referencing table.
void sql_compiler::aggregate_order(std::size_t table, const relationship& rel, const boost::json::object& entry,
                                   const std::string& alias, std::vector<order_term>& terms) {
    if (entry.empty()) throw field_failure("order_by entries must not be empty: name an aggregate, e.g. {count: DESC}");
    const auto& fk = m_.tables[rel.child].foreign_keys[rel.foreign_key];
    const auto& child = m_.tables[rel.child];
    auto subquery = [&](const std::string& aggregate_of) {
        auto a = next_alias('o');
        std::string join;
        for (std::size_t i = 0; i < fk.from.size(); ++i) {
            join += (i ? " AND " : "") + column_ref(rel.child, fk.from[i], a) + " = " + column_ref(table, fk.to[i], alias);
        }
        std::string what = aggregate_of.empty() ? "count(*)" : aggregate_of;
        for (auto pos = what.find('\x01'); pos != std::string::npos; pos = what.find('\x01')) what.replace(pos, 1, a);
        return "(SELECT " + what + " FROM " + sqlite::quote_identifier(child.name) + " AS " + a + " WHERE " + join + ")";
    };
    for (const auto& [fn, v] : entry) {
        if (v.is_null()) continue;
        if (fn == "count") {
            if (v.is_string()) terms.push_back({subquery(""), direction(v.get_string())});
            continue;
        }
        if (!v.is_object()) continue;
        if (v.get_object().empty()) throw field_failure("order_by entries must not be empty: name a column");
        for (const auto& [col, d] : v.get_object()) {
            auto c = child.column_by_gql(col);
            if (!c || !d.is_string()) continue;
            const auto& cm = child.columns[*c];
            std::string ref = std::string("\x01.") + (cm.synthetic_rowid ? cm.name : sqlite::quote_identifier(cm.name));
            terms.push_back({subquery(std::string(fn) + "(" + ref + ")"), direction(d.get_string())});
        }
    }
}

std::vector<sql_compiler::order_term> sql_compiler::order_list(std::size_t table, const boost::json::value& order_by,
                                                               const std::string& alias) {
    std::vector<order_term> terms;
    if (const auto* a = order_by.if_array()) {
        for (const auto& entry : *a) {
            if (entry.is_object()) order_object(table, entry.get_object(), alias, terms);
        }
    } else if (order_by.is_object()) {
        order_object(table, order_by.get_object(), alias, terms);
    }
    return terms;
}

// The default order: by rowid (AirGQL), or by the key when there is no rowid.
std::vector<sql_compiler::order_term> sql_compiler::default_order(std::size_t table, const std::string& alias) const {
    const auto& t = m_.tables[table];
    if (t.rowid) return {{column_ref(table, *t.rowid, alias), " ASC"}};
    std::vector<order_term> terms;
    if (!t.is_view) {
        for (auto k : t.key) terms.push_back({column_ref(table, k, alias), ""});
    }
    return terms;
}

std::string sql_compiler::order_terms(std::size_t table, const boost::json::value& order_by, const std::string& alias,
                                      std::vector<bound_value>& params) {
    (void)params;
    auto terms = order_list(table, order_by, alias);
    if (terms.empty()) terms = default_order(table, alias);
    if (terms.empty()) return "";
    std::string out = " ORDER BY ";
    for (std::size_t i = 0; i < terms.size(); ++i) out += (i ? ", " : "") + terms[i].expr + terms[i].direction;
    return out;
}

// The columns of `distinct_on`, without repeats, in the order given.
std::vector<std::size_t> sql_compiler::distinct_columns(std::size_t table, const boost::json::object& args) const {
    std::vector<std::size_t> out;
    const auto* d = arg(args, "distinct_on");
    if (!d) return out;
    auto add = [&](const boost::json::value& name) {
        if (!name.is_string()) return;
        auto c = m_.tables[table].column_by_gql(name.get_string());
        if (!c) {
            throw field_failure("\"" + std::string(name.get_string()) +
                                "\" is a constraint, not a column: distinct_on names columns");
        }
        if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    };
    if (const auto* a = d->if_array()) {
        for (const auto& n : *a) add(n);
    } else {
        add(*d);
    }
    return out;
}

// SQLite has no DISTINCT ON: the rows of `table` matching `where`, numbered within each group
// of equal `distinct` values in `window_order`, keep only the first of each group. The result
// has every column under its own name and is aliased as `alias` again, so the expressions
// compiled for the table (order terms, selected columns) apply to it unchanged.
std::string sql_compiler::distinct_source(std::size_t table, const std::vector<std::size_t>& distinct,
                                          const std::string& alias, const std::string& where,
                                          const std::string& window_order) const {
    const auto& t = m_.tables[table];
    std::string rank = "airsql_row_number";
    auto taken = [&](const std::string& n) {
        return std::any_of(t.columns.begin(), t.columns.end(), [&](const column_model& c) {
            return std::equal(c.name.begin(), c.name.end(), n.begin(), n.end(),
                              [](char a, char b) { return std::tolower(a) == std::tolower(b); });
        });
    };
    while (taken(rank)) rank += "_";
    std::string cols;
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
        const auto& name = t.columns[c].name;
        cols += column_ref(table, c, alias) + " AS " +
                (t.columns[c].synthetic_rowid ? name : sqlite::quote_identifier(name)) + ", ";
    }
    std::string partition;
    for (std::size_t i = 0; i < distinct.size(); ++i) partition += (i ? ", " : "") + column_ref(table, distinct[i], alias);
    return "(SELECT " + cols + "row_number() OVER (PARTITION BY " + partition + window_order + ") AS " + rank +
           " FROM " + sqlite::quote_identifier(t.name) + " AS " + alias + where + ") AS " + alias + " WHERE " +
           alias + "." + rank + " = 1";
}

// ---- list queries ----

std::string sql_compiler::list_query(std::size_t table, const boost::json::object& args,
                                     const std::vector<const selection_set*>& sets, const std::string& join,
                                     level* parent, shape& out, bool aggregate, std::vector<bound_value>& params,
                                     sql_query* rows_out) {
    const auto& t = m_.tables[table];
    auto lv = new_level(table);
    auto bind = [&](bound_value v) {
        params.push_back(std::move(v));
        return "?" + std::to_string(params.size());
    };

    // Pagination first: its errors come before any work.
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;
    if (const auto* l = arg(args, "limit"); l && l->is_int64()) limit = l->get_int64();
    if (const auto* o = arg(args, "offset"); o && o->is_int64()) offset = o->get_int64();
    if (limit && *limit < 0) throw field_failure("The limit must be positive or zero, not " + std::to_string(*limit));
    if (offset && *offset < 0) throw field_failure("The offset must be positive or zero, not " + std::to_string(*offset));
    // AirGQL's rule for root lists (its conformance pins it); nested lists and aggregates
    // take Hasura's offset without a limit.
    if (offset && !limit && parent == nullptr && !aggregate) {
        throw field_failure(
            "Cannot specify an offset without also specifying a limit on a root list (AirGQL's rule); "
            "<table>_aggregate { nodes } and nested lists accept an offset alone");
    }
    // Root lists are capped at max_rows (AirGQL); nested lists, like Hasura's, are not: the
    // size of the whole result is bounded by SQLite's length limit instead.
    auto max = static_cast<std::int64_t>(settings_.max_rows);
    bool capped = parent == nullptr && (!limit || *limit > max);

    std::string select_expr;
    bool nodes = !aggregate;
    if (aggregate) {
        out.k = shape::kind::object;
        out.non_null = true;
        auto fields = collect_fields(ctx_, *s_.find(t.gql_name + "_aggregate"), sets);
        nodes = false;
        // Always one row, as an aggregate query gives even over no rows: a selection of
        // only `__typename` fields calls no aggregate function, and an empty set would give
        // no row at all (null for a non-null field).
        select_expr = "CASE WHEN count(*) >= 0 THEN " + aggregate_object(lv, fields, out, nodes, capped) + " END";
    } else {
        out.k = shape::kind::list;
        out.non_null = true;
        auto fields = collect_fields(ctx_, *s_.find(t.gql_name + "_row"), sets);
        auto cap_message = "the query would return more than " + std::to_string(max) +
                           " rows, the maximum; add a limit, e.g. limit: 50";
        std::vector<std::string> exprs;
        if (rows_out && row_columns(lv, fields, out.fields, rows_out->row_keys, exprs,
                                    rows_out->nested_lists, rows_out->joined_objects)) {
            for (std::size_t i = 0; i < exprs.size(); ++i) select_expr += (i ? ", " : "") + exprs[i];
            if (capped) {
                rows_out->row_cap = max;
                rows_out->cap_message = std::move(cap_message);
            }
        } else {
            auto obj = row_object(lv, fields, out.fields);
            select_expr = "json_group_array(" + obj + ")";
            if (capped) {
                select_expr = "CASE WHEN count(*) > " + std::to_string(max) + " THEN " +
                              marker(sql_string(cap_message)) + " ELSE " + select_expr + " END";
            }
        }
    }

    std::vector<std::string> where;
    if (!join.empty()) {
        std::string j = join;
        for (auto pos = j.find('\x01'); pos != std::string::npos; pos = j.find('\x01')) j.replace(pos, 1, lv.base);
        where.push_back(j);
    }
    if (const auto* w = arg(args, "where", "filter"); w && w->is_object() && !w->get_object().empty()) {
        where.push_back(condition(table, w->get_object(), lv.base, params));
    }
    std::vector<order_term> terms;
    if (const auto* o = arg(args, "order_by"); o && !o->is_null()) terms = order_list(table, *o, lv.base);
    auto distinct = distinct_columns(table, args);
    if (!distinct.empty()) {
        if (terms.empty()) {
            // Without order_by: groups in the order of their values, the first row of each
            // in the default order.
            for (auto c : distinct) terms.push_back({column_ref(table, c, lv.base), " ASC"});
            auto rest = default_order(table, lv.base);
            terms.insert(terms.end(), rest.begin(), rest.end());
        } else {
            // Hasura's (and Postgres's) rule: the leading order_by keys are the distinct_on columns.
            std::set<std::string> wanted, leading;
            for (auto c : distinct) wanted.insert(column_ref(table, c, lv.base));
            for (std::size_t i = 0; i < terms.size() && i < distinct.size(); ++i) leading.insert(terms[i].expr);
            if (terms.size() < distinct.size() || wanted != leading) {
                throw field_failure(
                    "\"distinct_on\" columns must match initial \"order_by\" columns");
            }
        }
    }
    if (terms.empty()) terms = default_order(table, lv.base);
    std::string order;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        order += (i ? ", " : " ORDER BY ") + terms[i].expr + terms[i].direction;
    }
    std::string paging;
    if (capped && nodes) {
        paging = " LIMIT " + bind(max + 1);
    } else if (limit) {
        paging = " LIMIT " + bind(*limit);
    }
    if (offset) paging += (paging.empty() ? " LIMIT -1 OFFSET " : " OFFSET ") + bind(*offset);
    // SQLite drops the ORDER BY of a FROM-clause subquery that is part of a join unless it
    // has a LIMIT (select.c, "Condition (5)"): the joined objects must keep the rows' order.
    if (!lv.joins.empty() && paging.empty()) paging = " LIMIT -1";

    std::string conditions;
    for (std::size_t i = 0; i < where.size(); ++i) conditions += (i ? " AND " : " WHERE ") + where[i];
    std::string source = distinct.empty()
                             ? sqlite::quote_identifier(t.name) + " AS " + lv.base + conditions
                             : distinct_source(table, distinct, lv.base, conditions, order);
    return "SELECT " + select_expr + " FROM (" + derived_select(lv) + " FROM " + source + order + paging + ") AS " +
           lv.src + lv.joins;
}

sql_query sql_compiler::root_list(const field_node& node, shape& out, bool aggregate) {
    sql_query q;
    params_ = &q.params;
    auto args = argument_values(s_, node.sel->arguments, node.def->args, ctx_.variables);
    out.key = node.key;
    out.loc = node.sel->loc;
    q.sql = list_query(node.def->table, args, node.sub, "", nullptr, out, aggregate, q.params, &q);
    return q;
}

sql_query sql_compiler::list_field(const field_node& node, shape& out) { return root_list(node, out, false); }

sql_query sql_compiler::aggregate_field(const field_node& node, shape& out) { return root_list(node, out, true); }

sql_query sql_compiler::by_pk_field(const field_node& node, shape& out) {
    sql_query q;
    params_ = &q.params;
    const auto table = node.def->table;
    const auto& t = m_.tables[table];
    auto args = argument_values(s_, node.sel->arguments, node.def->args, ctx_.variables);
    auto lv = new_level(table);
    out.key = node.key;
    out.loc = node.sel->loc;
    out.k = shape::kind::object;
    out.non_null = false;
    auto fields = collect_fields(ctx_, *s_.find(t.gql_name + "_row"), node.sub);
    auto obj = row_object(lv, fields, out.fields);
    std::string where;
    for (auto k : t.key) {
        const auto& c = t.columns[k];
        const auto* v = args.if_contains(c.gql_name);
        q.params.push_back(v ? to_bound(c, *v) : bound_value{});
        where += (where.empty() ? "" : " AND ") + column_ref(table, k, lv.base) + " = ?" + std::to_string(q.params.size());
    }
    q.sql = "SELECT " + obj + " FROM (" + derived_select(lv) + " FROM " + sqlite::quote_identifier(t.name) + " AS " +
            lv.base + " WHERE " + where + " LIMIT 1) AS " + lv.src;
    return q;
}

sql_query sql_compiler::rows_by_ids(std::size_t table, const std::vector<const selection_set*>& sets, bool single,
                                    shape& out) {
    sql_query q;
    params_ = &q.params;
    q.params.emplace_back(std::string("[]"));  // ?1: the ids, filled in by the caller
    const auto& t = m_.tables[table];
    auto lv = new_level(table);
    out.k = single ? shape::kind::object : shape::kind::list;
    auto fields = collect_fields(ctx_, *s_.find(t.gql_name + "_row"), sets);
    auto obj = row_object(lv, fields, out.fields);
    std::string on;
    if (t.rowid) {
        on = column_ref(table, *t.rowid, lv.base) + " = j.value";
    } else {
        for (std::size_t i = 0; i < t.key.size(); ++i) {
            on += (i ? " AND " : "") + column_ref(table, t.key[i], lv.base) + " = json_extract(j.value, '$[" +
                  std::to_string(i) + "]')";
        }
    }
    std::string inner = derived_select(lv) + " FROM json_each(?1) AS j JOIN " + sqlite::quote_identifier(t.name) +
                        " AS " + lv.base + " ON " + on + " ORDER BY j.key";
    q.sql = single ? "SELECT " + obj + " FROM (" + inner + " LIMIT 1) AS " + lv.src
                   : "SELECT json_group_array(" + obj + ") FROM (" + inner + ") AS " + lv.src;
    return q;
}

sql_query sql_compiler::rows_by_filter(std::size_t table, const boost::json::object& filter,
                                       const std::vector<const selection_set*>& sets, shape& out) {
    sql_query q;
    params_ = &q.params;
    const auto& t = m_.tables[table];
    auto lv = new_level(table);
    out.k = shape::kind::list;
    auto fields = collect_fields(ctx_, *s_.find(t.gql_name + "_row"), sets);
    auto obj = row_object(lv, fields, out.fields);
    auto cond = condition(table, filter, lv.base, q.params);
    auto order = order_terms(table, boost::json::value(), lv.base, q.params);
    q.sql = "SELECT json_group_array(" + obj + ") FROM (" + derived_select(lv) + " FROM " +
            sqlite::quote_identifier(t.name) + " AS " + lv.base + " WHERE " + cond + order + ") AS " + lv.src;
    return q;
}

}  // namespace airsql::graphql
