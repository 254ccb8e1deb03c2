// SPDX-License-Identifier: Apache-2.0
#include <boost/json/object.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "airsql/error.hpp"
#include "airsql/export.hpp"
#include "export/reading.hpp"
#include "export/table_lookup.hpp"
#include "export/text_match.hpp"
#include "json/utf8.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"
#include "sqlite/row_cursor.hpp"

namespace airsql {

namespace {

constexpr std::size_t max_term_bytes = 1000;

// One match kept for the page: its rank, and where the row is (the rowid, or its position in
// the scan for views and WITHOUT ROWID tables).
struct hit {
    exporting::match_rank rank;
    std::size_t distance;
    std::int64_t ordinal;
    std::int64_t rowid;
};

bool better(const hit& a, const hit& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.ordinal < b.ordinal;
}

std::string trimmed(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n\f\v");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r\n\f\v");
    return std::string(s.substr(first, last - first + 1));
}

void check_request(const options& opts, const table_search_request& r, const std::string& term) {
    auto max_limit = opts.search_max_limit;
    auto max_offset = opts.search_max_offset;
    if (term.empty()) throw error(errc::invalid_argument, "the search term is empty");
    if (term.size() > max_term_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the search term is longer than {} bytes", max_term_bytes));
    }
    if (r.limit < 1 || r.limit > max_limit) {
        throw error(errc::invalid_argument, fmt::format("limit must be 1–{}", max_limit));
    }
    if (r.offset > max_offset) {
        throw error(errc::invalid_argument, fmt::format("offset must be at most {}", max_offset));
    }
}

boost::json::value cell_value(const sqlite::row_cursor& row, int i) {
    switch (row.type(i)) {
        case sqlite::column_type::null:
            return nullptr;
        case sqlite::column_type::integer:
            return row.int64(i);
        case sqlite::column_type::real:
            return row.real(i);
        case sqlite::column_type::text:
            return boost::json::string(json::to_valid_utf8(std::string(row.text(i))));
        case sqlite::column_type::blob:
            return boost::json::object{{"type", "blob"}};
    }
    return nullptr;
}

// The row object: its columns (from result column `first` on) and "rowid".
boost::json::object row_object(const sqlite::row_cursor& row, int first,
                               std::optional<std::int64_t> rowid) {
    boost::json::object obj;
    for (int i = first; i < row.column_count(); ++i) {
        obj[json::to_valid_utf8(row.column_name(i))] = cell_value(row, i);
    }
    if (!obj.contains("rowid")) {
        obj["rowid"] = rowid ? boost::json::value(*rowid) : boost::json::value(nullptr);
    }
    return obj;
}

}  // namespace

table_search_result search_table(engine& eng, const principal& who, std::string_view db_id,
                                 std::string_view table, const table_search_request& request) {
    auto& e = eng.internals();
    auto term = trimmed(request.term);
    check_request(e.opts, request, term);
    exporting::time_limit limit(e.opts.search_timeout, "the search");
    auto reader = exporting::open_for_reading(e, who, db_id);
    auto& conn = *reader.conn;
    sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
    sqlite::transaction snapshot(conn, sqlite::transaction::kind::deferred);
    sqlite::deadline interrupt(conn, limit.until());
    auto t = exporting::find_table(conn, table);
    bool by_rowid = !t.rowid_expression.empty();
    std::string from = " FROM " + sqlite::quote_identifier(t.name);
    std::string scan_sql = by_rowid ? "SELECT " + t.rowid_expression + ", *" + from : "SELECT *" + from;
    int first_column = by_rowid ? 1 : 0;

    table_search_result result;
    result.table = exporting::summary_of(t);
    exporting::search_pattern pattern(term);
    // The clock is also read inside a row: one 9 MB cell against a 99-word term took 14 s.
    exporting::row_matcher matcher(pattern, [&limit] { limit.check_now(); });
    std::size_t keep = request.offset + request.limit;
    // The best `keep` matches so far, worst on top.
    std::priority_queue<hit, std::vector<hit>, decltype(&better)> best(&better);
    std::u32string folded;
    try {
        // Pass 1: rank every row, keeping only the best `keep` positions.
        sqlite::row_cursor rows(conn, scan_sql);
        std::int64_t ordinal = 0;
        while (rows.step()) {
            limit.check();
            matcher.start_row();
            for (int i = first_column; i < rows.column_count(); ++i) {
                if (rows.type(i) != sqlite::column_type::text) continue;
                exporting::fold_case(rows.text(i), folded);
                matcher.add_cell(folded);
            }
            auto rank = matcher.rank();
            if (rank != exporting::match_rank::none) {
                ++result.number_of_matches;
                hit h{rank, matcher.distance(), ordinal, by_rowid ? rows.int64(0) : 0};
                if (best.size() < keep) {
                    best.push(h);
                } else if (better(h, best.top())) {
                    best.pop();
                    best.push(h);
                }
            }
            ++ordinal;
        }
        result.table.number_of_rows = ordinal;

        // The page, best first.
        std::vector<hit> page;
        while (!best.empty()) {
            page.push_back(best.top());
            best.pop();
        }
        std::reverse(page.begin(), page.end());
        page.erase(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(
                                                   std::min(request.offset, page.size())));

        // Pass 2: read the page's rows, by rowid or by scanning again in the same snapshot.
        std::vector<boost::json::object> objects(page.size());
        if (by_rowid) {
            sqlite::row_cursor one(conn, scan_sql + " WHERE " + t.rowid_expression + " = ?1");
            for (std::size_t k = 0; k < page.size(); ++k) {
                one.reset();
                one.bind(1, page[k].rowid);
                if (one.step()) objects[k] = row_object(one, 1, page[k].rowid);
            }
        } else {
            std::unordered_map<std::int64_t, std::size_t> wanted;
            for (std::size_t k = 0; k < page.size(); ++k) wanted[page[k].ordinal] = k;
            sqlite::row_cursor again(conn, scan_sql);
            std::int64_t position = 0;
            std::size_t found = 0;
            while (found < page.size() && again.step()) {
                limit.check();
                auto it = wanted.find(position++);
                if (it == wanted.end()) continue;
                objects[it->second] = row_object(again, 0, std::nullopt);
                ++found;
            }
        }
        for (auto& o : objects) result.rows.emplace_back(std::move(o));
    } catch (const error&) {
        if (interrupt.expired()) limit.fail();
        if (budget.exceeded()) {
            throw error(errc::resource_exhausted,
                        "the search needs more SQLite memory than one request may use");
        }
        throw;
    }
    return result;
}

}  // namespace airsql
