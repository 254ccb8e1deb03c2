// SPDX-License-Identifier: Apache-2.0
#include "airsql/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/engine_impl.hpp"
#include "graphql/database_model.hpp"
#include "graphql/name_encoding.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"
#include "tables/input_elements.hpp"
#include "tables/linked_order.hpp"
#include "tables/metadata.hpp"
#include "tables/rebuild.hpp"
#include "tables/table_reader.hpp"
#include "tables/table_sql.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql {

namespace {

using sqlite::quote_identifier;
using tables::ascii_lower;
using tables::describe_table;
using tables::find_table;
using tables::index_facts;
using tables::indexes_of;
using tables::live_table;
using tables::object_exists;
using tables::require_plain_table;
using tables::require_table;
using tables::unique_columns;

constexpr std::size_t max_name_bytes = 255;
constexpr std::size_t max_description_bytes = 100'000;
constexpr std::size_t max_expression_bytes = 10'000;
constexpr std::size_t max_items = 1'000;
constexpr std::size_t max_item_bytes = 1'000;

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

void check_name(std::string_view name, std::string_view what) {
    if (name.empty()) bad(fmt::format("the {} name is empty", what));
    if (name.size() > max_name_bytes) {
        bad(fmt::format("the {} name is longer than {} bytes", what, max_name_bytes));
    }
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f)
            bad(fmt::format("the {} name contains a control character", what));
    }
    if (what == "table" && ascii_lower(name).starts_with("sqlite_")) {
        bad("table names starting with \"sqlite_\" are reserved for SQLite");
    }
}

void check_description(const std::optional<std::string>& d) {
    if (d && d->size() > max_description_bytes) {
        bad(fmt::format("description must have at most {} bytes", max_description_bytes));
    }
}

// ---- access ----

struct opened {
    auth::resolved_database db;
    std::shared_ptr<database::hosted_database> hosted;
    const principal* who = nullptr;
};

opened open_db(engine::impl& e, const principal& who, std::string_view db_id, bool change) {
    auto db = auth::resolve_database(e, who, db_id);
    if (change) {
        auth::require_schema(db);
    } else {
        auth::require_read(db);
    }
    auto hosted = e.databases.open(db.record.id);
    return {std::move(db), std::move(hosted), &who};
}

// The schema objects as SQLite stores them: "type name" → sql.
std::map<std::string, std::string> schema_objects(sqlite::connection& conn) {
    std::map<std::string, std::string> out;
    auto st = conn.prepare(
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master WHERE " AIRSQL_SQL_USER_TABLE("name")
        " AND " AIRSQL_SQL_USER_TABLE("tbl_name"));
    while (st.step()) out[st.text(0) + " " + st.text(1)] = st.text(2);
    return out;
}

// ---- column definitions as SQL ----

std::string render_default(const std::string& sql) {
    auto tokens = tables::tokenize(sql);
    bool literal =
        tokens.size() == 1 &&
        (tokens[0].k == tables::sql_token::string || tokens[0].k == tables::sql_token::number ||
         tokens[0].k == tables::sql_token::blob || tables::is_keyword(tokens[0], "null") ||
         tables::is_keyword(tokens[0], "true") || tables::is_keyword(tokens[0], "false") ||
         tables::is_keyword(tokens[0], "current_timestamp") ||
         tables::is_keyword(tokens[0], "current_date") ||
         tables::is_keyword(tokens[0], "current_time"));
    bool signed_number = tokens.size() == 2 &&
                         (tables::is_punct(tokens[0], '-') || tables::is_punct(tokens[0], '+')) &&
                         tokens[1].k == tables::sql_token::number;
    return "DEFAULT " + (literal || signed_number ? sql : "(" + sql + ")");
}

bool default_needs_rebuild(const std::string& sql) {
    // ALTER TABLE ADD COLUMN takes constants only (not CURRENT_… nor expressions).
    auto rendered = render_default(sql);
    auto lower = ascii_lower(sql);
    return rendered.find('(') != std::string::npos || lower.starts_with("current_");
}

std::string items_check(const std::string& column, const std::vector<std::string>& items) {
    std::string list;
    for (const auto& i : items) list += (list.empty() ? "" : ", ") + tables::quote_literal(i);
    return "CHECK (" + quote_identifier(column) + " IN (" + list + "))";
}

void check_items(const std::vector<std::string>& items) {
    if (items.empty()) bad("items needs at least one value (null removes the list)");
    if (items.size() > max_items) bad(fmt::format("items has more than {} values", max_items));
    for (const auto& i : items) {
        if (i.size() > max_item_bytes) {
            bad(fmt::format("an item is longer than {} bytes", max_item_bytes));
        }
        if (i.find('\0') != std::string::npos) bad("an item contains NUL");
    }
}

void check_definition(const column_definition& d) {
    check_name(d.name, "column");
    tables::check_type_name(d.sqlite_data_type);
    if (d.default_sql) tables::check_expression(*d.default_sql, "default", max_expression_bytes);
    if (d.check) tables::check_expression(*d.check, "check", max_expression_bytes);
    if (d.items) check_items(*d.items);
    check_description(d.description);
}

std::string definition_sql(const column_definition& d) {
    tables::table_element e;
    e.is_column = true;
    e.name = d.name;
    e.type = d.sqlite_data_type;
    using k = tables::column_constraint;
    if (d.is_primary_key) e.constraints.push_back({k::primary_key, "PRIMARY KEY"});
    if (d.is_non_null) e.constraints.push_back({k::not_null, "NOT NULL"});
    if (d.is_unique && !d.is_primary_key) e.constraints.push_back({k::unique, "UNIQUE"});
    if (d.default_sql) e.constraints.push_back({k::default_, render_default(*d.default_sql)});
    if (d.items) e.constraints.push_back({k::check, items_check(d.name, *d.items)});
    if (d.check) e.constraints.push_back({k::check, "CHECK (" + *d.check + ")"});
    return tables::column_text(e);
}

// ---- running schema changes on the writer ----

/// One schema change: the writer, foreign keys off when asked (before BEGIN: the pragma cannot
/// change inside a transaction), one transaction committed only if `change` returns. The
/// statements carry user text (names, types, DEFAULT and CHECK expressions), so they run
/// confined like the SQL endpoint's with write rights: the full allowlist authorizer, the
/// strict limits and the SQL time limit.
template <class F>
void change_schema(engine::impl& e, opened& o, bool foreign_keys_off, F&& change) {
    // Not audited row by row: a rebuild copies every row, which would flood the log with
    // INSERTs that change nothing. One "SCHEMA" entry holds the objects that changed.
    auto writer = o.hosted->writer(audit::context::off());
    std::optional<tables::foreign_keys_off> fk;
    if (foreign_keys_off) fk.emplace(*writer);
    sqlite::transaction tx(*writer);
    std::map<std::string, std::string> before;
    if (o.db.record.auditing) before = schema_objects(*writer);
    {
        sqlite::confinement guard(*writer, sqlite::sql_rights::read_write,
                                  sqlite::confinement::clock::now() + e.opts.sql_timeout);
        // A rebuild copies every row through the table's CHECK constraints, defaults and
        // expression indexes (from an uploaded file, perhaps): the request's own memory budget,
        // not the process-wide heap limit every tenant shares.
        sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
        auto over_budget = [&] {
            return error(errc::invalid_argument,
                         fmt::format("the change needs more than {} bytes of memory; nothing "
                                     "changed",
                                     budget.limit()));
        };
        try {
            change(*writer);
        } catch (const error& err) {
            if (budget.exceeded()) throw over_budget();
            // The authorizer's reason says more than SQLite's "not authorized".
            if (!guard.denial().empty() &&
                std::string_view(err.what()).find("not authorized") != std::string_view::npos) {
                throw error(errc::invalid_argument, guard.denial());
            }
            if (guard.timed_out()) {
                throw error(errc::deadline_exceeded,
                            fmt::format("the change took longer than {} ms; nothing changed",
                                        e.opts.sql_timeout.count()));
            }
            throw;
        }
        // Some functions answer NULL when memory runs out: such a result is not committed.
        if (budget.exceeded()) throw over_budget();
    }
    sqlite::check_schema_size(*writer, e.opts.max_schema_bytes);
    std::map<std::string, std::string> after;
    if (o.db.record.auditing) after = schema_objects(*writer);
    tx.commit();
    if (o.db.record.auditing && o.who) {
        boost::json::object was, is;
        for (const auto& [name, sql] : before) {
            auto it = after.find(name);
            if (it == after.end() || it->second != sql) was[name] = sql;
        }
        for (const auto& [name, sql] : after) {
            auto it = before.find(name);
            if (it == before.end() || it->second != sql) is[name] = sql;
        }
        audit::log_event(e, *o.who, o.db.record, "SCHEMA", std::nullopt, was, is);
    }
}

void apply_order(engine::impl& e, const std::string& db_id, std::optional<std::string> table,
                 const std::vector<std::string>& live, const std::string& name,
                 const std::string& after) {
    auto current =
        table ? tables::column_order(e, db_id, *table, live) : tables::table_order(e, db_id, live);
    auto moved = tables::move_after(current, name, after, table ? "column" : "table");
    if (table) {
        e.catalog.set_order(db_id, std::string_view(*table), moved);
    } else {
        e.catalog.set_order(db_id, std::nullopt, moved);
    }
}

// Descriptions reach GraphQL (type and field descriptions) through the schema cache: after a
// catalog change its schemas are rebuilt, and the write lease moves the data generation, so
// no cached response (introspection) built before is served again.
void descriptions_changed(engine::impl& e, opened& o) {
    auto lease = o.hosted->writer(audit::context::off());
    e.graphql_schemas.refresh(o.db.record.id);
}

std::vector<std::string> live_tables(sqlite::connection& conn) {
    auto st = conn.prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND "
        AIRSQL_SQL_USER_TABLE("name") " ORDER BY rowid");
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.text(0));
    return out;
}

std::vector<std::string> column_names(const live_table& t) {
    std::vector<std::string> out;
    for (const auto& c : t.columns) out.push_back(c.name);
    return out;
}

table_details read_details(engine::impl& e, opened& o, std::string_view table) {
    auto conn = o.hosted->reader();
    sqlite::transaction tx(*conn, sqlite::transaction::kind::deferred);
    auto t = require_table(*conn, table);
    auto d = describe_table(e, o.db.record.id, *conn, t);
    tx.commit();
    return d;
}

table_column read_column(engine::impl& e, opened& o, std::string_view table,
                         std::string_view column) {
    auto d = read_details(e, o, table);
    for (auto& c : d.columns) {
        if (ascii_lower(c.name) == ascii_lower(column)) return std::move(c);
    }
    throw error(errc::not_found, fmt::format("Column \"{}\" does not exist", column));
}

}  // namespace

// ---- tables ----

table_details get_table(engine& eng, const principal& who, std::string_view db_id,
                        std::string_view table) {
    auto& e = eng.internals();
    auto o = open_db(e, who, db_id, false);
    return read_details(e, o, table);
}

table_details create_table(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, const create_table_request& request) {
    auto& e = eng.internals();
    check_name(table, "table");
    check_description(request.description);
    if (request.columns.size() > e.opts.max_table_columns) {
        bad(fmt::format("a table has at most {} columns", e.opts.max_table_columns));
    }
    std::set<std::string> seen;
    int primary_keys = 0;
    std::string body;
    for (const auto& c : request.columns) {
        check_definition(c);
        if (!seen.insert(ascii_lower(c.name)).second) {
            bad(fmt::format("column \"{}\" is defined twice", c.name));
        }
        primary_keys += c.is_primary_key ? 1 : 0;
        body += (body.empty() ? "" : ", ") + definition_sql(c);
    }
    if (primary_keys > 1) bad("at most one column can be the primary key");
    if (body.empty()) body = "\"id\" INTEGER PRIMARY KEY";
    auto o = open_db(e, who, db_id, true);
    std::string name(table);
    change_schema(e, o, false, [&](sqlite::connection& conn) {
        if (object_exists(conn, name)) {
            throw error(errc::already_exists,
                        fmt::format("a table, view, index or trigger named \"{}\" exists", name));
        }
        conn.prepare("CREATE TABLE " + quote_identifier(name) + " (" + body + ")").run();
        auto broken = tables::broken_objects(conn, name);
        for (const auto& b : broken) {
            if (b.kind == "table") bad(fmt::format("the table cannot be written: {}", b.message));
        }
    });
    if (request.description)
        e.catalog.set_description(o.db.record.id, name, "", request.description);
    bool described = request.description.has_value();
    for (const auto& c : request.columns) {
        if (c.description) e.catalog.set_description(o.db.record.id, name, c.name, c.description);
        described = described || c.description.has_value();
    }
    if (described) descriptions_changed(e, o);
    return read_details(e, o, name);
}

table_details update_table(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, const table_patch& patch) {
    auto& e = eng.internals();
    if (patch.name) check_name(*patch.name, "table");
    if (patch.description) check_description(*patch.description);
    auto o = open_db(e, who, db_id, true);
    const auto& id = o.db.record.id;
    std::string name;
    std::string old_name;
    std::vector<std::string> live;
    change_schema(e, o, false, [&](sqlite::connection& conn) {
        auto t = require_table(conn, table);
        old_name = name = t.name;
        if (patch.name && *patch.name != t.name) {
            if (ascii_lower(*patch.name) != ascii_lower(t.name) &&
                object_exists(conn, *patch.name)) {
                throw error(errc::already_exists,
                            fmt::format("a table, view, index or trigger named \"{}\" exists",
                                        *patch.name));
            }
            if (t.is_view) {
                bad(
                    fmt::format("\"{}\" is a view: SQLite cannot rename views (re-create it "
                                "with SQL)",
                                t.name));
            }
            auto rename = [&](const std::string& from, const std::string& to) {
                conn.prepare("ALTER TABLE " + quote_identifier(from) + " RENAME TO " +
                             quote_identifier(to))
                    .run();
            };
            if (ascii_lower(*patch.name) == ascii_lower(t.name)) {
                // SQLite refuses a rename that only changes case: go through a free name.
                std::string step = "airsql_rename_" + t.name;
                while (object_exists(conn, step)) step += "_";
                rename(t.name, step);
                rename(step, *patch.name);
            } else {
                rename(t.name, *patch.name);
            }
            name = *patch.name;
        }
        live = live_tables(conn);
    });
    if (name != old_name) e.catalog.rename_metadata(id, old_name, "", name);
    if (patch.description) e.catalog.set_description(id, name, "", *patch.description);
    if (patch.description || name != old_name) descriptions_changed(e, o);
    if (patch.after) apply_order(e, id, std::nullopt, live, name, *patch.after);
    return read_details(e, o, name);
}

drop_report delete_table(engine& eng, const principal& who, std::string_view db_id,
                         std::string_view table) {
    auto& e = eng.internals();
    auto o = open_db(e, who, db_id, true);
    std::string name;
    change_schema(e, o, false, [&](sqlite::connection& conn) {
        auto t = require_table(conn, table);
        name = t.name;
        auto before = tables::broken_objects(conn, "");
        try {
            conn.prepare(std::string(t.is_view ? "DROP VIEW " : "DROP TABLE ") +
                         quote_identifier(t.name))
                .run();
        } catch (const error& err) {
            if (std::string_view(err.what()).find("FOREIGN KEY") != std::string_view::npos) {
                throw error(errc::failed_precondition,
                            fmt::format("Table \"{}\" has rows that rows of other tables "
                                        "reference: {}",
                                        t.name, err.what()));
            }
            throw;
        }
        tables::refuse_newly_broken(before, tables::broken_objects(conn, ""));
    });
    e.catalog.drop_metadata(o.db.record.id, name, "");
    return {};
}

// ---- columns ----

table_column add_column(engine& eng, const principal& who, std::string_view db_id,
                        std::string_view table, std::string_view column,
                        const column_definition& definition) {
    auto& e = eng.internals();
    auto d = definition;
    d.name = std::string(column);
    check_definition(d);
    auto o = open_db(e, who, db_id, true);
    std::string table_name;
    change_schema(e, o, true, [&](sqlite::connection& conn) {
        auto t = require_plain_table(conn, table);
        table_name = t.name;
        if (t.column(d.name)) {
            throw error(errc::already_exists,
                        fmt::format("Table \"{}\" already has a column \"{}\"", t.name, d.name));
        }
        if (t.columns.size() + 1 > e.opts.max_table_columns) {
            bad(fmt::format("a table has at most {} columns", e.opts.max_table_columns));
        }
        if (d.is_primary_key &&
            std::any_of(t.columns.begin(), t.columns.end(), [](auto& c) { return c.pk > 0; })) {
            bad(fmt::format("Table \"{}\" already has a primary key", t.name));
        }
        auto sql = definition_sql(d);
        bool rebuild = d.is_unique || d.is_primary_key || d.is_non_null || d.check || d.items ||
                       (d.default_sql && default_needs_rebuild(*d.default_sql));
        auto before = tables::broken_objects(conn, t.name);
        if (!rebuild) {
            conn.prepare("ALTER TABLE " + quote_identifier(t.name) + " ADD COLUMN " + sql).run();
            tables::refuse_newly_broken(before, tables::broken_objects(conn, t.name));
            return;
        }
        auto parts = tables::split_create_table(t.sql);
        tables::rebuild_plan plan;
        bool added = false;
        for (const auto& el : parts.elements) {
            if (!el.is_column && !added) {
                plan.elements.push_back(sql);
                added = true;
            }
            plan.elements.push_back(el.text);
        }
        if (!added) plan.elements.push_back(sql);
        plan.tail = parts.tail;
        for (const auto& c : t.columns) {
            if (c.hidden == 0) plan.copy.emplace_back(c.name, c.name);
        }
        tables::rebuild_table(conn, t.name, plan);
    });
    if (d.description) {
        e.catalog.set_description(o.db.record.id, table_name, d.name, d.description);
        descriptions_changed(e, o);
    }
    return read_column(e, o, table_name, d.name);
}

namespace {

// Whether a table constraint is UNIQUE (column) or PRIMARY KEY (column) for exactly `column`.
bool is_single_column_unique(const std::string& text, const std::string& column) {
    auto t = tables::tokenize(text);
    std::size_t i = 0;
    if (i < t.size() && tables::is_keyword(t[i], "constraint")) i += 2;
    return i + 3 < t.size() && tables::is_keyword(t[i], "unique") &&
           tables::is_punct(t[i + 1], '(') && tables::names(t[i + 2], column) &&
           tables::is_punct(t[i + 3], ')');
}

void edit_column(tables::table_element& el, std::vector<tables::table_element>& elements,
                 const column_patch& p, std::set<std::string>& dropped_indexes,
                 const std::vector<index_facts>& indexes, bool is_unique_now, bool is_pk) {
    using k = tables::column_constraint;
    auto erase_if = [&](auto pred) {
        el.constraints.erase(std::remove_if(el.constraints.begin(), el.constraints.end(), pred),
                             el.constraints.end());
    };
    if (p.sqlite_data_type) el.type = *p.sqlite_data_type;
    if (p.is_non_null) {
        bool has = std::any_of(el.constraints.begin(), el.constraints.end(),
                               [](const k& c) { return c.k == k::not_null; });
        if (*p.is_non_null && !has) el.constraints.push_back({k::not_null, "NOT NULL"});
        if (!*p.is_non_null) erase_if([](const k& c) { return c.k == k::not_null; });
    }
    if (p.is_unique) {
        if (*p.is_unique && !is_unique_now) el.constraints.push_back({k::unique, "UNIQUE"});
        if (!*p.is_unique) {
            if (is_pk) bad("a primary key column is always unique");
            erase_if([](const k& c) { return c.k == k::unique; });
            elements.erase(std::remove_if(elements.begin(), elements.end(),
                                          [&](const tables::table_element& e) {
                                              return !e.is_column &&
                                                     is_single_column_unique(e.text, el.name);
                                          }),
                           elements.end());
            for (const auto& ix : indexes) {
                if (ix.has_sql && ix.unique && !ix.partial && ix.columns.size() == 1 &&
                    ix.columns[0] == ascii_lower(el.name)) {
                    dropped_indexes.insert(ascii_lower(ix.name));
                }
            }
        }
    }
    if (p.default_sql) {
        erase_if([](const k& c) { return c.k == k::default_; });
        if (*p.default_sql)
            el.constraints.push_back({k::default_, render_default(**p.default_sql)});
    }
    if (p.items) {
        auto name = el.name;
        erase_if(
            [&](const k& c) { return c.k == k::check && tables::is_items_check(c.text, name); });
        elements.erase(std::remove_if(elements.begin(), elements.end(),
                                      [&](const tables::table_element& e) {
                                          return !e.is_column &&
                                                 tables::is_items_check(e.text, name);
                                      }),
                       elements.end());
        if (*p.items) el.constraints.push_back({k::check, items_check(el.name, **p.items)});
    }
    if (p.check) {
        auto name = el.name;
        erase_if(
            [&](const k& c) { return c.k == k::check && !tables::is_items_check(c.text, name); });
        if (*p.check) el.constraints.push_back({k::check, "CHECK (" + **p.check + ")"});
    }
}

}  // namespace

table_column update_column(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view table, std::string_view column,
                           const column_patch& patch) {
    auto& e = eng.internals();
    if (patch.name) check_name(*patch.name, "column");
    if (patch.sqlite_data_type) tables::check_type_name(*patch.sqlite_data_type);
    if (patch.default_sql && *patch.default_sql) {
        tables::check_expression(**patch.default_sql, "default", max_expression_bytes);
    }
    if (patch.check && *patch.check)
        tables::check_expression(**patch.check, "check", max_expression_bytes);
    if (patch.items && *patch.items) check_items(**patch.items);
    if (patch.description) check_description(*patch.description);
    bool structural = patch.sqlite_data_type || patch.is_non_null || patch.is_unique ||
                      patch.default_sql || patch.items || patch.check;
    auto o = open_db(e, who, db_id, true);
    const auto& id = o.db.record.id;
    std::string table_name;
    std::string old_name;
    std::string name;
    std::vector<std::string> live;
    change_schema(e, o, structural, [&](sqlite::connection& conn) {
        auto t = require_plain_table(conn, table);
        table_name = t.name;
        const auto* c = t.column(column);
        if (!c) {
            throw error(errc::not_found,
                        fmt::format("Table \"{}\" has no column \"{}\"", t.name, column));
        }
        old_name = name = c->name;
        if (patch.name && *patch.name != c->name) {
            const auto* other = t.column(*patch.name);
            if (other && other != c) {
                throw error(errc::already_exists, fmt::format("Table \"{}\" already has a column "
                                                              "\"{}\"",
                                                              t.name, *patch.name));
            }
            conn.prepare("ALTER TABLE " + quote_identifier(t.name) + " RENAME COLUMN " +
                         quote_identifier(c->name) + " TO " + quote_identifier(*patch.name))
                .run();
            name = *patch.name;
            t = require_plain_table(conn, t.name);
        }
        live = column_names(t);
        if (!structural) return;
        const auto* col = t.column(name);
        auto parts = tables::split_create_table(t.sql);
        auto it = std::find_if(parts.elements.begin(), parts.elements.end(),
                               [&](const tables::table_element& el) {
                                   return el.is_column && ascii_lower(el.name) == ascii_lower(name);
                               });
        if (it == parts.elements.end()) {
            throw error(errc::internal, "the column is missing from the table's definition");
        }
        auto indexes = indexes_of(conn, t.name);
        auto unique = unique_columns(conn, t);
        tables::rebuild_plan plan;
        auto element = *it;
        edit_column(element, parts.elements, patch, plan.dropped_indexes, indexes,
                    unique.count(ascii_lower(name)) > 0, col->pk > 0);
        for (const auto& el : parts.elements) {
            bool is_this = el.is_column && ascii_lower(el.name) == ascii_lower(name);
            plan.elements.push_back(is_this ? tables::column_text(element) : el.text);
        }
        plan.tail = parts.tail;
        for (const auto& x : t.columns) {
            if (x.hidden == 0) plan.copy.emplace_back(x.name, x.name);
        }
        tables::rebuild_table(conn, t.name, plan);
    });
    if (name != old_name) e.catalog.rename_metadata(id, table_name, old_name, name);
    if (patch.description) e.catalog.set_description(id, table_name, name, *patch.description);
    if (patch.description || name != old_name) descriptions_changed(e, o);
    if (patch.after) apply_order(e, id, table_name, live, name, *patch.after);
    return read_column(e, o, table_name, name);
}

drop_report delete_column(engine& eng, const principal& who, std::string_view db_id,
                          std::string_view table, std::string_view column) {
    auto& e = eng.internals();
    auto o = open_db(e, who, db_id, true);
    std::string table_name;
    std::string name;
    drop_report report;
    change_schema(e, o, true, [&](sqlite::connection& conn) {
        auto t = require_plain_table(conn, table);
        table_name = t.name;
        const auto* c = t.column(column);
        if (!c) {
            throw error(errc::not_found,
                        fmt::format("Table \"{}\" has no column \"{}\"", t.name, column));
        }
        name = c->name;
        if (t.columns.size() == 1) {
            throw error(errc::failed_precondition,
                        fmt::format("\"{}\" is the only column of table \"{}\"; drop the table "
                                    "instead",
                                    name, t.name));
        }
        auto parts = tables::split_create_table(t.sql);
        for (const auto& el : parts.elements) {
            if (!el.is_column && tables::mentions(el.text, name)) {
                throw error(errc::failed_precondition,
                            fmt::format("Column \"{}\" is used by the table constraint \"{}\"; "
                                        "change the table with SQL",
                                        name, el.text));
            }
        }
        std::set<std::string> dropped;
        for (const auto& ix : indexes_of(conn, t.name)) {
            if (!ix.has_sql) continue;
            bool uses = std::find(ix.columns.begin(), ix.columns.end(), ascii_lower(name)) !=
                            ix.columns.end() ||
                        (ix.sql.find('(') != std::string::npos &&
                         tables::mentions(ix.sql.substr(ix.sql.find('(')), name));
            if (uses) {
                dropped.insert(ascii_lower(ix.name));
                report.dropped_indexes.push_back(ix.name);
            }
        }
        auto it = std::find_if(parts.elements.begin(), parts.elements.end(),
                               [&](const tables::table_element& el) {
                                   return el.is_column && ascii_lower(el.name) == ascii_lower(name);
                               });
        bool own_key = it != parts.elements.end() &&
                       std::any_of(it->constraints.begin(), it->constraints.end(), [](auto& k) {
                           return k.k == tables::column_constraint::primary_key ||
                                  k.k == tables::column_constraint::unique;
                       });
        auto before = tables::broken_objects(conn, t.name);
        if (!own_key && dropped.empty()) {
            try {
                conn.clear_alter_note();
                auto st = conn.prepare("ALTER TABLE " + quote_identifier(t.name) + " DROP COLUMN " +
                                       quote_identifier(name));
                bool altering = conn.before_alter();  // event triggers step aside
                st.run();
                if (altering) conn.after_alter();
            } catch (const error& err) {
                throw error(errc::failed_precondition,
                            fmt::format("Column \"{}\" cannot be dropped: {}", name, err.what()));
            }
            tables::refuse_newly_broken(before, tables::broken_objects(conn, t.name));
            tables::check_foreign_keys(conn);
            return;
        }
        tables::rebuild_plan plan;
        for (const auto& el : parts.elements) {
            if (el.is_column && ascii_lower(el.name) == ascii_lower(name)) continue;
            plan.elements.push_back(el.text);
        }
        plan.tail = parts.tail;
        plan.dropped_indexes = dropped;
        for (const auto& x : t.columns) {
            if (x.hidden == 0 && ascii_lower(x.name) != ascii_lower(name)) {
                plan.copy.emplace_back(x.name, x.name);
            }
        }
        tables::rebuild_table(conn, t.name, plan);
    });
    e.catalog.drop_metadata(o.db.record.id, table_name, name);
    return report;
}

}  // namespace airsql
