// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>

#include "airsql/export.hpp"
#include "export/reading.hpp"
#include "export/table_lookup.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/row_cursor.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += separator;
        out += parts[i];
    }
    return out;
}

// ---- CHECK constraints, read from the CREATE TABLE text ----

struct sql_token {
    enum kind_t { word, quoted_name, string, punct } kind;
    std::string_view text;  ///< as written
    std::string name;       ///< for words and quoted names: the identifier
};

// SQLite's tokens as far as CHECK constraints need them: comments skipped, strings and quoted
// identifiers kept whole.
std::vector<sql_token> tokenize(std::string_view sql) {
    std::vector<sql_token> tokens;
    std::size_t i = 0;
    auto is_word = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; };
    while (i < sql.size()) {
        auto c = static_cast<unsigned char>(sql[i]);
        if (std::isspace(c)) {
            ++i;
        } else if (sql.substr(i, 2) == "--") {
            auto end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (sql.substr(i, 2) == "/*") {
            auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
            char close = c == '[' ? ']' : static_cast<char>(c);
            std::size_t j = i + 1;
            std::string name;
            while (j < sql.size()) {
                if (sql[j] == close) {
                    if (close != ']' && j + 1 < sql.size() && sql[j + 1] == close) {
                        name.push_back(close);
                        j += 2;
                        continue;
                    }
                    break;
                }
                name.push_back(sql[j++]);
            }
            j = std::min(j + 1, sql.size());
            tokens.push_back({c == '\'' ? sql_token::string : sql_token::quoted_name,
                              sql.substr(i, j - i), std::move(name)});
            i = j;
        } else if (is_word(c)) {
            std::size_t j = i;
            while (j < sql.size() && is_word(static_cast<unsigned char>(sql[j]))) ++j;
            tokens.push_back({sql_token::word, sql.substr(i, j - i), std::string(sql.substr(i, j - i))});
            i = j;
        } else {
            tokens.push_back({sql_token::punct, sql.substr(i, 1), {}});
            ++i;
        }
    }
    return tokens;
}

std::vector<azimutt_check> read_checks(std::string_view sql,
                                       const std::vector<azimutt_column>& columns) {
    std::vector<azimutt_check> checks;
    auto tokens = tokenize(sql);
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        if (tokens[i].kind != sql_token::word || lower(tokens[i].name) != "check" ||
            tokens[i + 1].text != "(") {
            continue;
        }
        // The predicate: everything inside the parentheses after CHECK.
        std::size_t depth = 0;
        std::size_t end = i + 1;
        for (; end < tokens.size(); ++end) {
            if (tokens[end].text == "(" && tokens[end].kind == sql_token::punct) ++depth;
            if (tokens[end].text == ")" && tokens[end].kind == sql_token::punct && --depth == 0) break;
        }
        if (end >= tokens.size()) break;
        auto first = tokens[i + 2].text.data();
        auto last = tokens[end].text.data();
        azimutt_check check;
        check.predicate = std::string(first, static_cast<std::size_t>(last - first));
        while (!check.predicate.empty() && std::isspace(static_cast<unsigned char>(check.predicate.back()))) {
            check.predicate.pop_back();
        }
        for (std::size_t k = i + 2; k < end; ++k) {
            if (tokens[k].kind != sql_token::word && tokens[k].kind != sql_token::quoted_name) continue;
            for (const auto& col : columns) {
                if (lower(col.name) == lower(tokens[k].name) &&
                    std::find(check.columns.begin(), check.columns.end(), col.name) ==
                        check.columns.end()) {
                    check.columns.push_back(col.name);
                }
            }
        }
        if (i >= 2 && tokens[i - 2].kind == sql_token::word && lower(tokens[i - 2].name) == "constraint") {
            check.name = tokens[i - 1].name;
        } else if (!check.columns.empty()) {
            check.name = join(check.columns, "_") + "_check";
        } else {
            check.name = fmt::format("check_{}", checks.size() + 1);
        }
        checks.push_back(std::move(check));
        i = end;
    }
    return checks;
}

// ---- keys and indexes ----

std::vector<std::string> index_columns(sqlite::connection& conn, const std::string& index) {
    std::vector<std::string> columns;
    sqlite::row_cursor info(conn, "SELECT name FROM pragma_index_info(?1) ORDER BY seqno");
    info.bind(1, index);
    while (info.step()) {
        columns.emplace_back(info.type(0) == sqlite::column_type::null ? "" : info.text(0));
    }
    return columns;
}

void read_keys(sqlite::connection& conn, azimutt_table& t,
               const std::vector<std::pair<std::string, int>>& pk_columns) {
    if (!pk_columns.empty()) {
        azimutt_constraint pk;
        auto sorted = pk_columns;
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto& a, const auto& b) { return a.second < b.second; });
        for (auto& [name, _] : sorted) pk.columns.push_back(name);
        pk.name = join(pk.columns, "_");
        t.primary_key = std::move(pk);
    }
    struct index_row {
        std::string name;
        bool unique;
        std::string origin;
        std::string sql;
    };
    std::vector<index_row> indexes;
    {
        sqlite::row_cursor list(conn,
                                "SELECT l.name, l.\"unique\", l.origin, m.sql FROM pragma_index_list(?1) l "
                                "LEFT JOIN sqlite_schema m ON m.type = 'index' AND m.name = l.name "
                                "ORDER BY m.rowid, l.seq DESC");
        list.bind(1, t.table);
        while (list.step()) {
            indexes.push_back({std::string(list.text(0)), list.int64(1) != 0,
                               std::string(list.text(2)), std::string(list.text(3))});
        }
    }
    for (auto& ix : indexes) {
        auto columns = index_columns(conn, ix.name);
        if (ix.origin == "pk") continue;
        azimutt_constraint c;
        c.columns = std::move(columns);
        if (ix.origin == "u") {
            c.name = join(c.columns, "_") + "_unique";
            c.definition = "(" + join(c.columns, ", ") + ")";
            t.uniques.push_back(std::move(c));
        } else {
            c.name = ix.name;
            c.definition = ix.sql;
            (ix.unique ? t.uniques : t.indexes).push_back(std::move(c));
        }
    }
}

void read_relations(sqlite::connection& conn, const azimutt_table& t,
                    std::vector<azimutt_relation>& relations) {
    struct fk_column {
        std::string parent, from;
        std::optional<std::string> to;
    };
    // SQLite numbers foreign keys from the last declared one: descending ids keep the
    // declaration order.
    std::map<std::int64_t, std::vector<fk_column>, std::greater<>> keys;
    {
        sqlite::row_cursor list(conn,
                                "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) "
                                "ORDER BY id, seq");
        list.bind(1, t.table);
        while (list.step()) {
            keys[list.int64(0)].push_back(
                {std::string(list.text(1)), std::string(list.text(2)),
                 list.type(3) == sqlite::column_type::null ? std::nullopt
                                                           : std::optional<std::string>(list.text(3))});
        }
    }
    for (auto& [id, columns] : keys) {
        // REFERENCES parent without columns: the parent's primary key, in key order.
        std::vector<std::string> parent_pk;
        if (!columns.empty() && !columns.front().to) {
            sqlite::row_cursor pk(conn,
                                  "SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk");
            pk.bind(1, columns.front().parent);
            while (pk.step()) parent_pk.emplace_back(pk.text(0));
        }
        std::vector<std::string> from_names;
        for (auto& c : columns) from_names.push_back(c.from);
        auto name = t.table + "_" + join(from_names, "_") + "_fkey";
        for (std::size_t k = 0; k < columns.size(); ++k) {
            azimutt_relation r;
            r.name = name;
            r.src.table = t.table;
            r.src.column = columns[k].from;
            r.ref.table = columns[k].parent;
            r.ref.column = columns[k].to ? *columns[k].to
                                         : (k < parent_pk.size() ? parent_pk[k] : std::string("rowid"));
            relations.push_back(std::move(r));
        }
    }
}

}  // namespace

azimutt_schema get_azimutt_schema(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto reader = exporting::open_for_reading(e, who, db_id);
    auto& conn = *reader.conn;
    sqlite::transaction snapshot(conn, sqlite::transaction::kind::deferred);
    sqlite::deadline interrupt(conn, std::chrono::steady_clock::now() + e.opts.sql_timeout);
    std::vector<std::string> names;
    {
        sqlite::row_cursor list(
            conn,
            "SELECT l.name FROM pragma_table_list l "
            "JOIN sqlite_schema m ON m.name = l.name AND m.type IN ('table', 'view') "
            "WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual') "
            "AND " AIRSQL_SQL_USER_TABLE("l.name") " "
            "ORDER BY m.rowid");
        while (list.step()) names.emplace_back(list.text(0));
    }
    azimutt_schema schema;
    for (const auto& name : names) {
        auto facts = exporting::find_table(conn, name);
        azimutt_table t;
        t.table = facts.name;
        t.view = facts.is_view;
        std::vector<std::pair<std::string, int>> pk_columns;
        {
            sqlite::row_cursor info(conn,
                                    "SELECT name, type, \"notnull\", dflt_value, pk FROM "
                                    "pragma_table_xinfo(?1) WHERE hidden != 1 ORDER BY cid");
            info.bind(1, t.table);
            while (info.step()) {
                azimutt_column c;
                c.name = info.text(0);
                c.type = info.text(1);
                bool rowid_alias = facts.rowid_column && *facts.rowid_column == c.name &&
                                   *facts.rowid_column != "rowid";
                c.nullable = info.int64(2) == 0 && !rowid_alias;
                if (info.type(3) != sqlite::column_type::null) c.default_value = info.text(3);
                if (info.int64(4) > 0) pk_columns.emplace_back(c.name, static_cast<int>(info.int64(4)));
                t.columns.push_back(std::move(c));
            }
        }
        if (facts.is_view) {
            t.definition = facts.sql;
        } else {
            read_keys(conn, t, pk_columns);
            if (!facts.is_virtual) t.checks = read_checks(facts.sql, t.columns);
            read_relations(conn, t, schema.relations);
        }
        schema.tables.push_back(std::move(t));
    }
    return schema;
}

}  // namespace airsql
