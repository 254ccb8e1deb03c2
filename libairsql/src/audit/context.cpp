// SPDX-License-Identifier: Apache-2.0
#include "audit/context.hpp"

#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "airsql/json.hpp"
#include "airsql/principal.hpp"
#include "catalog/catalog.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"

namespace airsql::audit {

namespace bj = boost::json;

namespace {

bj::value value_json(const captured_value& v) {
    switch (v.type) {
        case sqlite::column_type::integer:
            return v.integer;
        case sqlite::column_type::real:
            return v.real;  // to_json writes non-finite numbers as null
        case sqlite::column_type::text:
            if (!v.truncated) return bj::string(v.text);
            return bj::object{{"type", "text"},
                              {"size", static_cast<std::int64_t>(v.size)},
                              {"prefix", v.text}};
        case sqlite::column_type::blob:
            return bj::object{{"type", "blob"}, {"size", static_cast<std::int64_t>(v.size)}};
        case sqlite::column_type::null:
            return nullptr;
    }
    return nullptr;
}

// Column names for the changes whose layout the hook did not know (tables created or altered
// in the same transaction), from the schema as committed. Read once, on first need.
class fallback_names {
public:
    explicit fallback_names(sqlite::connection& conn) : conn_(conn) {}

    std::string name(const change& c, int position) {
        if (c.layout && static_cast<std::size_t>(position) < c.layout->stored_columns.size()) {
            return c.layout->stored_columns[static_cast<std::size_t>(position)];
        }
        if (!loaded_) {
            loaded_ = true;
            try {
                layout_ = read_schema_layout(conn_);
            } catch (...) {
                // Positions will do.
            }
        }
        if (auto it = layout_.find(c.table); it != layout_.end() &&
                                             static_cast<std::size_t>(position) <
                                                 it->second.stored_columns.size()) {
            return it->second.stored_columns[static_cast<std::size_t>(position)];
        }
        return fmt::format("#{}", position + 1);
    }

private:
    sqlite::connection& conn_;
    bool loaded_ = false;
    schema_layout layout_;
};

std::optional<std::string> values_json(const change& c,
                                       const std::vector<std::pair<int, captured_value>>& values,
                                       bool present, fallback_names& names) {
    if (!present) return std::nullopt;
    bj::object o;
    o.reserve(values.size());
    for (const auto& [position, v] : values) o[names.name(c, position)] = value_json(v);
    return to_json(o);
}

}  // namespace

void log_event(engine::impl& e, const principal& who, const catalog::database_record& record,
               std::string_view operation, std::optional<std::string> table_name,
               const bj::object& old_values, const bj::object& new_values) noexcept {
    if (!record.auditing) return;
    try {
        catalog::audit_row row;
        row.db_id = record.id;
        row.utc = core::now_iso_utc();
        row.principal = describe(e, who);
        row.table_name = std::move(table_name);
        row.operation = std::string(operation);
        row.old_values = to_json(old_values);
        row.new_values = to_json(new_values);
        e.catalog.append_audit({row});
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "airsql: audit log of database %s: %s not logged: %s\n",
                     record.id.c_str(), std::string(operation).c_str(), ex.what());
    }
}

std::string describe(engine::impl& e, const principal& who) {
    bj::object o;
    switch (who.kind()) {
        case principal_kind::user:
            o = {{"kind", "user"}, {"id", who.user_id()}, {"name", who.username()}};
            break;
        case principal_kind::app_session:
            o = {{"kind", "appSession"}, {"id", who.user_id()}, {"name", who.username()}};
            break;
        case principal_kind::token: {
            o = {{"kind", "token"}, {"id", who.token_id()}};
            if (auto token = e.catalog.find_token(who.token_id())) {
                o["name"] = token->name;
                o["team"] = token->team_name;
            }
            break;
        }
        case principal_kind::readonly_link:
            o = {{"kind", "readonlyLink"}};
            break;
        case principal_kind::anonymous:
            o = {{"kind", "anonymous"}};
            break;
    }
    return to_json(o);
}

context context_for(engine::impl& e, const principal& who,
                    const catalog::database_record& record) {
    context ctx;
    ctx.enabled = record.auditing;
    ctx.db_id = record.id;
    ctx.log = &e.catalog;
    ctx.lim.max_entries = e.opts.audit_max_entries_per_transaction;
    ctx.lim.max_value_bytes = e.opts.audit_max_value_bytes;
    ctx.lim.max_bytes = e.opts.audit_max_transaction_bytes;
    ctx.synchronous_full = e.opts.synchronous != "NORMAL";
    if (ctx.enabled) ctx.principal = describe(e, who);
    return ctx;
}

std::vector<catalog::audit_row> to_rows(const context& ctx,
                                        std::vector<committed_transaction> txns,
                                        sqlite::connection& conn) {
    std::vector<catalog::audit_row> rows;
    fallback_names names(conn);
    for (auto& txn : txns) {
        rows.reserve(rows.size() + txn.changes.size() + 1);
        for (const auto& c : txn.changes) {
            catalog::audit_row row;
            row.db_id = ctx.db_id;
            row.utc = txn.utc;
            row.principal = ctx.principal;
            row.table_name = c.table;
            row.row_id = c.row_id;
            row.operation = to_string(c.op);
            row.old_values = values_json(c, c.old_values, c.op != operation::insert, names);
            row.new_values = values_json(c, c.new_values, c.op != operation::remove, names);
            rows.push_back(std::move(row));
        }
        if (txn.omitted > 0) {
            catalog::audit_row row;
            row.db_id = ctx.db_id;
            row.utc = txn.utc;
            row.principal = ctx.principal;
            row.operation = "OMITTED";
            row.new_values = to_json(bj::object{
                {"omittedChanges", static_cast<std::int64_t>(txn.omitted)},
                {"reason", fmt::format("the transaction changed more than {} rows or {} bytes "
                                       "of values; the rest is counted, not recorded",
                                       ctx.lim.max_entries, ctx.lim.max_bytes)}});
            rows.push_back(std::move(row));
        }
    }
    return rows;
}

void append(const context& ctx, std::vector<catalog::audit_row> rows,
            std::vector<catalog::audit_row>& unflushed) noexcept {
    if (rows.empty() && unflushed.empty()) return;
    if (ctx.log == nullptr) {
        // Nowhere to write (a context without a catalog): keep them for a lease that has one.
        for (auto& r : rows) unflushed.push_back(std::move(r));
        return;
    }
    try {
        if (!unflushed.empty()) {
            unflushed.insert(unflushed.end(), std::make_move_iterator(rows.begin()),
                             std::make_move_iterator(rows.end()));
            rows.swap(unflushed);
            unflushed.clear();
        }
        ctx.log->append_audit(rows, ctx.synchronous_full);
    } catch (const std::exception& ex) {
        // The user's transaction has committed already: the entries cannot stop it any more.
        // Keep them for the next write lease of this database to retry.
        std::fprintf(stderr, "airsql: audit log of database %s: %zu entries not written yet: %s\n",
                     ctx.db_id.c_str(), rows.size(), ex.what());
        try {
            if (rows.size() > ctx.lim.max_entries) {
                std::fprintf(stderr, "airsql: audit log of database %s: %zu entries dropped\n",
                             ctx.db_id.c_str(), rows.size() - ctx.lim.max_entries);
                rows.erase(rows.begin(),
                           rows.begin() + static_cast<std::ptrdiff_t>(rows.size() -
                                                                      ctx.lim.max_entries));
            }
            unflushed = std::move(rows);
        } catch (...) {
        }
    } catch (...) {
    }
}

}  // namespace airsql::audit
