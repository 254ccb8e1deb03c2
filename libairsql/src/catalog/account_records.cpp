// SPDX-License-Identifier: Apache-2.0
// Catalog rows of account flows: single-use keys sent by mail, password changes (which end
// sessions), account deletion, and the outbox.
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

account_key_record read_key(const sqlite::statement& st) {
    account_key_record k;
    k.purpose = st.text(0);
    k.user_id = st.optional_int64(1);
    k.email = st.optional_text(2);
    k.team_id = st.optional_int64(3);
    if (auto mask = st.optional_int64(4)) k.roles = roles_from_mask(*mask);
    return k;
}

}  // namespace

void catalog::insert_account_key(std::string_view key_hash, std::string_view purpose,
                                 const account_key_record& key, std::string_view now,
                                 std::string_view expires) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        // Expired keys go when new ones come.
        auto st = w->cached("DELETE FROM account_keys WHERE expires_utc <= ?");
        st->bind(1, std::string(now));
        st->run();
    }
    auto st = w->cached(
        "INSERT INTO account_keys (key_hash, purpose, user_id, email, team_id, roles_mask, "
        "created_utc, expires_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st->bind(1, std::string(key_hash))
        .bind(2, std::string(purpose))
        .bind(3, key.user_id)
        .bind(4, key.email)
        .bind(5, key.team_id);
    if (key.roles.empty()) {
        st->bind_null(6);
    } else {
        st->bind(6, roles_to_mask(key.roles));
    }
    st->bind(7, std::string(now)).bind(8, std::string(expires));
    st->run();
    tx.commit();
    wrote();
}

std::optional<account_key_record> catalog::take_account_key(std::string_view key_hash,
                                                            std::string_view purpose,
                                                            std::string_view now) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "DELETE FROM account_keys WHERE key_hash = ? AND purpose = ? AND expires_utc > ? "
        "RETURNING purpose, user_id, email, team_id, roles_mask");
    st->bind(1, std::string(key_hash)).bind(2, std::string(purpose)).bind(3, std::string(now));
    std::optional<account_key_record> out;
    if (st->step()) out = read_key(*st);
    while (st->step()) {
    }
    wrote();
    return out;
}

std::optional<account_key_record> catalog::peek_account_key(std::string_view key_hash,
                                                            std::string_view purpose,
                                                            std::string_view now) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT purpose, user_id, email, team_id, roles_mask FROM account_keys "
        "WHERE key_hash = ? AND purpose = ? AND expires_utc > ?");
    st->bind(1, std::string(key_hash)).bind(2, std::string(purpose)).bind(3, std::string(now));
    if (!st->step()) return std::nullopt;
    return read_key(*st);
}

void catalog::set_password(std::int64_t user_id, std::string_view password_hash,
                           std::int64_t keep_session_id) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("UPDATE users SET password_hash = ? WHERE id = ?");
        st->bind(1, std::string(password_hash)).bind(2, user_id);
        st->run();
    }
    {
        auto st = w->cached("DELETE FROM sessions WHERE user_id = ? AND id != ?");
        st->bind(1, user_id).bind(2, keep_session_id);
        st->run();
    }
    {
        auto st =
            w->cached("DELETE FROM account_keys WHERE user_id = ? AND purpose = 'password_reset'");
        st->bind(1, user_id);
        st->run();
    }
    tx.commit();
    wrote();
}

void catalog::set_email_verified(std::int64_t user_id) {
    auto w = writer_.acquire();
    auto st = w->cached("UPDATE users SET email_verified = 1 WHERE id = ?");
    st->bind(1, user_id);
    st->run();
    wrote();
}

void catalog::delete_user(std::int64_t user_id) {
    const auto admin_bit = roles_to_mask({team_role::admin});
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        // Teams where they are the only Admin (their personal team aside) would be orphaned.
        auto st = w->cached(
            "SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id "
            "WHERE m.user_id = ?1 AND m.roles_mask & ?2 AND t.personal_user_id IS NOT ?1 "
            "AND NOT EXISTS (SELECT 1 FROM team_members o WHERE o.team_id = m.team_id "
            "AND o.user_id != ?1 AND o.roles_mask & ?2)");
        st->bind(1, user_id).bind(2, admin_bit);
        if (st->step()) {
            throw error(errc::failed_precondition,
                        fmt::format("you are the last Admin of team \"{}\": make someone else "
                                    "Admin or delete the team first",
                                    st->text(0)));
        }
    }
    {
        auto st = w->cached(
            "SELECT count(*) FROM databases d JOIN teams t ON t.id = d.team_id "
            "WHERE t.personal_user_id = ?");
        st->bind(1, user_id);
        if (st->step() && st->int64(0) > 0) {
            throw error(errc::failed_precondition,
                        "your personal team still owns databases: move or delete them first");
        }
    }
    {
        auto st = w->cached("DELETE FROM teams WHERE personal_user_id = ?");
        st->bind(1, user_id);
        st->run();
    }
    {
        auto st = w->cached("DELETE FROM users WHERE id = ?");
        st->bind(1, user_id);
        st->run();
    }
    tx.commit();
    wrote();
}

std::int64_t catalog::insert_outbox(const outbox_record& m) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "INSERT INTO outbox (recipient, subject, body, created_utc, status) "
        "VALUES (?, ?, ?, ?, ?)");
    st->bind(1, m.recipient)
        .bind(2, m.subject)
        .bind(3, m.body)
        .bind(4, m.created_utc)
        .bind(5, m.status);
    st->run();
    return w->last_insert_rowid();
}

std::vector<outbox_record> catalog::outbox(std::size_t limit, std::optional<std::string> status) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, recipient, subject, body, created_utc, status, attempts, error FROM outbox "
        "WHERE ?1 IS NULL OR status = ?1 ORDER BY id DESC LIMIT ?2");
    st->bind(1, status).bind(2, static_cast<std::int64_t>(limit));
    std::vector<outbox_record> out;
    while (st->step()) {
        out.push_back({st->int64(0), st->text(1), st->text(2), st->text(3), st->text(4),
                       st->text(5), st->int64(6), st->optional_text(7)});
    }
    return out;
}

void catalog::set_outbox_status(std::int64_t id, std::string_view status,
                                const std::optional<std::string>& error, bool clear_body) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "UPDATE outbox SET status = ?, error = ?, attempts = attempts + 1, "
        "body = CASE WHEN ? THEN '' ELSE body END WHERE id = ?");
    st->bind(1, std::string(status)).bind(2, error).bind(3, clear_body ? 1 : 0).bind(4, id);
    st->run();
}

}  // namespace airsql::catalog
