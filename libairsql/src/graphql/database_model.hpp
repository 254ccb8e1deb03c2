// SPDX-License-Identifier: Apache-2.0
// What the GraphQL API needs to know about a database, read from SQLite itself (sqlite_master
// and the table_xinfo / foreign_key_list / index_info pragmas). No hand-written SQL parser,
// except for the `CHECK (col IN (…))` lists that turn a column into a single select.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sqlite/connection.hpp"

namespace airsql::graphql {

/// The GraphQL scalar a column maps to (decision D1 of the behaviour reference).
enum class column_scalar { int_, float_, string, boolean, file };

struct column_model {
    std::string name;           ///< the real SQLite name (for the synthetic rowid: rowid/_rowid_/oid)
    std::string declared_type;  ///< as declared, may be empty
    std::string gql_name;       ///< encoded name
    column_scalar scalar = column_scalar::string;
    bool synthetic_rowid = false;
    bool rowid_alias = false;  ///< INTEGER PRIMARY KEY: always an integer, never NULL
    bool non_null = false;     ///< non-null in row types
    bool primary_key = false;  ///< member of the declared primary key (or the synthetic rowid)
    bool omittable = false;    ///< may be left out of inserts
    bool has_default = false;  ///< declares a DEFAULT
    bool generated = false;    ///< GENERATED ALWAYS AS: readable, never written
    bool nullable_in_storage = false;  ///< non_null in GraphQL but SQLite may still hold NULL
    std::optional<std::vector<std::string>> select_options;  ///< CHECK (col IN (…)) literals
    std::string comparison_type;  ///< name of its <…>Comparison input type without the suffix
    std::optional<std::string> description;  ///< set through the tables API (catalog)
};

struct foreign_key_model {
    std::vector<std::size_t> from;  ///< column indices in the referencing table
    std::size_t parent = 0;         ///< index of the referenced table in database_model::tables
    std::vector<std::size_t> to;    ///< column indices in the referenced table
};

/// A UNIQUE or PRIMARY KEY constraint that `on_conflict.constraint` may name (Hasura's form).
struct unique_constraint {
    std::string gql_name;              ///< `<t>_pkey`, `<t>_<columns>_key` or the index name, encoded
    std::vector<std::size_t> columns;  ///< column indices
};

struct table_model {
    std::string name;      ///< the real SQLite name
    std::string gql_name;  ///< encoded name, prefix of every generated name
    bool is_view = false;
    std::vector<column_model> columns;  ///< synthetic rowid first when the table has one
    std::vector<std::size_t> key;       ///< columns of *_by_pk; empty: no by-pk fields
    std::optional<std::size_t> rowid;   ///< the column addressing rows (synthetic or alias)
    std::vector<foreign_key_model> foreign_keys;
    std::vector<unique_constraint> constraints;  ///< named constraints, none clashing with a column
    std::optional<std::string> description;  ///< set through the tables API (catalog)

    /// Index of the column with this GraphQL name.
    std::optional<std::size_t> column_by_gql(std::string_view gql) const;
};

struct database_model {
    std::vector<table_model> tables;  ///< in sqlite_master order
    std::int64_t schema_version = 0;
};

/// Reads the model from a connection (inside whatever transaction the caller holds).
database_model read_database_model(sqlite::connection& conn);

/// The scalar for a declared type, by decision D1's rules.
column_scalar scalar_for(std::string_view declared_type);

/// The GraphQL name of a column scalar: "Int", "Float", "Boolean" or "String" (files too).
std::string_view scalar_name(column_scalar s);

/// The `CHECK (col IN (…))` option lists of a CREATE TABLE statement, by column name
/// (lower-cased). Exposed for tests.
std::vector<std::pair<std::string, std::vector<std::string>>> parse_select_options(
    std::string_view create_sql);

}  // namespace airsql::graphql
