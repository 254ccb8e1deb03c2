// SPDX-License-Identifier: Apache-2.0
// What the fuzz targets that need a live engine share: an engine on a temporary directory whose
// limits keep every input cheap, the fixture database they run against, and the checks and the
// failure report that turn a broken invariant into a libFuzzer crash.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "airsql/airsql.hpp"
#include "temp_dir.hpp"
#include "utf8_check.hpp"

namespace airsql::fuzz {

/// Engine options for fuzzing. Time limits sit well under libFuzzer's `-timeout=10`, so a slow
/// input shows up as the library's own deadline (checked by the targets) rather than as a hang;
/// row, byte and size limits keep one input from filling memory or disk. Password hashing is
/// as cheap as libsodium allows, since the router target signs up and logs in users.
inline options fuzz_options(const std::filesystem::path& data_dir) {
    options o;
    o.data_dir = data_dir;
    o.password_hash_ops = 1;
    o.password_hash_memory = 8 * 1024;
    o.sql_timeout = std::chrono::milliseconds(2'000);
    o.graphql_timeout = std::chrono::milliseconds(2'000);
    o.max_sql_result_rows = 1'000;
    o.max_sql_result_bytes = 1024 * 1024;
    o.max_database_bytes = 16u * 1024 * 1024;
    o.sqlite_heap_limit_bytes = 256ll * 1024 * 1024;
    o.graphql_max_rows = 1'000;
    // Small enough that eviction happens during a run.
    o.graphql_response_cache_bytes = 1024 * 1024;
    o.read_connections_per_database = 2;
    // Durability is not under test; fsync per commit would only slow the fuzzer down.
    o.synchronous = "NORMAL";
    return o;
}

/// The fixture database: every GraphQL scalar mapping (INTEGER, TEXT, REAL, BOOLEAN, a BLOB file
/// column, a DATETIME and an untyped column), a select-option CHECK, a 64-bit integer, a
/// foreign key (object and array relationships), a name that needs encoding, a composite key
/// and a view.
inline constexpr std::string_view fixture_schema = R"sql(
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT UNIQUE,
    age INTEGER,
    score REAL,
    active BOOLEAN NOT NULL DEFAULT 1,
    avatar BLOB,
    kind TEXT CHECK (kind IN ('admin', 'member')),
    joined DATETIME,
    extra
);
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id),
    title TEXT NOT NULL,
    body TEXT,
    rating REAL,
    published BOOLEAN
);
CREATE TABLE "post tags" (
    post_id INTEGER NOT NULL REFERENCES posts(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE VIEW adults AS SELECT name, age, score * 2 AS double_score FROM users WHERE age >= 18;
)sql";

/// The fixture rows. Also the restore script after mutations: it empties the tables first,
/// children before parents, so that rowids restart and every input sees the same data. A BLOB
/// in a TEXT column (posts 2's body) takes GraphQL queries through the checked fallback.
inline constexpr std::string_view fixture_rows = R"sql(
DELETE FROM "post tags";
DELETE FROM posts;
DELETE FROM users;
INSERT INTO users VALUES
    (1, 'Ann', 'ann@example.com', 31, 4.5, 1, x'89504e470d0a1a0a', 'admin', '2024-01-01', 'x'),
    (2, 'Bob', NULL, NULL, NULL, 0, NULL, NULL, NULL, 2),
    (3, 'Cé 🎉', 'ce@example.com', 17, -1.25, 1, x'', 'member', 1700000000, 2.5),
    (4, 'Dan "the" O''Neil', 'DAN@EXAMPLE.COM', 8000000000, 1e300, 0, NULL, 'member', NULL, NULL),
    (5, '', '', 0, 0.0, 1, NULL, NULL, '', x'00ff');
INSERT INTO posts VALUES
    (1, 1, 'Hello', 'First post', 4.0, 1),
    (2, 1, 'Again', x'ff00', NULL, 0),
    (3, 2, 'Bob''s', 'with ''quotes'' and %_ wildcards', 2.5, 1),
    (4, NULL, 'Orphan', 'no author', NULL, NULL),
    (5, 3, 'Ünïcode', '日本語', 5.0, 1);
INSERT INTO "post tags" VALUES (1, 'intro'), (1, 'news'), (3, 'news'), (5, 'i18n');
)sql";

/// An engine on a fresh temporary directory, removed when the fixture goes away.
struct engine_fixture {
    test::temp_dir dir;
    engine eng{fuzz_options(dir.path() / "data")};

    /// Signs up and logs in `name`; returns the session token. The first user of the engine
    /// becomes server admin.
    std::string session(const std::string& name) {
        sign_up(eng, principal::anonymous(), {name, name + "@example.com", "password-" + name});
        return login(eng, principal::anonymous(), {name, "password-" + name}).session_token;
    }

    principal as(const std::string& bearer) {
        return authenticate(eng, credentials{.bearer = bearer});
    }

    /// Creates the fixture database in `team`; returns its id.
    std::string fixture_database(const principal& owner, const std::string& team) {
        return create_database(
                   eng, owner,
                   {"fixture", team, std::string(fixture_schema) + std::string(fixture_rows),
                    std::nullopt})
            .id;
    }
};

/// Whether the environment asks to let a known, already reported bug pass, so that a fuzzing
/// run can get past it: AIRSQL_FUZZ_TOLERATE is a comma-separated list of names, e.g.
/// `invalid-utf8` (JSON bodies with malformed UTF-8 in their strings), `head-body` (a body in
/// the answer to HEAD).
inline bool tolerated(std::string_view bug) {
    const char* env = std::getenv("AIRSQL_FUZZ_TOLERATE");
    std::string_view list = env ? env : "";
    while (!list.empty()) {
        auto comma = list.find(',');
        if (list.substr(0, comma) == bug) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

/// Parses a response body. Deep enough for any nesting the GraphQL depth limit allows, so a
/// failure means the body is not JSON, not that it is deep. Malformed UTF-8 in strings is an
/// error unless `invalid-utf8` is tolerated.
inline boost::json::value parse_response(std::string_view body, boost::system::error_code& ec) {
    boost::json::parse_options opts;
    opts.max_depth = 1024;
    opts.allow_invalid_utf8 = tolerated("invalid-utf8");
    return boost::json::parse(body, ec, {}, opts);
}

/// Reports a broken invariant and aborts, so that libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    constexpr std::size_t shown = 2000;
    std::fprintf(stderr, "\n==== airsql fuzz invariant broken: %.*s\n",
                 static_cast<int>(what.size()), what.data());
    if (!detail.empty()) {
        auto d = detail.substr(0, shown);
        std::fprintf(stderr, "%.*s%s\n", static_cast<int>(d.size()), d.data(),
                     detail.size() > shown ? " […]" : "");
    }
    std::abort();
}

}  // namespace airsql::fuzz
