// SPDX-License-Identifier: Apache-2.0
// Catalog rows of API tokens and their per-database permissions.
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

constexpr const char* token_columns =
    "k.id, k.team_id, t.name, k.name, k.description, k.body_prefix, k.created_utc, "
    "k.expiration_utc";

token_record read_token(const sqlite::statement& st) {
    return token_record{st.int64(0), st.int64(1), st.text(2),        st.text(3), st.text(4),
                        st.text(5),  st.text(6),  st.optional_text(7), {}};
}

std::optional<token_access> parse_access(std::string_view s) {
    for (auto a : {token_access::read, token_access::write, token_access::writeonly,
                   token_access::insertonly}) {
        if (to_string(a) == s) return a;
    }
    return std::nullopt;
}

void write_permissions(sqlite::connection& w, std::int64_t token_id,
                       const std::vector<token_permission>& permissions) {
    {
        auto st = w.cached("DELETE FROM token_permissions WHERE token_id = ?");
        st->bind(1, token_id);
        st->run();
    }
    for (const auto& p : permissions) {
        auto st = w.cached(
            "INSERT INTO token_permissions (token_id, db_id, permission) VALUES (?, ?, ?) "
            "ON CONFLICT (token_id, db_id) DO UPDATE SET permission = excluded.permission");
        st->bind(1, token_id).bind(2, p.db_id).bind(3, std::string(to_string(p.access)));
        st->run();
    }
}

}  // namespace

std::vector<token_permission> catalog::read_permissions(sqlite::connection& conn,
                                                        std::int64_t token_id) {
    auto st = conn.cached(
        "SELECT p.db_id, d.name, p.permission FROM token_permissions p "
        "JOIN databases d ON d.id = p.db_id WHERE p.token_id = ? ORDER BY d.name, p.db_id");
    st->bind(1, token_id);
    std::vector<token_permission> out;
    while (st->step()) {
        out.push_back(token_permission{st->text(0), st->text(1),
                                       parse_access(st->text(2)).value_or(token_access::read)});
    }
    return out;
}

std::int64_t catalog::insert_token(const token_record& k, std::string_view body_hash) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached(
            "INSERT INTO tokens (team_id, name, description, body_hash, body_prefix, created_utc, "
            "expiration_utc) VALUES (?, ?, ?, ?, ?, ?, ?)");
        st->bind(1, k.team_id)
            .bind(2, k.name)
            .bind(3, k.description)
            .bind(4, std::string(body_hash))
            .bind(5, k.body_prefix)
            .bind(6, k.created_utc)
            .bind(7, k.expiration_utc);
        st->run();
    }
    auto id = w->last_insert_rowid();
    write_permissions(*w, id, k.permissions);
    tx.commit();
    wrote();
    return id;
}

std::optional<token_record> catalog::find_token(std::int64_t id) {
    auto r = readers_.acquire();
    std::optional<token_record> out;
    {
        auto st = r->cached(fmt::format(
            "SELECT {} FROM tokens k JOIN teams t ON t.id = k.team_id WHERE k.id = ?",
            token_columns));
        st->bind(1, id);
        if (!st->step()) return std::nullopt;
        out = read_token(*st);
    }
    out->permissions = read_permissions(*r, id);
    return out;
}

std::optional<token_record> catalog::find_token_by_hash(std::string_view body_hash,
                                                        std::string_view now) {
    std::string key(body_hash);
    auto gen = generation();
    auto cached = tokens_by_hash_.get(key, gen);
    if (!cached) {
        auto r = readers_.acquire();
        auto st = r->cached(fmt::format(
            "SELECT {} FROM tokens k JOIN teams t ON t.id = k.team_id WHERE k.body_hash = ?",
            token_columns));
        st->bind(1, key);
        cached.emplace();
        if (st->step()) {
            auto token = read_token(*st);
            auto expires = token.expiration_utc;
            cached->emplace(std::move(token), std::move(expires));
        }
        tokens_by_hash_.put(key, *cached, gen);
    }
    if (!*cached) return std::nullopt;
    const auto& expires = (*cached)->second;
    if (expires && *expires <= now) return std::nullopt;  // expired
    return (*cached)->first;
}

std::vector<token_record> catalog::tokens_of_team(std::int64_t team_id) {
    auto r = readers_.acquire();
    std::vector<token_record> out;
    {
        auto st = r->cached(fmt::format(
            "SELECT {} FROM tokens k JOIN teams t ON t.id = k.team_id WHERE k.team_id = ? "
            "ORDER BY k.id",
            token_columns));
        st->bind(1, team_id);
        while (st->step()) out.push_back(read_token(*st));
    }
    for (auto& k : out) k.permissions = read_permissions(*r, k.id);
    return out;
}

void catalog::update_token(const token_record& k) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached(
            "UPDATE tokens SET name = ?, description = ?, expiration_utc = ? WHERE id = ?");
        st->bind(1, k.name).bind(2, k.description).bind(3, k.expiration_utc).bind(4, k.id);
        st->run();
    }
    write_permissions(*w, k.id, k.permissions);
    tx.commit();
    wrote();
}

void catalog::delete_token(std::int64_t id) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM tokens WHERE id = ?");
    st->bind(1, id);
    st->run();
    wrote();
}

std::optional<token_access> catalog::token_access_for(std::int64_t token_id,
                                                      std::string_view db_id) {
    std::pair<std::int64_t, std::string> key{token_id, std::string(db_id)};
    auto gen = generation();
    if (auto cached = token_access_.get(key, gen)) return *cached;
    std::optional<token_access> found;
    {
        auto r = readers_.acquire();
        auto st = r->cached("SELECT permission FROM token_permissions WHERE token_id = ? AND db_id = ?");
        st->bind(1, token_id).bind(2, key.second);
        if (st->step()) found = parse_access(st->text(0));
    }
    token_access_.put(key, found, gen);
    return found;
}

}  // namespace airsql::catalog
