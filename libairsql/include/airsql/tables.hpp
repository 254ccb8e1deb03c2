// SPDX-License-Identifier: Apache-2.0
// Tables and columns of a hosted database: read them in the shape the spreadsheet UI needs,
// create, rename, describe, reorder and drop them, and change columns — also in ways SQLite's
// ALTER TABLE cannot (type, NOT NULL, UNIQUE, default, CHECK), by SQLite's documented
// table rebuild in one transaction.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/patch.hpp"

namespace airsql {

class engine;
class principal;

/// The editor a UI shows for a column, from its declared type (SQLite-Extra-Types names,
/// https://github.com/Airsequel/SQLite-Extra-Types) or its `CHECK (col IN (…))` list.
/// The whole mapping is one table in `libairsql/src/tables/input_elements.cpp`; the first rule
/// that matches the upper-cased declared type (without a `(…)` size) wins:
///
/// | declared type (exact, or the name followed by `_…`)        | inputElement     |
/// |------------------------------------------------------------|------------------|
/// | any column with a `CHECK (col IN (…))` list                | `InputSelect`    |
/// | `TEXT_DATETIME`, `DATETIME`, `TIMESTAMP`                   | `InputDateTime`  |
/// | `TEXT_DATE`, `DATE`                                        | `InputDate`      |
/// | `TEXT_TIME`, `TIME`                                        | `InputTime`      |
/// | `TEXT_DURATION` (also `_ISO`)                              | `InputDuration`  |
/// | `TEXT_URL`                                                 | `InputUrl`       |
/// | `TEXT_EMAIL`                                               | `InputEmail`     |
/// | `TEXT_TEL`                                                 | `InputTel`       |
/// | `TEXT_COLOR` (`_HEX`, `_RGB`, …)                           | `InputColor`     |
/// | `TEXT_LOCATION`                                            | `InputLocation`  |
/// | `TEXT_COUNTRY` (`_ALPHA_2`, `_ALPHA_3`)                    | `InputCountry`   |
/// | `TEXT_CODE` (`_<language>`)                                | `InputCode`      |
/// | `TEXT_JSON` (`_OBJECT`, `_ARRAY`)                          | `InputJson`      |
/// | `INT_STARS` (`_10`, `_100`)                                | `InputStars`     |
/// | `INT_PERCENT`, `REAL_PERCENT`                              | `InputPercent`   |
/// | `REAL_MONEY` (`_EUR`, `_USD`, …)                           | `InputMoney`     |
/// | `BLOB` and every `BLOB_…` (`BLOB_IMAGE`, `BLOB_FILE_PDF`)  | `InputFile`      |
/// | `BOOL`, `BOOLEAN`                                          | `InputCheckbox`  |
/// | other types with INTEGER or REAL affinity, `NUMERIC`, …    | `InputNumber`    |
/// | everything else (TEXT, no type, other `TEXT_…` names)      | `InputText`      |
std::string_view input_element_for(std::string_view declared_type, bool has_items);

/// Value bounds an Extra Type implies (`INT_STARS`: 1–5, `INT_PERCENT`: 0–100, …); advisory,
/// for UIs: SQLite does not enforce them.
struct column_validations {
    std::optional<double> min;
    std::optional<double> max;
    bool operator==(const column_validations&) const = default;
};

/// One column in the admin API's shape (`GET …/tables/:id` `columns`, `PUT …/columns/:id`).
struct table_column {
    std::optional<std::string> gql_data_type;  ///< "Int", "Float", "String", "Boolean"; null when
                                               ///< the GraphQL API does not show the column
    std::string input_element;                 ///< see input_element_for
    bool is_generated = false;
    bool is_non_null = false;   ///< NOT NULL, or an INTEGER PRIMARY KEY (never NULL)
    bool is_omittable = false;  ///< integer primary key, has a default, nullable, or generated
    bool is_primary_key = false;
    bool is_unique = false;  ///< a single-column UNIQUE constraint or unique index (or the PK)
    std::optional<std::vector<std::string>> items;  ///< the values of `CHECK (col IN (…))`
    std::string name;
    std::string sqlite_data_type;  ///< the declared type as written (may be empty)
    std::optional<column_validations> validations;
    bool operator==(const table_column&) const = default;
};

/// A table or view in the admin API's shape (`GET /api/dbs/:dbId/tables/:id`).
struct table_details {
    std::vector<table_column> columns;  ///< in the column order (see update_column `after`)
    std::optional<std::string> description;
    /// numberOfRows × number of columns is above `options::table_cell_limit`: a UI should page
    /// instead of loading every cell.
    bool max_cell_limit_reached = false;
    std::string name;
    std::int64_t number_of_rows = 0;
    /// How to address rows: "rowid", or "_rowid_" / "oid" when real columns take the earlier
    /// names; null for views, WITHOUT ROWID tables, or when all three names are taken.
    std::optional<std::string> rowid_column_name;
    std::string table_type;  ///< "Table" or "View"
    bool operator==(const table_details&) const = default;
};

/// A column to create (`PUT …/columns/:id`, or an element of `PUT …/tables/:id` `columns`).
struct column_definition {
    std::string name;
    std::string sqlite_data_type =
        "TEXT";  ///< a type name (words and an optional `(n[, m])`), or ""
    bool is_non_null = false;
    bool is_unique = false;
    bool is_primary_key = false;
    /// The DEFAULT as SQL: JSON `"default"` takes a literal (string, number, boolean: rendered
    /// as an SQL literal), `"defaultSql"` an SQL expression such as `CURRENT_TIMESTAMP`.
    std::optional<std::string> default_sql;
    std::optional<std::vector<std::string>> items;  ///< becomes `CHECK ("col" IN ('a', …))`
    std::optional<std::string> check;               ///< another CHECK expression
    std::optional<std::string> description;
    bool operator==(const column_definition&) const = default;
};

/// `PUT /api/dbs/:dbId/tables/:id` body.
struct create_table_request {
    /// The columns; empty: one column `id INTEGER PRIMARY KEY` (SQLite has no table without
    /// columns; an integer key gives every row a stable id).
    std::vector<column_definition> columns;
    std::optional<std::string> description;
    bool operator==(const create_table_request&) const = default;
};

/// `PATCH /api/dbs/:dbId/tables/:id` body. Absent fields stay as they are.
struct table_patch {
    std::optional<std::string> name;  ///< ALTER TABLE RENAME (views and triggers follow)
    patch<std::string> description;   ///< null clears it
    /// Moves the table in the table order: after the named table, or first for "". Absent or
    /// null: the position stays.
    std::optional<std::string> after;
    bool operator==(const table_patch&) const = default;
};

/// `PATCH /api/dbs/:dbId/tables/:id/columns/:id` body. Absent fields stay as they are.
struct column_patch {
    std::optional<std::string> name;  ///< ALTER TABLE RENAME COLUMN
    std::optional<std::string> sqlite_data_type;
    std::optional<bool> is_non_null;
    std::optional<bool> is_unique;
    patch<std::string> default_sql;         ///< null removes the DEFAULT
    patch<std::vector<std::string>> items;  ///< null removes the CHECK-IN list
    patch<std::string> check;               ///< null removes the column's other CHECK constraints
    patch<std::string> description;
    std::optional<std::string> after;  ///< column order, as table_patch::after
    bool operator==(const column_patch&) const = default;
};

/// What `delete_table` / `delete_column` did besides the drop itself.
struct drop_report {
    std::vector<std::string> dropped_indexes;  ///< indexes that used the dropped column
    bool operator==(const drop_report&) const = default;
};

/// The table or view `table` (matched as SQLite does: ASCII case-insensitively). Needs read
/// access. `not_found` for an unknown database or table.
table_details get_table(engine& eng, const principal& who, std::string_view db_id,
                        std::string_view table);

/// Creates a table. Needs the schema capability (team Editor/Admin, `write` tokens).
/// `already_exists` when a table, view, index or trigger has the name; `invalid_argument` for bad
/// names (empty, over 255 bytes, control characters, the reserved `sqlite_` prefix), types,
/// duplicate columns, more than one primary key column or more than
/// `options::max_table_columns` columns.
table_details create_table(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, const create_table_request& request);

/// Renames, describes or moves a table (see table_patch). Descriptions and order live in the
/// catalog beside the database, never in its file; they follow renames and drops. Needs the
/// schema capability. `not_found`, `already_exists` (the new name is taken),
/// `invalid_argument` (unknown `after` table, bad name).
table_details update_table(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, const table_patch& patch);

/// Drops a table (or a view). Refused with `failed_precondition`, naming the object, when a
/// view or a trigger of another table uses it (they would fail on every use; the GraphQL API
/// of the whole database would fail on such a view); drop or change those first.
drop_report delete_table(engine& eng, const principal& who, std::string_view db_id,
                         std::string_view table);

/// Adds a column: ALTER TABLE ADD COLUMN when SQLite can, else a rebuild (UNIQUE, PRIMARY KEY,
/// an expression default). Needs the schema capability. `already_exists` for a taken name;
/// `failed_precondition` (409) when existing rows violate it (NOT NULL without a default on a
/// table with rows, UNIQUE); nothing changes then.
table_column add_column(engine& eng, const principal& who, std::string_view db_id,
                        std::string_view table, std::string_view column,
                        const column_definition& definition);

/// Changes a column. A rename uses ALTER TABLE RENAME COLUMN (indexes, views and triggers
/// follow); type, NOT NULL, UNIQUE, DEFAULT and CHECK changes rebuild the table by SQLite's
/// 12-step procedure in one transaction (data, indexes, triggers, views and foreign keys in both
/// directions kept; `PRAGMA foreign_key_check` before COMMIT). A failure rolls back everything:
/// `failed_precondition` / `already_exists` (409) with SQLite's message when the data does not
/// fit (NULLs for NOT NULL, duplicates for UNIQUE, a CHECK), or when a view, trigger or
/// foreign key would break. Primary keys cannot be changed here (`invalid_argument`).
table_column update_column(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, std::string_view column,
                           const column_patch& patch);

/// Drops a column: ALTER TABLE DROP COLUMN, or a rebuild when the column is UNIQUE, a primary
/// key or indexed (those indexes are dropped and reported). Refused (`failed_precondition`,
/// naming the object) when a view, trigger, foreign key, table constraint or generated column
/// uses it, or when it is the table's last column.
drop_report delete_column(engine& eng, const principal& who, std::string_view db_id,
                          std::string_view table, std::string_view column);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const column_validations& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const table_column& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const table_details& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const drop_report& v);
column_definition tag_invoke(boost::json::value_to_tag<column_definition>,
                             const boost::json::value& jv);
create_table_request tag_invoke(boost::json::value_to_tag<create_table_request>,
                                const boost::json::value& jv);
table_patch tag_invoke(boost::json::value_to_tag<table_patch>, const boost::json::value& jv);
column_patch tag_invoke(boost::json::value_to_tag<column_patch>, const boost::json::value& jv);

}  // namespace airsql
