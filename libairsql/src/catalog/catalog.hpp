// SPDX-License-Identifier: Apache-2.0
// The system catalog (`catalog.sqlite`): users, sessions, teams, members, databases, tokens.
// All catalog access goes through this class, so its storage can change (e.g. to a replicated
// catalog) without touching the rules above it.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "airsql/databases.hpp"
#include "airsql/teams.hpp"
#include "airsql/tokens.hpp"
#include "catalog/audit_row.hpp"
#include "catalog/read_cache.hpp"
#include "sqlite/pool.hpp"

namespace airsql::catalog {

struct user_record {
    std::int64_t id = 0;
    std::string username;
    std::string email;
    std::string password_hash;
    bool server_admin = false;
    std::string created_utc;
    bool email_verified = false;
};

/// What a single-use account key (password reset, email verification, invitation) was for.
struct account_key_record {
    std::string purpose;
    std::optional<std::int64_t> user_id;
    std::optional<std::string> email;
    std::optional<std::int64_t> team_id;
    std::vector<team_role> roles;
};

/// One mail of the outbox.
struct outbox_record {
    std::int64_t id = 0;
    std::string recipient;
    std::string subject;
    std::string body;
    std::string created_utc;
    std::string status;  ///< kept, queued, sent, failed
    std::int64_t attempts = 0;
    std::optional<std::string> error;
};

/// A live session joined with its user.
struct session_record {
    std::int64_t session_id = 0;
    std::int64_t user_id = 0;
    std::string username;
    bool server_admin = false;
    /// An app's session: the one database it may reach (empty for login sessions).
    std::string db_scope;
};

struct team_record {
    std::int64_t id = 0;
    std::string name;
    std::string created_utc;
    std::optional<billing_info> billing;
    std::int64_t number_of_databases = 0;
    /// The user whose personal team this is (named after them), if any.
    std::optional<std::int64_t> personal_user_id;
};

struct member_record {
    std::int64_t user_id = 0;
    std::string username;
    std::vector<team_role> roles;
    std::string created_utc;
};

struct database_record {
    std::string id;
    std::string readonly_id;
    std::string name;
    std::string description;
    std::int64_t team_id = 0;
    std::string team_name;
    airsql::visibility visibility = visibility::team_only;
    std::optional<std::string> environment;
    std::string file_format = "sqlite";
    bool auditing = false;
    bool schema_locked = false;
    bool views_tab = false;
    std::optional<airsql::location> location;
    std::string created_utc;
    std::string ownership_utc;
    /// Anonymous databases: when the sweep deletes them.
    std::optional<std::string> expires_utc;
};

struct token_record {
    std::int64_t id = 0;
    std::int64_t team_id = 0;
    std::string team_name;
    std::string name;
    std::string description;
    std::string body_prefix;
    std::string created_utc;
    std::optional<std::string> expiration_utc;
    std::vector<token_permission> permissions;
};

/// One environment variable of a database.
struct env_var_record {
    std::string name;
    std::string value;
    std::string created_utc;
};

/// Which audit entries of one database to read: newest first, ids below `before`.
struct audit_filter {
    std::string db_id;
    std::size_t limit = 100;
    std::optional<std::int64_t> before;
    std::optional<std::string> table_name;
    std::optional<std::string> since;  ///< utc >= since (same ISO format)
    std::optional<std::string> until;  ///< utc < until
};

/// Description and place in the order of one table, or of one column of a table.
struct object_metadata {
    std::string name;  ///< the table (or column) name
    std::optional<std::string> description;
    bool placed = false;                 ///< in the order
    std::optional<std::string> follows;  ///< the name it comes after; nullopt: first
};

/// The upload facts of one file cell, keyed by database, table, column and rowid. They
/// describe the cell only while it holds `size` bytes with this `content_hash`.
/// A chart, dashboard, … of a database (object_records.cpp): its id and JSON body.
struct object_record {
    std::string ulid;
    std::string body;
};

struct file_metadata_record {
    std::string db_id;
    std::string table_name;
    std::string column_name;
    std::int64_t row_id = 0;
    std::optional<std::string> file_name;
    std::optional<std::string> media_type;
    std::uint64_t size = 0;
    std::string content_hash;  ///< hex BLAKE2b-256 of the bytes
    std::string uploaded_utc;
};

/// A function of a database (functions).
struct function_record {
    std::string id;
    std::string db_id;
    std::string name;
    std::optional<std::string> description;
    bool is_public = false;
    std::optional<std::string> active_version;
    std::string created_utc;
    std::string updated_utc;
};

/// One saved version of a function.
struct function_version_record {
    std::string id;
    std::string function_id;
    std::string db_id;
    std::string runtime;
    std::string content;
    std::string diagnostics;  ///< JSON array
    bool parses = true;
    std::string created_utc;
};

/// One recorded call of a function.
struct function_invocation_record {
    std::int64_t id = 0;
    std::string function_id;
    std::string db_id;
    std::string version_id;
    std::string created_utc;
    int status = 200;
    double runtime_ms = 0;
    std::string request;  ///< JSON
    std::string data;
    std::string logs;  ///< JSON array
    std::optional<std::string> error;
    /// For an event-trigger delivery: JSON {trigger, event, attempt, state, deliveryId}.
    std::optional<std::string> delivery;
};

/// A function attached to row changes of one table of its database (event triggers).
struct function_trigger_record {
    std::string function_id;
    std::string db_id;
    std::string table;
    std::vector<std::string> events;  ///< "insert", "update", "delete"
    int max_attempts = 5;
    std::int64_t backoff_ms = 1000;
    std::int64_t created_by = 0;  ///< the user who attached it (its rights run the helpers)
    std::string created_utc;
};

/// Role lists are stored as a bit set.
std::int64_t roles_to_mask(const std::vector<team_role>& roles);
std::vector<team_role> roles_from_mask(std::int64_t mask);

/// Thread-safe. Reads use pooled connections; writes are serialised on one connection.
class catalog {
public:
    /// Opens or creates the file and applies pending migrations.
    explicit catalog(const std::filesystem::path& file);

    /// The schema version the migrations reached.
    int schema_version();

    // ---- users and sessions ----
    std::optional<user_record> find_user(std::string_view username);
    /// Creates a user, their personal team (named `team_name`) with them as Admin, and makes
    /// them server admin when they are the first user. Returns the user id.
    /// `already_exists` if the username, email or team name is taken.
    /// With `invite_key_hash`, the same transaction uses up that invitation (`invalid_argument`
    /// when it is gone or expired), adds the user to its team with its roles, and marks the
    /// email address verified.
    std::int64_t create_user_with_team(std::string_view username, std::string_view email,
                                       std::string_view password_hash, std::string_view team_name,
                                       std::string_view now,
                                       const std::string* invite_key_hash = nullptr);
    std::optional<user_record> find_user_by_id(std::int64_t id);
    std::int64_t count_users();
    std::int64_t count_server_admins();
    std::optional<user_record> find_user_by_email(std::string_view email);

    // ---- account keys, passwords, outbox (account_records.cpp) ----
    void insert_account_key(std::string_view key_hash, std::string_view purpose,
                            const account_key_record& key, std::string_view now,
                            std::string_view expires);
    /// Deletes the key and returns what it was for, if it exists with this purpose and has not
    /// expired at `now` (one statement: a key can be used once only).
    std::optional<account_key_record> take_account_key(std::string_view key_hash,
                                                       std::string_view purpose,
                                                       std::string_view now);
    /// Whether such a key exists and is valid at `now`, without using it.
    std::optional<account_key_record> peek_account_key(std::string_view key_hash,
                                                       std::string_view purpose,
                                                       std::string_view now);
    /// Sets the password hash and ends every session of the user except `keep_session_id`
    /// (0: all), and drops their password-reset keys, in one transaction.
    void set_password(std::int64_t user_id, std::string_view password_hash,
                      std::int64_t keep_session_id);
    void set_email_verified(std::int64_t user_id);
    /// Deletes the user with their sessions, memberships and personal team, in one transaction.
    /// `failed_precondition` when they are the last Admin of another team, or their personal
    /// team owns databases (`personal_team_id`, checked in the transaction).
    void delete_user(std::int64_t user_id);
    std::int64_t insert_outbox(const outbox_record& mail);
    std::vector<outbox_record> outbox(std::size_t limit, std::optional<std::string> status);
    void set_outbox_status(std::int64_t id, std::string_view status,
                           const std::optional<std::string>& error, bool clear_body);
    /// A login session, or with `db_scope` an app's session limited to that database.
    std::int64_t create_session(std::int64_t user_id, std::string_view token_hash,
                                std::string_view now, std::string_view expires,
                                std::string_view db_scope = {});
    /// The session with this token hash, if it exists and has not expired at `now`.
    std::optional<session_record> find_session(std::string_view token_hash, std::string_view now);
    /// The session with this id, if it has not expired at `now` (not cached: for re-checks of
    /// long-lived connections).
    std::optional<session_record> find_session_by_id(std::int64_t session_id, std::string_view now);
    void delete_session(std::int64_t session_id);

    // ---- teams ----
    std::optional<team_record> find_team(std::string_view name);
    std::optional<team_record> find_team_by_id(std::int64_t id);
    /// Creates a team with `admin_user_id` as its Admin; returns its id. `already_exists` when
    /// the name is taken (by a team, or by a user: personal teams bear usernames).
    std::int64_t create_team(std::string_view name, std::int64_t admin_user_id,
                             std::string_view now);
    /// `already_exists` when another team (or a user other than the team's own) has the name.
    void rename_team(std::int64_t team_id, std::string_view new_name);
    void set_team_billing(std::int64_t team_id, const std::optional<billing_info>& billing);
    /// Applies a billing event's result unless an event at `event_utc` or later was applied
    /// already (checked in the same transaction); whether it was applied.
    bool apply_billing_event(std::int64_t team_id, std::string_view event_utc,
                             const billing_info& billing);
    /// Deletes the team with its members and tokens. `failed_precondition` if it still owns
    /// databases (checked in the same transaction).
    void delete_team(std::int64_t team_id);
    std::vector<team_record> teams_of_user(std::int64_t user_id);
    std::vector<member_record> team_members(std::int64_t team_id);
    /// The roles of a user in a team; empty when not a member.
    std::vector<team_role> member_roles(std::int64_t team_id, std::int64_t user_id);
    /// Sets a member's roles, or removes the member when `roles` is empty, in one
    /// transaction that first re-checks, against the committed state: that `acting_admin_id`
    /// (if given: the caller's authority comes from being a team Admin) is still an Admin
    /// (`permission_denied`), that the user is a member when removing (`not_found`), and that
    /// the team keeps at least one Admin afterwards (`failed_precondition`). Concurrent
    /// changes are serialised, so two Admins demoting each other cannot leave none.
    void change_member_roles(std::int64_t team_id, std::optional<std::int64_t> acting_admin_id,
                             std::int64_t user_id, const std::vector<team_role>& roles,
                             std::string_view now);

    // ---- databases ----
    void insert_database(const database_record& db);
    std::optional<database_record> find_database(std::string_view id);
    std::optional<database_record> find_database_by_readonly_id(std::string_view readonly_id);
    std::vector<database_record> databases_of_team(std::int64_t team_id);
    std::vector<database_record> databases_of_user(std::int64_t user_id);
    /// Writes the record; with `env_vars`, also replaces the database's environment variables
    /// by that list (one transaction).
    void update_database(const database_record& db,
                         const std::vector<env_var_record>* env_vars = nullptr);
    void delete_database(std::string_view id);
    /// Ids of databases whose `expires_utc` is at or before `now` (at most 1000).
    std::vector<std::string> expired_databases(std::string_view now);
    /// The id of a team only airsql uses (e.g. the owner of anonymous databases), created on
    /// first use. Its name must be one no user or team can take.
    std::int64_t system_team_id(std::string_view name);
    /// Gives a database a new id: its row and every catalog row that names it (any table with
    /// a `db_id` column), in one transaction.
    void rename_database(std::string_view id, std::string_view new_id);

    // ---- server settings (settings_records.cpp) ----
    /// The stored value of a server-wide setting, if any.
    std::optional<std::string> server_setting(std::string_view key);
    void set_server_setting(std::string_view key, std::string_view value);

    // ---- environment variables and audit log of databases (settings_records.cpp) ----
    /// By name.
    std::vector<env_var_record> env_vars(std::string_view db_id);
    /// Adds one: `already_exists` when the name is taken, `failed_precondition` when the
    /// database has `max_count` already (checked in the same transaction).
    void insert_env_var(std::string_view db_id, const env_var_record& var, std::size_t max_count);
    /// Renames and/or revalues one: `not_found`, or `already_exists` for a taken new name.
    void update_env_var(std::string_view db_id, std::string_view name,
                        const std::optional<std::string>& new_name,
                        const std::optional<std::string>& new_value);
    /// `not_found` when there is no such variable.
    void delete_env_var(std::string_view db_id, std::string_view name);
    /// Appends entries in one transaction, in order. Does not touch the read caches. With
    /// `synchronous_full` false the commit does not wait for the disk (`PRAGMA synchronous =
    /// NORMAL` for this transaction: it survives a crash of the process, not of the machine),
    /// as the hosted databases under `options::synchronous = "NORMAL"`.
    void append_audit(const std::vector<audit_row>& rows, bool synchronous_full = true);
    std::vector<audit_row> read_audit(const audit_filter& filter);
    std::int64_t count_databases();

    // ---- table and column metadata (descriptions, order) ----
    // `column` empty: the table's own row. Names compare ASCII case-insensitively.
    /// The metadata of every table of a database (column empty), or of the columns of `table`.
    std::vector<object_metadata> table_metadata(std::string_view db_id);
    std::vector<object_metadata> column_metadata(std::string_view db_id, std::string_view table);
    /// (table, column, description) of every described column of a database.
    std::vector<std::tuple<std::string, std::string, std::string>> column_descriptions(
        std::string_view db_id);
    void set_description(std::string_view db_id, std::string_view table, std::string_view column,
                         const std::optional<std::string>& description);
    /// Stores the order of the tables (`table` nullopt) or of the columns of `table`: every name
    /// in `ordered` is placed after the one before it; all other rows lose their place.
    void set_order(std::string_view db_id, std::optional<std::string_view> table,
                   const std::vector<std::string>& ordered);
    /// A table or column was renamed: its rows and the links naming it follow.
    void rename_metadata(std::string_view db_id, std::string_view table, std::string_view column,
                         std::string_view new_name);
    /// Copies every description and place, and the file cells' names and media types, of
    /// database `from` to database `to` (duplicates).
    void copy_metadata(std::string_view from, std::string_view to);
    /// A table or column was dropped: its rows go (a table's with its columns'), and the name
    /// that followed it now follows its predecessor.
    void drop_metadata(std::string_view db_id, std::string_view table, std::string_view column);

    // ---- functions (function_records.cpp) ----
    /// Inserts a function and its first version; `failed_precondition` when the database has
    /// `max_count` functions already (checked in the same transaction).
    void insert_function(const function_record& fn, const function_version_record& version,
                         std::size_t max_count);
    std::optional<function_record> find_function(std::string_view id);
    std::vector<function_record> functions_of_database(std::string_view db_id);
    /// Version ids of a function, oldest first.
    std::vector<std::string> function_version_ids(std::string_view function_id);
    std::optional<function_version_record> find_function_version(std::string_view id);
    /// Writes the function's own row (name, description, public, active version, updated).
    void update_function(const function_record& fn);
    /// Adds a version (and writes the function row, e.g. its new active version); drops the
    /// oldest versions beyond `max_versions`, never the active one.
    void insert_function_version(const function_record& fn,
                                 const function_version_record& version,
                                 std::size_t max_versions);
    void delete_function(std::string_view id);
    /// Records a call and keeps only the newest `keep` of the function. The commit does not
    /// wait for the disk (synchronous NORMAL: survives a crash of the process).
    void append_function_invocation(const function_invocation_record& inv, std::size_t keep);
    /// Newest first.
    /// The triggers of a function (by table name).
    std::vector<function_trigger_record> function_triggers(std::string_view function_id);
    /// The triggers of every function of a database.
    std::vector<function_trigger_record> database_triggers(std::string_view db_id);
    /// Ids of databases that have at least one trigger.
    std::vector<std::string> databases_with_triggers();
    /// Replaces the triggers of a function.
    void set_function_triggers(std::string_view function_id,
                               const std::vector<function_trigger_record>& triggers);
    std::vector<function_invocation_record> function_invocations(std::string_view function_id,
                                                                 std::size_t limit);

    // ---- tokens ----
    /// Inserts a token with its permissions; returns its id.
    std::int64_t insert_token(const token_record& token, std::string_view body_hash);
    std::optional<token_record> find_token(std::int64_t id);
    /// The token with this body hash, if it has not expired at `now`.
    std::optional<token_record> find_token_by_hash(std::string_view body_hash,
                                                   std::string_view now);
    std::vector<token_record> tokens_of_team(std::int64_t team_id);
    void update_token(const token_record& token);
    void delete_token(std::int64_t id);
    /// A token's permission on one database, if any.
    std::optional<token_access> token_access_for(std::int64_t token_id, std::string_view db_id);

    // ---- file cells ----
    /// Inserts or replaces the record of one cell. Not a cached read: other caches stay valid.
    // ---- objects kept beside a database: charts, dashboards (object_records.cpp) ----
    /// The database's objects of one kind, oldest first.
    std::vector<object_record> objects(std::string_view db_id, std::string_view kind);
    std::optional<object_record> find_object(std::string_view db_id, std::string_view kind,
                                             std::string_view ulid);
    /// Adds one; `failed_precondition` when the database has `max_count` of that kind
    /// already (checked in the same transaction).
    void insert_object(std::string_view db_id, std::string_view kind, const object_record& obj,
                       std::size_t max_count);
    /// Replaces the body; `not_found` (naming `what`) when there is no such object.
    void update_object(std::string_view db_id, std::string_view kind, const object_record& obj,
                       std::string_view what);
    /// `not_found` (naming `what`) when there is no such object.
    void delete_object(std::string_view db_id, std::string_view kind, std::string_view ulid,
                       std::string_view what);

    void put_file_metadata(const file_metadata_record& record);
    std::optional<file_metadata_record> find_file_metadata(std::string_view db_id,
                                                          std::string_view table_name,
                                                          std::string_view column_name,
                                                          std::int64_t row_id);

    /// Counts the catalog's writes: it moves whenever an account, session, token, team or
    /// database record may have changed (so access worked out before may be stale).
    std::uint64_t write_generation() const noexcept { return generation(); }

private:
    /// Called by every write after it committed: invalidates the read caches.
    void wrote() noexcept { generation_.fetch_add(1, std::memory_order_acq_rel); }
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

    std::optional<database_record> find_database_uncached(const std::string& id);
    std::optional<database_record> find_database_by_readonly_id_uncached(const std::string& readonly_id);
    std::vector<database_record> read_databases(const std::string& where_sql,
                                                const std::optional<std::int64_t>& param);
    std::vector<token_permission> read_permissions(sqlite::connection& conn,
                                                   std::int64_t token_id);

    sqlite::writer_slot writer_;
    sqlite::reader_pool readers_;

    // The reads on every request's path, memoized (see read_cache).
    std::atomic<std::uint64_t> generation_{0};
    struct pair_hash {
        std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& p) const noexcept {
            return std::hash<std::int64_t>()(p.first * 1'000'003 ^ p.second);
        }
    };
    struct token_db_hash {
        std::size_t operator()(const std::pair<std::int64_t, std::string>& p) const noexcept {
            return std::hash<std::string>()(p.second) ^ std::hash<std::int64_t>()(p.first);
        }
    };
    read_cache<std::string, std::optional<std::pair<session_record, std::string>>> sessions_;
    read_cache<std::string, std::optional<database_record>> databases_by_id_;
    read_cache<std::string, std::optional<database_record>> databases_by_readonly_id_;
    read_cache<std::pair<std::int64_t, std::int64_t>, std::vector<team_role>, pair_hash> roles_;
    read_cache<std::string, std::optional<std::pair<token_record, std::optional<std::string>>>> tokens_by_hash_;
    read_cache<std::pair<std::int64_t, std::string>, std::optional<token_access>, token_db_hash> token_access_;
};

}  // namespace airsql::catalog
