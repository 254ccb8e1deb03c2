// SPDX-License-Identifier: Apache-2.0
#include "sql/script_execution.hpp"

#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "airsql/error.hpp"
#include "core/schema_lock.hpp"
#include "sqlite/memory_budget.hpp"
#include "sqlite/script.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::sql {

namespace {

struct schema_object {
    std::string type;
    std::string name;
    std::string table;
    std::string sql;
};

// Tables, views, indexes and triggers in sqlite_master order, without SQLite's own objects.
std::vector<schema_object> snapshot(sqlite::connection& conn) {
    auto st = conn.cached(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
        "WHERE " AIRSQL_SQL_USER_TABLE("name") " AND " AIRSQL_SQL_USER_TABLE("tbl_name"));
    std::vector<schema_object> out;
    while (st->step()) out.push_back({st->text(0), st->text(1), st->text(2), st->text(3)});
    return out;
}

bool is_table_or_view(const schema_object& o) { return o.type == "table" || o.type == "view"; }

// Tables and views whose definition changed: created, dropped or altered tables and views, and
// the tables of created, dropped or altered indexes and triggers. Sorted by name.
std::vector<std::string> schema_changes(const std::vector<schema_object>& before,
                                        const std::vector<schema_object>& after) {
    std::map<std::pair<std::string, std::string>, const schema_object*> old_by_key;
    for (const auto& o : before) old_by_key[{o.type, o.name}] = &o;
    std::set<std::string> changed;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& o : after) {
        seen.insert({o.type, o.name});
        auto it = old_by_key.find({o.type, o.name});
        if (it == old_by_key.end() || it->second->sql != o.sql) {
            changed.insert(is_table_or_view(o) ? o.name : o.table);
        }
    }
    for (const auto& o : before) {
        if (!seen.count({o.type, o.name})) changed.insert(is_table_or_view(o) ? o.name : o.table);
    }
    return {changed.begin(), changed.end()};
}

bool is_rowid_name(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s == "rowid" || s == "_rowid_" || s == "oid";
}

bool has_column(sqlite::connection& conn, const std::string& table, const std::string& column) {
    auto st = conn.cached("SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE");
    st->bind(1, table).bind(2, column);
    return st->step();
}

bool exists_table(sqlite::connection& conn, const std::string& table) {
    auto st = conn.cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    st->bind(1, table);
    return st->step();
}

bool has_declared_primary_key(sqlite::connection& conn, const std::string& table) {
    auto st = conn.cached("SELECT 1 FROM pragma_table_info(?) WHERE pk > 0");
    st->bind(1, table);
    return st->step();
}

// Rules for tables a script created or changed, so the GraphQL API can address every row.
std::optional<std::string> lint_table(sqlite::connection& conn, const std::string& table) {
    {
        // Virtual tables and their shadow tables are SQLite's business, not the user's.
        auto st = conn.cached("SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = ?");
        st->bind(1, table);
        if (!st->step() || st->text(0) != "table") return std::nullopt;
    }
    {
        auto st = conn.cached("SELECT 1 FROM pragma_index_info(?)");
        st->bind(1, table);
        if (st->step()) {
            return fmt::format(
                "Table \"{}\" does not have a rowid column: WITHOUT ROWID tables cannot be "
                "created here",
                table);
        }
    }
    struct reference {
        std::string from, parent;
        std::optional<std::string> to;
    };
    std::vector<reference> refs;
    {
        auto st = conn.cached(
            "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?)");
        st->bind(1, table);
        while (st->step()) refs.push_back({st->text(0), st->text(1), st->optional_text(2)});
    }
    for (const auto& r : refs) {
        bool explicit_rowid = r.to && is_rowid_name(*r.to) && !(exists_table(conn, r.parent) &&
                                                                has_column(conn, r.parent, *r.to));
        bool implicit_rowid =
            !r.to && exists_table(conn, r.parent) && !has_declared_primary_key(conn, r.parent);
        if (explicit_rowid || implicit_rowid) {
            return fmt::format(
                "Column \"{}\" of table \"{}\" references the rowid column of table \"{}\", but "
                "SQLite does not support foreign keys to the rowid; reference a declared "
                "primary key or unique column instead",
                r.from, table, r.parent);
        }
    }
    return std::nullopt;
}

// Whether preparing `sql` fails because it would use what no SQL on a hosted database may run
// (a refused function or virtual table, or one SQLite calls unsafe in a schema object); other
// failures (a missing table, a generated column) are not this check's business.
std::optional<std::string> refused_when_prepared(sqlite::connection& conn, const std::string& sql) {
    try {
        conn.prepare(sql);
    } catch (const error& e) {
        std::string_view message = e.what();
        if (message.find("unsafe use of") != std::string_view::npos ||
            message.find("not authorized") != std::string_view::npos) {
            return std::string(message);
        }
    }
    return std::nullopt;
}

// A view, trigger, default or generated column that uses what no SQL may run would fail every
// time it is used — for a view, every GraphQL request on the database. Refuse it when it is
// created: preparing the statements that use it compiles it under the authorizer.
std::optional<std::string> lint_usable(sqlite::connection& conn, const std::string& name,
                                       bool is_view) {
    auto quoted = sqlite::quote_identifier(name);
    if (is_view) {
        if (auto problem = refused_when_prepared(conn, "SELECT * FROM " + quoted)) {
            return fmt::format("View \"{}\" cannot be used: {}", name, *problem);
        }
        return std::nullopt;
    }
    std::string assignments;
    {
        auto st = conn.cached("SELECT name FROM pragma_table_info(?)");
        st->bind(1, name);
        while (st->step()) {
            auto column = sqlite::quote_identifier(st->text(0));
            assignments += (assignments.empty() ? "" : ", ") + column + " = " + column;
        }
    }
    std::vector<std::string> uses = {"INSERT INTO " + quoted + " DEFAULT VALUES",
                                     "DELETE FROM " + quoted};
    if (!assignments.empty()) uses.push_back("UPDATE " + quoted + " SET " + assignments);
    for (const auto& sql : uses) {
        if (auto problem = refused_when_prepared(conn, sql)) {
            return fmt::format("Table \"{}\" cannot be written (its triggers, defaults or "
                               "generated columns): {}",
                               name, *problem);
        }
    }
    return std::nullopt;
}

// Collects the rows of the last statement that returns rows as JSON objects.
class json_rows : public sqlite::row_sink {
public:
    json_rows(std::size_t max_rows, std::size_t max_bytes)
        : max_rows_(max_rows), max_bytes_(max_bytes) {}

    void columns(std::span<const std::string> names) override {
        names_.assign(names.begin(), names.end());
        rows_.clear();
        bytes_ = 0;
    }

    std::optional<std::string> row(std::span<const sqlite::cell> cells) override {
        if (rows_.size() >= max_rows_) {
            return fmt::format("the result has more than {} rows; add a LIMIT", max_rows_);
        }
        boost::json::object obj(rows_.storage());
        obj.reserve(cells.size());
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const auto& c = cells[i];
            bytes_ += names_[i].size() + 16;
            switch (c.type) {
                case sqlite::column_type::integer:
                    obj[names_[i]] = c.integer;
                    break;
                case sqlite::column_type::real:
                    if (std::isfinite(c.real)) {
                        obj[names_[i]] = c.real;
                    } else if (std::isnan(c.real)) {
                        obj[names_[i]] = nullptr;
                    } else {
                        obj[names_[i]] = c.real > 0 ? "Infinity" : "-Infinity";
                    }
                    break;
                case sqlite::column_type::text:
                    bytes_ += c.text.size();
                    obj[names_[i]] = c.text;
                    break;
                case sqlite::column_type::blob:
                    obj[names_[i]] = {{"type", "blob"}};
                    break;
                case sqlite::column_type::null:
                    obj[names_[i]] = nullptr;
                    break;
            }
        }
        if (bytes_ > max_bytes_) {
            return fmt::format("the result is larger than {} bytes; select fewer rows or columns",
                               max_bytes_);
        }
        rows_.emplace_back(std::move(obj));
        return std::nullopt;
    }

    boost::json::array take() { return std::move(rows_); }

private:
    std::size_t max_rows_;
    std::size_t max_bytes_;
    std::vector<std::string> names_;
    boost::json::array rows_;
    std::size_t bytes_ = 0;
};

sql_result execute_within_budget(sqlite::connection& conn, std::string_view script,
                                 const script_settings& settings,
                                 const sqlite::memory_budget& budget);

}  // namespace

script_settings script_settings_for(const options& opts, sqlite::sql_rights rights) {
    script_settings s;
    s.rights = rights;
    s.timeout = opts.sql_timeout;
    s.max_rows = opts.max_sql_result_rows;
    s.max_bytes = opts.max_sql_result_bytes;
    s.max_memory = opts.max_request_sqlite_memory;
    s.max_schema_bytes = opts.max_schema_bytes;
    return s;
}

void check_script_text(const options& opts, std::string_view script) {
    std::size_t length = 0;
    for (unsigned char c : script) length += (c & 0xC0) != 0x80;
    if (length > opts.max_sql_length) {
        throw error(errc::invalid_argument,
                    fmt::format("SQL query is too long ({} characters, maximum is {})", length,
                                opts.max_sql_length));
    }
    if (script.find('\0') != std::string_view::npos) {
        throw error(errc::invalid_argument, "SQL query contains a NUL character");
    }
}

sql_result execute_script(sqlite::connection& conn, std::string_view script,
                          const script_settings& settings) {
    sqlite::memory_budget budget(settings.max_memory);
    auto over_budget = [&] {
        sql_result r;
        r.errors.push_back(fmt::format(
            "the query needs more than {} bytes of memory; select fewer or smaller values",
            budget.limit()));
        return r;
    };
    try {
        auto result = execute_within_budget(conn, script, settings, budget);
        // Whatever failed for lack of memory failed because of this script's own budget; and
        // some SQL functions answer NULL when memory runs out, so a result computed past the
        // budget is not trusted either (nothing was committed: see execute_within_budget).
        if (budget.exceeded()) return over_budget();
        return result;
    } catch (const error&) {
        if (budget.exceeded()) return over_budget();
        throw;
    }
}

namespace {

sql_result execute_within_budget(sqlite::connection& conn, std::string_view script,
                                 const script_settings& settings,
                                 const sqlite::memory_budget& budget) {
    using clock = std::chrono::steady_clock;
    auto started = clock::now();
    sql_result result;
    bool writer = settings.rights == sqlite::sql_rights::read_write;
    auto fail = [&](std::string message) {
        result = sql_result{};
        result.errors.push_back(std::move(message));
        result.runtime_seconds = std::chrono::duration<double>(clock::now() - started).count();
        return result;
    };

    if (!writer) {
        // Read-only rights change nothing: no schema snapshots, no lint, nothing to commit.
        sqlite::transaction tx(conn, sqlite::transaction::kind::deferred);
        json_rows sink(settings.max_rows, settings.max_bytes);
        std::optional<std::string> err;
        {
            sqlite::confinement guard(conn, settings.rights, started + settings.timeout);
            err = sqlite::run_script(conn, guard, script, sink);
        }
        if (err) return fail(std::move(*err));
        if (budget.exceeded()) return fail("over the memory budget");
        tx.commit();
        result.rows = sink.take();
        result.runtime_seconds = std::chrono::duration<double>(clock::now() - started).count();
        return result;
    }
    sqlite::transaction tx(conn, sqlite::transaction::kind::immediate);
    auto before = snapshot(conn);
    auto changes_before = conn.total_changes();
    json_rows sink(settings.max_rows, settings.max_bytes);
    std::optional<std::string> err;
    {
        sqlite::confinement guard(conn, settings.rights, started + settings.timeout);
        // A locked schema: the authorizer refuses DDL before it runs (and the snapshot below
        // catches anything that changed the schema another way).
        if (settings.schema_locked) guard.refuse_schema_changes(core::schema_locked_message);
        err = sqlite::run_script(conn, guard, script, sink);
    }
    if (err) return fail(std::move(*err));

    auto after = snapshot(conn);
    auto changed = schema_changes(before, after);
    if (!changed.empty() && settings.schema_locked) return fail(core::schema_locked_message);
    for (const auto& name : changed) {
        auto is_a = [&](std::string_view type) {
            return std::any_of(after.begin(), after.end(), [&](const schema_object& o) {
                return o.type == type && o.name == name;
            });
        };
        bool is_view = is_a("view");
        if (!is_view && !is_a("table")) continue;
        if (auto problem = lint_usable(conn, name, is_view)) return fail(std::move(*problem));
        if (is_view) continue;
        if (auto problem = lint_table(conn, name)) return fail(std::move(*problem));
    }
    if (!changed.empty()) {
        try {
            sqlite::check_schema_size(conn, settings.max_schema_bytes);
        } catch (const error& e) {
            return fail(e.what());  // rolls back
        }
    }
    if (budget.exceeded()) return fail("over the memory budget");  // rolls back
    result.num_changes = conn.total_changes() - changes_before;
    try {
        tx.commit();  // deferred foreign key checks can still fail here
    } catch (const error& e) {
        return fail(e.what());
    }

    if (result.num_changes > 0) {
        for (const auto& o : after) {
            if (is_table_or_view(o)) result.affected_tables.push_back(o.name);
        }
    } else {
        result.affected_tables = std::move(changed);
    }
    result.rows = sink.take();
    result.runtime_seconds = std::chrono::duration<double>(clock::now() - started).count();
    return result;
}

}  // namespace

}  // namespace airsql::sql
