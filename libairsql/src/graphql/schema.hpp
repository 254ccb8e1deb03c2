// SPDX-License-Identifier: Apache-2.0
// A GraphQL type system: the types, fields and arguments that validation checks documents
// against and that introspection reports. Built once per database schema version and access
// mode (schema_builder), then shared read-only between requests.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "graphql/database_model.hpp"

namespace airsql::graphql {

enum class type_kind { scalar, object, enum_, input_object };

/// A reference to a named type with wrappers, outermost first: "" is `T`, "N" is `T!`,
/// "NLN" is `[T!]!`, "L" is `[T]`.
struct type_spec {
    std::string name;
    std::string wrappers;

    bool is_non_null() const { return !wrappers.empty() && wrappers[0] == 'N'; }
    bool is_list() const { return !wrappers.empty() && wrappers[0] == 'L'; }
    bool is_named() const { return wrappers.empty(); }
    /// The type inside the outermost wrapper.
    type_spec inner() const { return {name, wrappers.substr(1)}; }
    /// The type without a non-null wrapper on the outside.
    type_spec nullable() const { return is_non_null() ? inner() : *this; }
    /// SDL notation, e.g. "[users_row!]!".
    std::string to_string() const;
    bool operator==(const type_spec&) const = default;
};

/// What executes a field.
enum class field_role : std::uint8_t {
    typename_,           ///< __typename
    schema_,             ///< __schema
    type_,               ///< __type(name:)
    introspection,       ///< a field of an introspection type (__Type.name, …)
    table_list,          ///< Query.<t>
    table_by_pk,         ///< Query.<t>_by_pk
    table_aggregate,     ///< Query.<t>_aggregate
    table_stream,        ///< Subscription.<t>_stream (Hasura's streaming subscription)
    insert,              ///< Mutation.insert_<t>
    update,              ///< Mutation.update_<t>
    delete_,             ///< Mutation.delete_<t>
    update_by_pk,        ///< Mutation.update_<t>_by_pk
    delete_by_pk,        ///< Mutation.delete_<t>_by_pk
    insert_one,          ///< Mutation.insert_<t>_one (Hasura's; returns the row)
    update_many,         ///< Mutation.update_<t>_many (Hasura's; a list of responses)
    column,              ///< <t>_row.<column>
    object_relationship, ///< <t>_row.<parent> (many-to-one)
    array_relationship,  ///< <t>_row.<children> (one-to-many)
    array_aggregate,     ///< <t>_row.<children>_aggregate
    affected_rows,       ///< <t>_mutation_response.affected_rows
    returning,           ///< <t>_mutation_response.returning
    aggregate,           ///< <t>_aggregate.aggregate
    nodes,               ///< <t>_aggregate.nodes
    count,               ///< <t>_aggregate_fields.count
    sum, avg, max, min,  ///< <t>_aggregate_fields.sum …
    stddev, stddev_pop, stddev_samp,  ///< <t>_aggregate_fields.stddev … (Hasura's statistics)
    variance, var_pop, var_samp,
    aggregate_column,    ///< <t>_sum_fields.<column> …
};

struct input_value_def {
    std::string name;
    std::string description;
    type_spec type;
    std::optional<std::string> default_value;  ///< GraphQL literal, e.g. "false"
    bool deprecated = false;
    std::string deprecation_reason;
    bool extension = false;  ///< beyond AirGQL: hidden in the AirGQL-compatible introspection
    /// An extension that changes a signature the shared conformance suite pins in the default
    /// view (the arguments of Query.<t> and Mutation.update_*, Mutation's field count): shown
    /// only by the `current` introspection view. Execution accepts it in every view.
    bool current_only = false;
};

struct field_def {
    std::string name;
    std::string description;
    std::vector<input_value_def> args;
    type_spec type;
    bool deprecated = false;
    std::string deprecation_reason;
    bool extension = false;
    bool current_only = false;
    field_role role = field_role::introspection;
    std::uint32_t table = 0;  ///< index into database_model::tables, where it applies
    std::uint32_t index = 0;  ///< column or relationship index, where it applies

    const input_value_def* arg(std::string_view n) const;
};

struct enum_value_def {
    std::string name;
    std::string description;
    bool deprecated = false;
    std::string deprecation_reason;
    bool extension = false;
    bool current_only = false;
};

struct type_def {
    type_kind kind = type_kind::scalar;
    std::string name;
    std::string description;
    std::vector<field_def> fields;              ///< object
    std::vector<input_value_def> input_fields;  ///< input_object
    std::vector<enum_value_def> enum_values;    ///< enum_
    bool extension = false;
    bool current_only = false;  ///< reachable only through current-only members

    const field_def* field(std::string_view n) const;
    const input_value_def* input_field(std::string_view n) const;
    const enum_value_def* enum_value(std::string_view n) const;
    /// Builds the name lookups; call after the members are complete.
    void index();

private:
    std::unordered_map<std::string_view, std::size_t> by_name_;
};

enum class directive_location { query, mutation, subscription, field, fragment_definition,
                                fragment_spread, inline_fragment, variable_definition };

struct directive_def {
    std::string name;
    std::string description;
    std::vector<directive_location> locations;
    std::vector<input_value_def> args;
};

/// A relationship derived from a foreign key.
struct relationship {
    enum class kind { object, array };
    kind k = kind::object;
    std::string name;               ///< field name on the row type
    /// array: the name of its aggregate field, `<name>_aggregate` with "_" appended while
    /// that is taken (a column or a relationship named so keeps its name).
    std::string aggregate_name;
    std::size_t table = 0;          ///< the table the field is on
    std::size_t other = 0;          ///< the related table
    std::size_t foreign_key = 0;    ///< index in tables[child].foreign_keys
    std::size_t child = 0;          ///< the referencing table (owner of the foreign key)
};

/// How the caller may use the database: decides Mutation and `returning`.
enum class access_mode { read_write, read_only, write_only, insert_only };

/// A complete schema. Immutable after construction; safe to share between threads.
class schema {
public:
    std::vector<type_def> types;
    std::vector<directive_def> directives;
    std::string query_type = "Query";
    std::string mutation_type;  ///< empty when the caller may not mutate
    /// Live queries: the query root's table fields (and `<t>_stream`); empty when the caller
    /// may not read. Beyond AirGQL (hidden in its view).
    std::string subscription_type;
    access_mode mode = access_mode::read_write;
    std::shared_ptr<const database_model> model;
    /// Relationships by table (outer index = table).
    std::vector<std::vector<relationship>> relationships;

    const type_def* find(std::string_view name) const;
    const directive_def* directive(std::string_view name) const;
    /// Builds the lookups; call once after filling `types` and `directives`.
    void index();

    bool can_read() const { return mode == access_mode::read_write || mode == access_mode::read_only; }

private:
    std::unordered_map<std::string_view, std::size_t> by_name_;
};

}  // namespace airsql::graphql
