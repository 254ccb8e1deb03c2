// SPDX-License-Identifier: Apache-2.0
#include "catalog/migrations.hpp"

#include <array>

namespace airsql::catalog {

namespace {

constexpr std::string_view v1_accounts_and_databases = R"sql(
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash   TEXT NOT NULL,
    is_server_admin INTEGER NOT NULL DEFAULT 0,
    email_verified  INTEGER NOT NULL DEFAULT 0,
    created_utc     TEXT NOT NULL
);
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_utc TEXT NOT NULL,
    expires_utc TEXT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);
CREATE TABLE teams (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_utc             TEXT NOT NULL,
    billing_email           TEXT,
    billing_plan            TEXT,
    billing_subscription_id INTEGER
);
CREATE TABLE team_members (
    team_id     INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    roles_mask  INTEGER NOT NULL CHECK (roles_mask > 0),
    created_utc TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user_id ON team_members(user_id);
CREATE TABLE databases (
    id            TEXT PRIMARY KEY,
    readonly_id   TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    team_id       INTEGER NOT NULL REFERENCES teams(id),
    visibility    TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    environment   TEXT,
    file_format   TEXT NOT NULL DEFAULT 'sqlite',
    auditing      INTEGER NOT NULL DEFAULT 0,
    schema_locked INTEGER NOT NULL DEFAULT 0,
    views_tab     INTEGER NOT NULL DEFAULT 0,
    location_lat  REAL,
    location_long REAL,
    location_name TEXT,
    created_utc   TEXT NOT NULL,
    ownership_utc TEXT NOT NULL
);
CREATE INDEX databases_team_id ON databases(team_id);
CREATE TABLE tokens (
    id             INTEGER PRIMARY KEY,
    team_id        INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    body_hash      TEXT NOT NULL UNIQUE,
    body_prefix    TEXT NOT NULL,
    created_utc    TEXT NOT NULL,
    expiration_utc TEXT
);
CREATE INDEX tokens_team_id ON tokens(team_id);
CREATE TABLE token_permissions (
    token_id   INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
    db_id      TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    permission TEXT NOT NULL CHECK (permission IN ('read', 'write', 'writeonly', 'insertonly')),
    PRIMARY KEY (token_id, db_id)
) WITHOUT ROWID;
CREATE INDEX token_permissions_db_id ON token_permissions(db_id);
CREATE TABLE server_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql";

// Per-database environment variables (for functions) and the audit log of databases with
// auditing on. Both go with their database. The audit log lives here, not in the hosted file,
// so no SQL or GraphQL request on a database can write it.
constexpr std::string_view v2_env_vars_and_audit_log = R"sql(
CREATE TABLE database_env_vars (
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    PRIMARY KEY (db_id, name)
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    utc         TEXT NOT NULL,
    principal   TEXT NOT NULL,
    table_name  TEXT,
    row_id      INTEGER,
    operation   TEXT NOT NULL,
    old_values  TEXT,
    new_values  TEXT
);
CREATE INDEX audit_log_db_id_utc ON audit_log(db_id, utc);
CREATE INDEX audit_log_db_id_id ON audit_log(db_id, id);
)sql";

// Descriptions and order of tables and columns: kept beside the database, never in its file.
// `placed` marks a name that is in the order; `follows` is the name it comes after (NULL:
// first). Names compare as SQLite's identifiers do (ASCII case-insensitively).
constexpr std::string_view v3_table_metadata = R"sql(
CREATE TABLE table_metadata (
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    table_name  TEXT NOT NULL COLLATE NOCASE,
    description TEXT,
    placed      INTEGER NOT NULL DEFAULT 0,
    follows     TEXT COLLATE NOCASE,
    PRIMARY KEY (db_id, table_name)
) WITHOUT ROWID;
CREATE TABLE column_metadata (
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    table_name  TEXT NOT NULL COLLATE NOCASE,
    column_name TEXT NOT NULL COLLATE NOCASE,
    description TEXT,
    placed      INTEGER NOT NULL DEFAULT 0,
    follows     TEXT COLLATE NOCASE,
    PRIMARY KEY (db_id, table_name, column_name)
) WITHOUT ROWID;
)sql";

// What a file cell's upload said about it (beyond Airsequel, which keeps no name or type):
// valid only while the cell still holds `size` bytes hashing to `content_hash`.
constexpr std::string_view v4_file_metadata = R"sql(
CREATE TABLE file_metadata (
    db_id        TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    table_name   TEXT NOT NULL,
    column_name  TEXT NOT NULL,
    row_id       INTEGER NOT NULL,
    file_name    TEXT,
    media_type   TEXT,
    size         INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    uploaded_utc TEXT NOT NULL,
    PRIMARY KEY (db_id, table_name, column_name, row_id)
) WITHOUT ROWID;
)sql";

// Objects a database's users keep beside it (charts, dashboards), each a JSON body of one
// `kind`; ULIDs sort by creation time.
constexpr std::string_view v5_database_objects = R"sql(
CREATE TABLE database_objects (
    db_id  TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    kind   TEXT NOT NULL,
    ulid   TEXT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (db_id, kind, ulid)
) WITHOUT ROWID;
)sql";

// Functions (Deno modules) of a database: every save a version with its content and its
// type-check diagnostics (JSON); `parses` = 0 for a module that cannot be activated. The last
// calls of each function with their logs. All go with their database.
constexpr std::string_view v6_functions = R"sql(
CREATE TABLE functions (
    id             TEXT PRIMARY KEY,
    db_id          TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    description    TEXT,
    is_public      INTEGER NOT NULL DEFAULT 0,
    active_version TEXT,
    created_utc    TEXT NOT NULL,
    updated_utc    TEXT NOT NULL
);
CREATE INDEX functions_db_id ON functions(db_id);
CREATE TABLE function_versions (
    id          TEXT PRIMARY KEY,
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    runtime     TEXT NOT NULL,
    content     TEXT NOT NULL,
    diagnostics TEXT NOT NULL,
    parses      INTEGER NOT NULL,
    created_utc TEXT NOT NULL
);
CREATE INDEX function_versions_function_id ON function_versions(function_id);
CREATE INDEX function_versions_db_id ON function_versions(db_id);
CREATE TABLE function_invocations (
    id          INTEGER PRIMARY KEY,
    function_id TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    db_id       TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    version_id  TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    status      INTEGER NOT NULL,
    runtime_ms  REAL NOT NULL,
    request     TEXT NOT NULL,
    data        TEXT NOT NULL,
    logs        TEXT NOT NULL,
    error       TEXT
);
CREATE INDEX function_invocations_function_id ON function_invocations(function_id, id);
CREATE INDEX function_invocations_db_id ON function_invocations(db_id);
)sql";

// Personal teams (named after their user, who cannot lose them while the account exists):
// marked by the user's id. Teams that are named like a member are taken as that member's.
constexpr std::string_view v7_personal_teams = R"sql(
ALTER TABLE teams ADD COLUMN personal_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
UPDATE teams SET personal_user_id = (
    SELECT u.id FROM users u JOIN team_members m ON m.user_id = u.id AND m.team_id = teams.id
    WHERE u.username = teams.name);
)sql";

// Single-use keys sent by mail (password reset, email verification, invitations), stored as
// SHA-256 hashes, and the outbox of mail (kept for server admins when no SMTP is set up).
constexpr std::string_view v8_account_keys_and_outbox = R"sql(
CREATE TABLE account_keys (
    key_hash    TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_verification',
                                                 'invitation')),
    user_id     INTEGER REFERENCES users(id) ON DELETE CASCADE,
    email       TEXT,
    team_id     INTEGER REFERENCES teams(id) ON DELETE CASCADE,
    roles_mask  INTEGER,
    created_utc TEXT NOT NULL,
    expires_utc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX account_keys_user_id ON account_keys(user_id);
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('kept', 'queued', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT
);
CREATE INDEX outbox_status ON outbox(status);
)sql";

// The time of the newest billing event applied to a team: older or replayed events change
// nothing (webhooks arrive out of order and are retried).
constexpr std::string_view v9_billing_event_time = R"sql(
ALTER TABLE teams ADD COLUMN billing_event_utc TEXT;
)sql";

// Anonymous databases expire: the background sweep deletes them after `expires_utc`.
constexpr std::string_view v10_database_expiry = R"sql(
ALTER TABLE databases ADD COLUMN expires_utc TEXT;
CREATE INDEX databases_expires_utc ON databases(expires_utc) WHERE expires_utc IS NOT NULL;
)sql";

// Apps' database-scoped sessions (apps.hpp): a session with `db_scope` set reaches only that
// database and goes with it.
constexpr std::string_view v11_session_db_scope = R"sql(
ALTER TABLE sessions ADD COLUMN db_scope TEXT REFERENCES databases(id) ON DELETE CASCADE;
CREATE INDEX sessions_db_scope ON sessions(db_scope) WHERE db_scope IS NOT NULL;
)sql";

// Event triggers: a function attached to INSERT/UPDATE/DELETE of a table of its database
// (the events themselves wait in the database's own file, see docs/decisions.md), and what a
// delivery recorded with a call (JSON: trigger, event, attempt, state, deliveryId).
constexpr std::string_view v12_function_triggers = R"sql(
CREATE TABLE function_triggers (
    function_id  TEXT NOT NULL REFERENCES functions(id) ON DELETE CASCADE,
    db_id        TEXT NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    table_name   TEXT NOT NULL,
    events       TEXT NOT NULL,
    max_attempts INTEGER NOT NULL,
    backoff_ms   INTEGER NOT NULL,
    created_by   INTEGER NOT NULL,
    created_utc  TEXT NOT NULL,
    PRIMARY KEY (function_id, table_name)
) WITHOUT ROWID;
CREATE INDEX function_triggers_db_id ON function_triggers(db_id);
ALTER TABLE function_invocations ADD COLUMN delivery TEXT;
)sql";

constexpr std::array<std::string_view, 12> steps = {
    v1_accounts_and_databases, v2_env_vars_and_audit_log,  v3_table_metadata,
    v4_file_metadata,          v5_database_objects,        v6_functions,
    v7_personal_teams,         v8_account_keys_and_outbox, v9_billing_event_time,
    v10_database_expiry,       v11_session_db_scope,       v12_function_triggers};

}  // namespace

std::span<const std::string_view> migrations() { return steps; }

}  // namespace airsql::catalog
