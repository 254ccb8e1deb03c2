// SPDX-License-Identifier: Apache-2.0
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

/// Who may read a database besides its team and tokens.
enum class visibility {
    team_only,    ///< "private": team members and API tokens only
    public_read,  ///< "public": anyone who knows the database id may read
};

/// "private" / "public".
std::string_view to_string(visibility v) noexcept;

/// A map pin for a database (shown in the UI).
struct location {
    double lat = 0;
    double lng = 0;  ///< JSON "long"
    std::string name;
    bool operator==(const location&) const = default;
};

/// One column of a table or view, as SQLite declares it.
struct column_info {
    std::string name;
    std::string declared_type;               ///< JSON "sqliteDataType"; may be empty
    bool not_null = false;                   ///< JSON "isNonNull"
    bool primary_key = false;                ///< JSON "isPrimaryKey"
    bool generated = false;                  ///< JSON "isGenerated"
    std::optional<std::string> default_sql;  ///< JSON "defaultValue": the DEFAULT expression
    bool operator==(const column_info&) const = default;
};

/// One user table or view of a hosted database (SQLite's own tables are not listed).
struct table_info {
    std::string name;
    std::string table_type;  ///< "Table" or "View"
    std::vector<column_info> columns;
    bool operator==(const table_info&) const = default;
};

/// `GET /api/dbs/:dbId` response.
struct database_info {
    bool auditing = false;
    std::string created_utc;
    std::string description;
    std::optional<std::string> environment;
    std::string file_format;  ///< "sqlite", "csv" or "sql": how the database was created
    std::string file_name;
    std::string id;
    std::string last_modified_utc;
    std::optional<airsql::location> location;
    std::string name;
    std::string owner;  ///< the owning team's name
    std::string readonly_id;  ///< empty (JSON null) for principals without read access
    bool schema_locked = false;
    std::int64_t schema_version = 0;  ///< PRAGMA schema_version
    std::int64_t size = 0;            ///< bytes in use (page_count × page_size)
    std::vector<table_info> tables;
    std::int64_t user_version = 0;  ///< PRAGMA user_version
    bool views_tab = false;
    airsql::visibility visibility = visibility::team_only;
    bool operator==(const database_info&) const = default;
};

/// `GET /api/dbs` response.
struct database_list {
    std::vector<database_info> databases;
    std::int64_t number_of_databases = 0;
    bool operator==(const database_list&) const = default;
};

/// `POST /api/dbs` body.
struct create_database_request {
    std::string name;                        ///< 1–100 characters
    std::string team;  ///< owning team; the caller must be its Editor ("" for anonymous ones)
    std::optional<std::string> query;        ///< SQL script run in the new database
    std::optional<std::string> file_format;  ///< "sqlite" (default), "csv" or "sql"
    bool operator==(const create_database_request&) const = default;
};

/// `POST /api/dbs` response.
struct create_database_response {
    std::string id;
    std::string owner_name;  ///< the owning team
    std::string ownership_utc;
    /// Anonymous databases only: the read-only id (shown here once) and the expiry time.
    std::optional<std::string> readonly_id = std::nullopt;
    std::optional<std::string> expires_utc = std::nullopt;
    bool operator==(const create_database_response&) const = default;
};

/// `PATCH /api/dbs/:dbId` body. Absent fields stay as they are.
struct database_patch {
    std::optional<std::string> name;
    patch<std::string> description;
    std::optional<std::string> owner;  ///< move to this team (Admin of both teams)
    std::optional<airsql::visibility> visibility;
    patch<std::string> environment;
    patch<airsql::location> location;
    std::optional<bool> auditing;
    std::optional<bool> schema_locked;
    std::optional<bool> views_tab;
    bool operator==(const database_patch&) const = default;
};

/// Creates a database owned by `request.team` (the caller must be an Editor or Admin there)
/// and, when `request.query` is set, runs it as one transaction under the same rules as the
/// SQL endpoint. A failing script creates nothing: `invalid_argument` with SQLite's message.
create_database_response create_database(engine& eng, const principal& who,
                                         const create_database_request& request);

/// The databases the caller can see: those of the user's teams, or a token's databases.
/// `unauthenticated` for anonymous callers.
database_list list_databases(engine& eng, const principal& who);

/// One database with its tables and live SQLite facts. Needs read access. For a
/// `readonly_link` principal, `db_id` is the read-only id. `not_found` when the database does
/// not exist or the caller may not know that it does.
database_info get_database(engine& eng, const principal& who, std::string_view db_id);

/// Changes settings (signed-in users only: API tokens get `permission_denied`). Name, description, environment, location, viewsTab: Editor. Visibility,
/// owner, auditing, schemaLocked: Admin (of both teams when moving).
void update_database(engine& eng, const principal& who, std::string_view db_id,
                     const database_patch& patch);

/// Deletes the database and its files. Team admins only.
void delete_database(engine& eng, const principal& who, std::string_view db_id);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const location& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const column_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const table_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const database_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const database_list& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv,
                const create_database_response& v);
create_database_request tag_invoke(boost::json::value_to_tag<create_database_request>,
                                   const boost::json::value& jv);
database_patch tag_invoke(boost::json::value_to_tag<database_patch>, const boost::json::value& jv);

}  // namespace airsql
