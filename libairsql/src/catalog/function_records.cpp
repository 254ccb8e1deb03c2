// SPDX-License-Identifier: Apache-2.0
// Catalog rows of functions: the functions, their versions, and their recorded calls.
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

constexpr const char* function_columns =
    "id, db_id, name, description, is_public, active_version, created_utc, updated_utc";

function_record read_function(sqlite::statement& st) {
    return {st.text(0),       st.text(1),          st.text(2), st.optional_text(3),
            st.int64(4) != 0, st.optional_text(5), st.text(6), st.text(7)};
}

void write_version(sqlite::connection& w, const function_version_record& v) {
    auto st = w.cached(
        "INSERT INTO function_versions (id, function_id, db_id, runtime, content, diagnostics, "
        "parses, created_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    st->bind(1, v.id)
        .bind(2, v.function_id)
        .bind(3, v.db_id)
        .bind(4, v.runtime)
        .bind(5, v.content)
        .bind(6, v.diagnostics)
        .bind(7, v.parses ? 1 : 0)
        .bind(8, v.created_utc);
    st->run();
}

void write_function_row(sqlite::connection& w, const function_record& fn) {
    auto st = w.cached(
        "UPDATE functions SET name = ?, description = ?, is_public = ?, active_version = ?, "
        "updated_utc = ? WHERE id = ?");
    st->bind(1, fn.name)
        .bind(2, fn.description)
        .bind(3, fn.is_public ? 1 : 0)
        .bind(4, fn.active_version)
        .bind(5, fn.updated_utc)
        .bind(6, fn.id);
    st->run();
    if (w.changes() == 0) {
        throw error(errc::not_found, fmt::format("there is no function \"{}\"", fn.id));
    }
}

}  // namespace

void catalog::insert_function(const function_record& fn, const function_version_record& version,
                              std::size_t max_count) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("SELECT count(*) FROM functions WHERE db_id = ?");
        st->bind(1, fn.db_id);
        if (st->step() && static_cast<std::size_t>(st->int64(0)) >= max_count) {
            throw error(errc::failed_precondition,
                        fmt::format("a database may have at most {} functions", max_count));
        }
    }
    {
        auto st = w->cached(
            "INSERT INTO functions (id, db_id, name, description, is_public, active_version, "
            "created_utc, updated_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        st->bind(1, fn.id)
            .bind(2, fn.db_id)
            .bind(3, fn.name)
            .bind(4, fn.description)
            .bind(5, fn.is_public ? 1 : 0)
            .bind(6, fn.active_version)
            .bind(7, fn.created_utc)
            .bind(8, fn.updated_utc);
        st->run();
    }
    write_version(*w, version);
    tx.commit();
}

std::optional<function_record> catalog::find_function(std::string_view id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format("SELECT {} FROM functions WHERE id = ?", function_columns));
    st->bind(1, std::string(id));
    if (!st->step()) return std::nullopt;
    return read_function(*st);
}

std::vector<function_record> catalog::functions_of_database(std::string_view db_id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM functions WHERE db_id = ? ORDER BY created_utc, id", function_columns));
    st->bind(1, std::string(db_id));
    std::vector<function_record> out;
    while (st->step()) out.push_back(read_function(*st));
    return out;
}

std::vector<std::string> catalog::function_version_ids(std::string_view function_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id FROM function_versions WHERE function_id = ? ORDER BY created_utc, id");
    st->bind(1, std::string(function_id));
    std::vector<std::string> out;
    while (st->step()) out.push_back(st->text(0));
    return out;
}

std::optional<function_version_record> catalog::find_function_version(std::string_view id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, function_id, db_id, runtime, content, diagnostics, parses, created_utc "
        "FROM function_versions WHERE id = ?");
    st->bind(1, std::string(id));
    if (!st->step()) return std::nullopt;
    return function_version_record{st->text(0), st->text(1), st->text(2),       st->text(3),
                                   st->text(4), st->text(5), st->int64(6) != 0, st->text(7)};
}

void catalog::update_function(const function_record& fn) {
    auto w = writer_.acquire();
    write_function_row(*w, fn);
}

void catalog::insert_function_version(const function_record& fn,
                                      const function_version_record& version,
                                      std::size_t max_versions) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    write_function_row(*w, fn);
    write_version(*w, version);
    // The oldest versions beyond the cap go; the active one stays whatever its age.
    auto st = w->cached(
        "DELETE FROM function_versions WHERE function_id = ?1 AND id IS NOT ?2 AND id NOT IN "
        "(SELECT id FROM function_versions WHERE function_id = ?1 "
        "ORDER BY created_utc DESC, id DESC LIMIT ?3)");
    st->bind(1, fn.id).bind(2, fn.active_version).bind(3, static_cast<std::int64_t>(max_versions));
    st->run();
    tx.commit();
}

void catalog::delete_function(std::string_view id) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM functions WHERE id = ?");
    st->bind(1, std::string(id));
    st->run();
    if (w->changes() == 0) {
        throw error(errc::not_found, fmt::format("there is no function \"{}\"", id));
    }
}

void catalog::append_function_invocation(const function_invocation_record& inv, std::size_t keep) {
    auto w = writer_.acquire();
    // Call records are many and small: no fsync per call (as audit entries under NORMAL).
    w->exec("PRAGMA synchronous = NORMAL");
    struct restore {
        sqlite::connection& c;
        ~restore() {
            try {
                c.exec("PRAGMA synchronous = FULL");
            } catch (...) {
            }
        }
    } back{*w};
    sqlite::transaction tx(*w);
    {
        auto st = w->cached(
            "INSERT INTO function_invocations (function_id, db_id, version_id, created_utc, "
            "status, runtime_ms, request, data, logs, error, delivery) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)");
        st->bind(1, inv.function_id)
            .bind(2, inv.db_id)
            .bind(3, inv.version_id)
            .bind(4, inv.created_utc)
            .bind(5, inv.status)
            .bind(6, inv.runtime_ms)
            .bind(7, inv.request)
            .bind(8, inv.data)
            .bind(9, inv.logs)
            .bind(10, inv.error)
            .bind(11, inv.delivery);
        st->run();
    }
    {
        auto st = w->cached(
            "DELETE FROM function_invocations WHERE function_id = ?1 AND id <= (SELECT id FROM "
            "function_invocations WHERE function_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
        st->bind(1, inv.function_id).bind(2, static_cast<std::int64_t>(keep));
        st->run();
    }
    tx.commit();
}

std::vector<function_invocation_record> catalog::function_invocations(std::string_view function_id,
                                                                      std::size_t limit) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id, function_id, db_id, version_id, created_utc, status, runtime_ms, request, "
        "data, logs, error, delivery FROM function_invocations WHERE function_id = ? ORDER BY id "
        "DESC "
        "LIMIT ?");
    st->bind(1, std::string(function_id)).bind(2, static_cast<std::int64_t>(limit));
    std::vector<function_invocation_record> out;
    while (st->step()) {
        out.push_back({st->int64(0), st->text(1), st->text(2), st->text(3), st->text(4),
                       static_cast<int>(st->int64(5)), st->real(6), st->text(7), st->text(8),
                       st->text(9), st->optional_text(10), st->optional_text(11)});
    }
    return out;
}

namespace {

std::vector<function_trigger_record> read_triggers(sqlite::statement& st) {
    std::vector<function_trigger_record> out;
    while (st.step()) {
        function_trigger_record t;
        t.function_id = st.text(0);
        t.db_id = st.text(1);
        t.table = st.text(2);
        auto events = st.text(3);
        std::size_t start = 0;
        while (start <= events.size()) {
            auto comma = events.find(',', start);
            if (comma == std::string::npos) comma = events.size();
            if (comma > start) t.events.push_back(events.substr(start, comma - start));
            start = comma + 1;
        }
        t.max_attempts = static_cast<int>(st.int64(4));
        t.backoff_ms = st.int64(5);
        t.created_by = st.int64(6);
        t.created_utc = st.text(7);
        out.push_back(std::move(t));
    }
    return out;
}

constexpr const char* trigger_columns =
    "function_id, db_id, table_name, events, max_attempts, backoff_ms, created_by, created_utc";

}  // namespace

std::vector<function_trigger_record> catalog::function_triggers(std::string_view function_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        fmt::format("SELECT {} FROM function_triggers WHERE function_id = ? ORDER BY table_name",
                    trigger_columns));
    st->bind(1, std::string(function_id));
    return read_triggers(*st);
}

std::vector<function_trigger_record> catalog::database_triggers(std::string_view db_id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM function_triggers WHERE db_id = ? ORDER BY function_id, table_name",
        trigger_columns));
    st->bind(1, std::string(db_id));
    return read_triggers(*st);
}

std::vector<std::string> catalog::databases_with_triggers() {
    auto r = readers_.acquire();
    auto st = r->cached("SELECT DISTINCT db_id FROM function_triggers");
    std::vector<std::string> out;
    while (st->step()) out.push_back(st->text(0));
    return out;
}

void catalog::set_function_triggers(std::string_view function_id,
                                    const std::vector<function_trigger_record>& triggers) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("DELETE FROM function_triggers WHERE function_id = ?");
        st->bind(1, std::string(function_id));
        st->run();
    }
    for (const auto& t : triggers) {
        std::string events;
        for (const auto& ev : t.events) events += (events.empty() ? "" : ",") + ev;
        auto st = w->cached(fmt::format(
            "INSERT INTO function_triggers ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", trigger_columns));
        st->bind(1, std::string(function_id))
            .bind(2, t.db_id)
            .bind(3, t.table)
            .bind(4, events)
            .bind(5, static_cast<std::int64_t>(t.max_attempts))
            .bind(6, t.backoff_ms)
            .bind(7, t.created_by)
            .bind(8, t.created_utc);
        st->run();
    }
    tx.commit();
}

}  // namespace airsql::catalog
