// SPDX-License-Identifier: Apache-2.0
#include "catalog/catalog.hpp"

#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/migrations.hpp"

namespace airsql::catalog {

namespace {

std::unique_ptr<sqlite::connection> open_writer(const std::filesystem::path& file) {
    auto conn =
        std::make_unique<sqlite::connection>(file, sqlite::connection::mode::read_write_create);
    conn->exec("PRAGMA journal_mode = WAL");
    conn->exec("PRAGMA synchronous = FULL");
    return conn;
}

std::unique_ptr<sqlite::connection> open_reader(const std::filesystem::path& file) {
    auto conn = std::make_unique<sqlite::connection>(file, sqlite::connection::mode::read_write);
    conn->exec("PRAGMA query_only = ON");
    return conn;
}

void migrate(sqlite::connection& conn) {
    auto steps = migrations();
    auto current = conn.pragma_int("user_version");
    if (current > static_cast<std::int64_t>(steps.size())) {
        throw error(errc::internal,
                    fmt::format("catalog schema version {} is newer than this airsql ({})",
                                current, steps.size()));
    }
    for (auto i = static_cast<std::size_t>(current); i < steps.size(); ++i) {
        sqlite::transaction tx(conn);
        conn.exec(std::string(steps[i]));
        conn.exec(fmt::format("PRAGMA user_version = {}", i + 1));
        tx.commit();
    }
}

std::optional<billing_info> read_billing(const sqlite::statement& st, int first) {
    if (st.is_null(first) && st.is_null(first + 1) && st.is_null(first + 2)) return std::nullopt;
    return billing_info{st.optional_text(first), st.optional_text(first + 1),
                        st.optional_int64(first + 2)};
}

}  // namespace

std::int64_t roles_to_mask(const std::vector<team_role>& roles) {
    std::int64_t mask = 0;
    for (auto r : roles) mask |= std::int64_t{1} << static_cast<int>(r);
    return mask;
}

namespace {
// Adds a user to a team with the roles of `mask` (inside the caller's transaction).
void insert_member(sqlite::connection& w, std::int64_t team_id, std::int64_t user_id,
                   std::int64_t mask, std::string_view now) {
    auto st = w.cached(
        "INSERT INTO team_members (team_id, user_id, roles_mask, created_utc) "
        "VALUES (?, ?, ?, ?)");
    st->bind(1, team_id).bind(2, user_id).bind(3, mask).bind(4, std::string(now));
    st->run();
}
}  // namespace

std::vector<team_role> roles_from_mask(std::int64_t mask) {
    std::vector<team_role> roles;
    for (auto r : {team_role::admin, team_role::editor, team_role::viewer}) {
        if (mask & (std::int64_t{1} << static_cast<int>(r))) roles.push_back(r);
    }
    return roles;
}

catalog::catalog(const std::filesystem::path& file)
    : writer_(open_writer(file)), readers_([file] { return open_reader(file); }, 8) {
    auto w = writer_.acquire();
    migrate(*w);
}

int catalog::schema_version() {
    auto r = readers_.acquire();
    return static_cast<int>(r->pragma_int("user_version"));
}

// ---- users and sessions ----

std::optional<user_record> catalog::find_user(std::string_view username) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, username, email, password_hash, is_server_admin, created_utc, "
        "email_verified FROM users WHERE username = ?");
    st->bind(1, std::string(username));
    if (!st->step()) return std::nullopt;
    return user_record{st->int64(0),      st->text(1), st->text(2),      st->text(3),
                       st->int64(4) != 0, st->text(5), st->int64(6) != 0};
}

std::optional<user_record> catalog::find_user_by_email(std::string_view email) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, username, email, password_hash, is_server_admin, created_utc, "
        "email_verified FROM users WHERE email = ?");
    st->bind(1, std::string(email));
    if (!st->step()) return std::nullopt;
    return user_record{st->int64(0),      st->text(1), st->text(2),      st->text(3),
                       st->int64(4) != 0, st->text(5), st->int64(6) != 0};
}

std::int64_t catalog::create_user_with_team(std::string_view username, std::string_view email,
                                            std::string_view password_hash,
                                            std::string_view team_name, std::string_view now,
                                            const std::string* invite_key_hash) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    auto exists = [&](const std::string& sql, std::string_view value) {
        auto st = w->cached(sql);
        st->bind(1, std::string(value));
        return st->step();
    };
    if (exists("SELECT 1 FROM users WHERE username = ?", username)) {
        throw error(errc::already_exists, fmt::format("username \"{}\" is taken", username));
    }
    if (exists("SELECT 1 FROM users WHERE email = ?", email)) {
        throw error(errc::already_exists, "a user with this email address exists");
    }
    if (exists("SELECT 1 FROM teams WHERE name = ?", team_name)) {
        throw error(errc::already_exists, fmt::format("team name \"{}\" is taken", team_name));
    }
    bool first_user = false;
    {
        auto st = w->cached("SELECT NOT EXISTS (SELECT 1 FROM users)");
        first_user = st->step() && st->int64(0) != 0;
    }
    {
        auto st = w->cached(
            "INSERT INTO users (username, email, password_hash, is_server_admin, created_utc) "
            "VALUES (?, ?, ?, ?, ?)");
        st->bind(1, std::string(username))
            .bind(2, std::string(email))
            .bind(3, std::string(password_hash))
            .bind(4, first_user ? 1 : 0)
            .bind(5, std::string(now));
        st->run();
    }
    auto user_id = w->last_insert_rowid();
    {
        auto st =
            w->cached("INSERT INTO teams (name, created_utc, personal_user_id) VALUES (?, ?, ?)");
        st->bind(1, std::string(team_name)).bind(2, std::string(now)).bind(3, user_id);
        st->run();
    }
    auto team_id = w->last_insert_rowid();
    insert_member(*w, team_id, user_id, roles_to_mask({team_role::admin}), now);
    if (invite_key_hash) {
        std::optional<std::int64_t> invited_team;
        std::int64_t mask = 0;
        {
            auto st = w->cached(
                "DELETE FROM account_keys WHERE key_hash = ? AND purpose = 'invitation' AND "
                "expires_utc > ? AND email = ? COLLATE NOCASE RETURNING team_id, roles_mask");
            st->bind(1, *invite_key_hash).bind(2, std::string(now)).bind(3, std::string(email));
            if (st->step()) {
                invited_team = st->optional_int64(0);
                mask = st->optional_int64(1).value_or(0);
            }
            while (st->step()) {
            }
        }
        if (!invited_team || mask == 0) {
            throw error(errc::invalid_argument,
                        "this invitation is invalid, used, expired or for another address");
        }
        insert_member(*w, *invited_team, user_id, mask, now);
        auto v = w->cached("UPDATE users SET email_verified = 1 WHERE id = ?");
        v->bind(1, user_id);
        v->run();
    }
    tx.commit();
    wrote();
    return user_id;
}

std::optional<user_record> catalog::find_user_by_id(std::int64_t id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, username, email, password_hash, is_server_admin, created_utc, "
        "email_verified FROM users WHERE id = ?");
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return user_record{st->int64(0),      st->text(1), st->text(2),      st->text(3),
                       st->int64(4) != 0, st->text(5), st->int64(6) != 0};
}

std::int64_t catalog::count_users() {
    auto r = readers_.acquire();
    auto st = r->cached("SELECT count(*) FROM users");
    return st->step() ? st->int64(0) : 0;
}

std::int64_t catalog::count_server_admins() {
    auto r = readers_.acquire();
    auto st = r->cached("SELECT count(*) FROM users WHERE is_server_admin");
    return st->step() ? st->int64(0) : 0;
}

std::int64_t catalog::create_session(std::int64_t user_id, std::string_view token_hash,
                                     std::string_view now, std::string_view expires,
                                     std::string_view db_scope) {
    auto w = writer_.acquire();
    // Expired sessions of this user go when a new one comes.
    {
        auto st = w->cached("DELETE FROM sessions WHERE user_id = ? AND expires_utc <= ?");
        st->bind(1, user_id).bind(2, std::string(now));
        st->run();
    }
    auto st = w->cached(
        "INSERT INTO sessions (token_hash, user_id, created_utc, expires_utc, db_scope) "
        "VALUES (?, ?, ?, ?, NULLIF(?, ''))");
    st->bind(1, std::string(token_hash))
        .bind(2, user_id)
        .bind(3, std::string(now))
        .bind(4, std::string(expires))
        .bind(5, std::string(db_scope));
    st->run();
    auto id = w->last_insert_rowid();
    if (!db_scope.empty()) {
        // Apps' sessions: at most the newest 20 per user and database (each opening of an
        // app mints one; none is ever logged out).
        auto trim = w->cached(
            "DELETE FROM sessions WHERE user_id = ?1 AND db_scope = ?2 AND id NOT IN "
            "(SELECT id FROM sessions WHERE user_id = ?1 AND db_scope = ?2 "
            "ORDER BY id DESC LIMIT 20)");
        trim->bind(1, user_id).bind(2, std::string(db_scope));
        trim->run();
    }
    wrote();
    return id;
}

namespace {

// A session with its user; read_session takes a row of it (expires_utc is column 4).
constexpr const char* session_select =
    "SELECT s.id, u.id, u.username, u.is_server_admin, s.expires_utc, "
    "coalesce(s.db_scope, '') FROM sessions s JOIN users u ON u.id = s.user_id ";

session_record read_session(const sqlite::statement& st) {
    return session_record{st.int64(0), st.int64(1), st.text(2), st.int64(3) != 0, st.text(5)};
}

}  // namespace

std::optional<session_record> catalog::find_session(std::string_view token_hash,
                                                    std::string_view now) {
    std::string key(token_hash);
    auto gen = generation();
    auto cached = sessions_.get(key, gen);
    if (!cached) {
        auto r = readers_.acquire();
        auto st = r->cached(std::string(session_select) + "WHERE s.token_hash = ?");
        st->bind(1, key);
        cached.emplace();
        if (st->step()) cached->emplace(read_session(*st), st->text(4));
        sessions_.put(key, *cached, gen);
    }
    if (!*cached || (*cached)->second <= now) return std::nullopt;  // unknown or expired
    return (*cached)->first;
}

std::optional<session_record> catalog::find_session_by_id(std::int64_t session_id,
                                                          std::string_view now) {
    auto r = readers_.acquire();
    auto st = r->cached(std::string(session_select) + "WHERE s.id = ?");
    st->bind(1, session_id);
    if (!st->step() || st->text(4) <= now) return std::nullopt;  // gone or expired
    return read_session(*st);
}

void catalog::delete_session(std::int64_t session_id) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM sessions WHERE id = ?");
    st->bind(1, session_id);
    st->run();
    wrote();
}

// ---- teams ----

namespace {
constexpr const char* team_columns =
    "t.id, t.name, t.created_utc, t.billing_email, t.billing_plan, t.billing_subscription_id, "
    "(SELECT count(*) FROM databases d WHERE d.team_id = t.id), t.personal_user_id";

team_record read_team(const sqlite::statement& st) {
    return team_record{st.int64(0),         st.text(1),  st.text(2),
                       read_billing(st, 3), st.int64(6), st.optional_int64(7)};
}
}  // namespace

std::optional<team_record> catalog::find_team(std::string_view name) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format("SELECT {} FROM teams t WHERE t.name = ?", team_columns));
    st->bind(1, std::string(name));
    if (!st->step()) return std::nullopt;
    return read_team(*st);
}

std::optional<team_record> catalog::find_team_by_id(std::int64_t id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format("SELECT {} FROM teams t WHERE t.id = ?", team_columns));
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return read_team(*st);
}

std::int64_t catalog::create_team(std::string_view name, std::int64_t admin_user_id,
                                  std::string_view now) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached(
            "SELECT 1 FROM teams WHERE name = ?1 UNION ALL SELECT 1 FROM users WHERE username = "
            "?1");
        st->bind(1, std::string(name));
        if (st->step()) {
            throw error(errc::already_exists, fmt::format("team name \"{}\" is taken", name));
        }
    }
    {
        auto st = w->cached("INSERT INTO teams (name, created_utc) VALUES (?, ?)");
        st->bind(1, std::string(name)).bind(2, std::string(now));
        st->run();
    }
    auto team_id = w->last_insert_rowid();
    insert_member(*w, team_id, admin_user_id, roles_to_mask({team_role::admin}), now);
    tx.commit();
    wrote();
    return team_id;
}

void catalog::rename_team(std::int64_t team_id, std::string_view new_name) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached(
            "SELECT 1 FROM teams WHERE name = ?1 AND id != ?2 UNION ALL SELECT 1 FROM users "
            "WHERE username = ?1 AND id IS NOT (SELECT personal_user_id FROM teams WHERE id = ?2)");
        st->bind(1, std::string(new_name)).bind(2, team_id);
        if (st->step()) {
            throw error(errc::already_exists, fmt::format("team name \"{}\" is taken", new_name));
        }
    }
    auto st = w->cached("UPDATE teams SET name = ? WHERE id = ?");
    st->bind(1, std::string(new_name)).bind(2, team_id);
    st->run();
    tx.commit();
    wrote();
}

void catalog::set_team_billing(std::int64_t team_id, const std::optional<billing_info>& b) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "UPDATE teams SET billing_email = ?, billing_plan = ?, billing_subscription_id = ? "
        "WHERE id = ?");
    if (b && b->email_address)
        st->bind(1, *b->email_address);
    else
        st->bind_null(1);
    if (b && b->plan)
        st->bind(2, *b->plan);
    else
        st->bind_null(2);
    if (b && b->subscription_id)
        st->bind(3, *b->subscription_id);
    else
        st->bind_null(3);
    st->bind(4, team_id);
    st->run();
    wrote();
}

bool catalog::apply_billing_event(std::int64_t team_id, std::string_view event_utc,
                                  const billing_info& b) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("SELECT billing_event_utc FROM teams WHERE id = ?");
        st->bind(1, team_id);
        if (!st->step()) return false;
        auto last = st->optional_text(0);
        if (last && *last >= event_utc) return false;
    }
    auto st = w->cached(
        "UPDATE teams SET billing_email = ?, billing_plan = ?, billing_subscription_id = ?, "
        "billing_event_utc = ? WHERE id = ?");
    st->bind(1, b.email_address)
        .bind(2, b.plan)
        .bind(3, b.subscription_id)
        .bind(4, std::string(event_utc))
        .bind(5, team_id);
    st->run();
    tx.commit();
    wrote();
    return true;
}

void catalog::delete_team(std::int64_t team_id) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("SELECT count(*) FROM databases WHERE team_id = ?");
        st->bind(1, team_id);
        if (st->step() && st->int64(0) > 0) {
            throw error(errc::failed_precondition, "the team still owns databases");
        }
    }
    auto st = w->cached("DELETE FROM teams WHERE id = ?");
    st->bind(1, team_id);
    st->run();
    tx.commit();
    wrote();
}

std::vector<team_record> catalog::teams_of_user(std::int64_t user_id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ? "
        "ORDER BY t.name",
        team_columns));
    st->bind(1, user_id);
    std::vector<team_record> out;
    while (st->step()) out.push_back(read_team(*st));
    return out;
}

std::vector<member_record> catalog::team_members(std::int64_t team_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT u.id, u.username, m.roles_mask, m.created_utc FROM team_members m "
        "JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username");
    st->bind(1, team_id);
    std::vector<member_record> out;
    while (st->step()) {
        out.push_back(
            member_record{st->int64(0), st->text(1), roles_from_mask(st->int64(2)), st->text(3)});
    }
    return out;
}

std::vector<team_role> catalog::member_roles(std::int64_t team_id, std::int64_t user_id) {
    auto gen = generation();
    if (auto cached = roles_.get({team_id, user_id}, gen)) return *cached;
    std::vector<team_role> roles;
    {
        auto r = readers_.acquire();
        auto st = r->cached("SELECT roles_mask FROM team_members WHERE team_id = ? AND user_id = ?");
        st->bind(1, team_id).bind(2, user_id);
        if (st->step()) roles = roles_from_mask(st->int64(0));
    }
    roles_.put({team_id, user_id}, roles, gen);
    return roles;
}

void catalog::change_member_roles(std::int64_t team_id,
                                  std::optional<std::int64_t> acting_admin_id,
                                  std::int64_t user_id, const std::vector<team_role>& roles,
                                  std::string_view now) {
    const auto admin_bit = roles_to_mask({team_role::admin});
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    auto mask_of = [&](std::int64_t member) -> std::optional<std::int64_t> {
        auto st = w->cached("SELECT roles_mask FROM team_members WHERE team_id = ? AND user_id = ?");
        st->bind(1, team_id).bind(2, member);
        if (!st->step()) return std::nullopt;
        return st->int64(0);
    };
    if (acting_admin_id) {
        auto acting = mask_of(*acting_admin_id);
        if (!acting || (*acting & admin_bit) == 0) {
            throw error(errc::permission_denied, "this needs the Admin role in the team");
        }
    }
    auto current = mask_of(user_id);
    if (roles.empty() && !current) throw error(errc::not_found, "the user is not a member of the team");
    bool was_admin = current && (*current & admin_bit) != 0;
    bool stays_admin = (roles_to_mask(roles) & admin_bit) != 0;
    if (was_admin && !stays_admin) {
        auto st = w->cached("SELECT count(*) FROM team_members WHERE team_id = ? AND roles_mask & ?");
        st->bind(1, team_id).bind(2, admin_bit);
        if (!st->step() || st->int64(0) <= 1) {
            throw error(errc::failed_precondition, "a team needs at least one Admin");
        }
    }
    if (roles.empty()) {
        auto st = w->cached("DELETE FROM team_members WHERE team_id = ? AND user_id = ?");
        st->bind(1, team_id).bind(2, user_id);
        st->run();
    } else {
        auto st = w->cached(
            "INSERT INTO team_members (team_id, user_id, roles_mask, created_utc) VALUES "
            "(?, ?, ?, ?) ON CONFLICT (team_id, user_id) DO UPDATE SET roles_mask = "
            "excluded.roles_mask");
        st->bind(1, team_id).bind(2, user_id).bind(3, roles_to_mask(roles)).bind(4, std::string(now));
        st->run();
    }
    tx.commit();
    wrote();
}

}  // namespace airsql::catalog
