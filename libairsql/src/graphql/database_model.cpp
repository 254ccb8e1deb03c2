// SPDX-License-Identifier: Apache-2.0
#include "graphql/database_model.hpp"

#include <tuple>

#include <algorithm>
#include <cctype>
#include <map>

#include "airsql/files.hpp"
#include "graphql/name_encoding.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::graphql {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---- a tokenizer for SQLite DDL, just enough to find CHECK (col IN (...)) lists and the
// names of constraints ----

struct token {
    enum kind { word, quoted, string, number, punct } k;
    std::string text;  // identifiers and strings unquoted; punctuation as is
};

std::vector<token> tokenize(std::string_view s) {
    std::vector<token> out;
    std::size_t i = 0;
    auto quoted_run = [&](char close, token::kind k) {
        std::string text;
        ++i;
        while (i < s.size()) {
            if (s[i] == close) {
                if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
                    text.push_back(close);
                    i += 2;
                    continue;
                }
                ++i;
                break;
            }
            text.push_back(s[i++]);
        }
        out.push_back({k, std::move(text)});
    };
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (std::isspace(c)) {
            ++i;
        } else if (s.compare(i, 2, "--") == 0) {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (s.compare(i, 2, "/*") == 0) {
            auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '\'') {
            quoted_run('\'', token::string);
        } else if (c == '"' || c == '`') {
            quoted_run(static_cast<char>(c), token::quoted);
        } else if (c == '[') {
            quoted_run(']', token::quoted);
        } else if (std::isdigit(c) || (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            std::size_t start = i;
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                                    ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E')))) {
                ++i;
            }
            out.push_back({token::number, std::string(s.substr(start, i - start))});
        } else if (std::isalpha(c) || c == '_' || c >= 0x80) {
            std::size_t start = i;
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                                    s[i] == '$' || static_cast<unsigned char>(s[i]) >= 0x80)) {
                ++i;
            }
            out.push_back({token::word, std::string(s.substr(start, i - start))});
        } else {
            out.push_back({token::punct, std::string(1, static_cast<char>(c))});
            ++i;
        }
    }
    return out;
}

bool is_punct(const token& t, char c) { return t.k == token::punct && t.text.size() == 1 && t.text[0] == c; }
bool is_word(const token& t, std::string_view w) { return t.k == token::word && lower(t.text) == w; }
bool is_name(const token& t) { return t.k == token::word || t.k == token::quoted; }

// Parses "( name IN ( lit, lit ) )" at tokens[i] (i points at the first "(").
std::optional<std::pair<std::string, std::vector<std::string>>> check_in_list(
    const std::vector<token>& t, std::size_t i) {
    if (i + 4 >= t.size() || !is_punct(t[i], '(') || !is_name(t[i + 1]) || !is_word(t[i + 2], "in") ||
        !is_punct(t[i + 3], '(')) {
        return std::nullopt;
    }
    std::string column = t[i + 1].text;
    std::vector<std::string> literals;
    std::size_t j = i + 4;
    while (j < t.size()) {
        std::string sign;
        if (is_punct(t[j], '-') || is_punct(t[j], '+')) {
            if (t[j].text == "-") sign = "-";
            ++j;
            if (j >= t.size() || t[j].k != token::number) return std::nullopt;
        }
        if (j >= t.size() || (t[j].k != token::string && t[j].k != token::number)) return std::nullopt;
        literals.push_back(sign + t[j].text);
        ++j;
        if (j < t.size() && is_punct(t[j], ',')) {
            ++j;
            continue;
        }
        break;
    }
    if (j + 1 >= t.size() || !is_punct(t[j], ')') || !is_punct(t[j + 1], ')')) return std::nullopt;
    return std::pair{std::move(column), std::move(literals)};
}

}  // namespace

std::vector<std::pair<std::string, std::vector<std::string>>> parse_select_options(
    std::string_view create_sql) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    auto t = tokenize(create_sql);
    // The table body: from the first "(" to its matching ")".
    std::size_t i = 0;
    while (i < t.size() && !is_punct(t[i], '(')) ++i;
    if (i >= t.size()) return out;
    ++i;
    // Walk the top-level elements (column definitions and table constraints).
    while (i < t.size()) {
        std::size_t start = i;
        int depth = 0;
        std::size_t end = i;
        for (; end < t.size(); ++end) {
            if (is_punct(t[end], '(')) ++depth;
            if (is_punct(t[end], ')')) {
                if (depth == 0) break;
                --depth;
            }
            if (depth == 0 && is_punct(t[end], ',')) break;
        }
        bool table_constraint = start < t.size() &&
                                (is_word(t[start], "constraint") || is_word(t[start], "primary") ||
                                 is_word(t[start], "unique") || is_word(t[start], "check") ||
                                 is_word(t[start], "foreign"));
        std::string own_column = !table_constraint && start < end && is_name(t[start]) ? lower(t[start].text) : "";
        for (std::size_t k = start; k + 1 < end; ++k) {
            if (!is_word(t[k], "check")) continue;
            if (auto found = check_in_list(t, k + 1)) {
                auto col = lower(found->first);
                if (table_constraint || col == own_column) out.emplace_back(col, std::move(found->second));
            }
        }
        if (end >= t.size() || is_punct(t[end], ')')) break;
        i = end + 1;
    }
    return out;
}

column_scalar scalar_for(std::string_view declared_type) {
    // File columns first: BLOB_POINT is a file column, though it contains INT.
    if (is_file_column_type(declared_type)) return column_scalar::file;
    auto t = upper(declared_type);
    if (contains(t, "INT")) return column_scalar::int_;
    if (contains(t, "CHAR") || contains(t, "CLOB") || contains(t, "TEXT")) return column_scalar::string;
    if (contains(t, "REAL") || contains(t, "FLOA") || contains(t, "DOUB")) return column_scalar::float_;
    if (contains(t, "BOOL")) return column_scalar::boolean;
    if (contains(t, "NUMERIC") || contains(t, "DECIMAL") || contains(t, "NUMBER") || contains(t, "MONEY")) {
        return column_scalar::float_;
    }
    return column_scalar::string;
}

std::optional<std::size_t> table_model::column_by_gql(std::string_view gql) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].gql_name == gql) return i;
    }
    return std::nullopt;
}

std::string_view scalar_name(column_scalar s) {
    switch (s) {
        case column_scalar::int_:
            return "Int";
        case column_scalar::float_:
            return "Float";
        case column_scalar::boolean:
            return "Boolean";
        case column_scalar::string:
        case column_scalar::file:
            return "String";
    }
    return "String";
}

namespace {

struct raw_table {
    std::string name;
    std::string type;
    std::string sql;
};

void read_columns(sqlite::connection& conn, table_model& t, const std::string& create_sql) {
    auto options = t.is_view ? decltype(parse_select_options("")){} : parse_select_options(create_sql);
    auto st = conn.cached(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) "
        "WHERE hidden != 1 ORDER BY cid");
    st->bind(1, t.name);
    while (st->step()) {
        column_model c;
        c.name = st->text(0);
        c.declared_type = st->text(1);
        c.gql_name = encode_name(c.name);
        if (c.gql_name.empty()) continue;
        c.scalar = scalar_for(c.declared_type);
        bool notnull = st->int64(2) != 0;
        bool has_default = !st->is_null(3);
        auto pk = st->int64(4);
        auto hidden = st->int64(5);
        c.generated = hidden == 2 || hidden == 3;
        c.primary_key = !t.is_view && pk > 0;
        c.non_null = !t.is_view && (notnull || pk > 0);
        c.nullable_in_storage = c.non_null && !notnull;
        c.has_default = has_default;
        c.omittable = (pk == 1 && lower(c.declared_type).rfind("int", 0) == 0) || has_default ||
                      !c.non_null || c.generated;
        for (auto& [col, lits] : options) {
            if (col == lower(c.name)) c.select_options = lits;
        }
        c.comparison_type = c.select_options
                                ? encode_name(t.name + "_" + c.name + "_" +
                                              std::string(scalar_name(c.scalar)))
                                : std::string(scalar_name(c.scalar));
        t.columns.push_back(std::move(c));
    }
}

bool has_rowid(sqlite::connection& conn, const table_model& t) {
    if (t.is_view) return false;
    auto st = conn.cached("SELECT 1 FROM pragma_index_info(?)");
    st->bind(1, t.name);
    return !st->step();  // a WITHOUT ROWID table lists its primary key here
}

// Prepends the synthetic rowid column, named rowid, _rowid_ or oid: the first not taken.
void add_rowid(table_model& t) {
    for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
        bool taken = std::any_of(t.columns.begin(), t.columns.end(), [&](const column_model& c) {
            return lower(c.name) == candidate;
        });
        if (taken) continue;
        column_model r;
        r.name = candidate;
        r.declared_type = "INTEGER";
        r.gql_name = candidate;
        r.scalar = column_scalar::int_;
        r.synthetic_rowid = true;
        r.non_null = true;
        r.primary_key = true;
        r.omittable = true;
        r.comparison_type = "Int";
        t.columns.insert(t.columns.begin(), std::move(r));
        t.rowid = 0;
        return;
    }
}

void choose_key(table_model& t) {
    std::vector<std::size_t> declared;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (t.columns[i].primary_key && !t.columns[i].synthetic_rowid) declared.push_back(i);
    }
    if (!declared.empty()) {
        t.key = declared;
    } else if (t.rowid) {
        t.key = {*t.rowid};
    }
}

// ---- constraint names declared in CREATE TABLE ----

// The column names of a parenthesized list starting at tokens[at] ("("): the first name of
// each comma-separated item (COLLATE, ASC and the like follow it).
std::vector<std::string> column_list(const std::vector<token>& tokens, std::size_t at) {
    std::vector<std::string> out;
    if (at >= tokens.size() || !is_punct(tokens[at], '(')) return out;
    int depth = 0;
    bool item_start = true;
    for (std::size_t i = at; i < tokens.size(); ++i) {
        const auto& t = tokens[i];
        if (is_punct(t, '(')) {
            ++depth;
            continue;
        }
        if (is_punct(t, ')')) {
            if (--depth == 0) break;
            continue;
        }
        if (depth == 1 && is_punct(t, ',')) {
            item_start = true;
            continue;
        }
        if (depth == 1 && item_start && is_name(t)) out.push_back(t.text);
        item_start = false;
    }
    return out;
}

// The PRIMARY KEY and UNIQUE constraints a CREATE TABLE statement names with `CONSTRAINT
// <name>`, as table constraints (`CONSTRAINT uq UNIQUE (a, b)`) or in a column's definition
// (`c INTEGER CONSTRAINT c_uq UNIQUE`), with their columns. SQLite keeps the names only in
// this text (its indexes are sqlite_autoindex_<t>_N), while Postgres, and so Hasura users,
// use them as the constraints' names.
std::vector<std::pair<std::string, std::vector<std::string>>> named_constraints(std::string_view create_sql) {
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    auto tokens = tokenize(create_sql);
    std::size_t body = 0;
    while (body < tokens.size() && !is_punct(tokens[body], '(')) ++body;
    // The table's elements: top-level comma-separated token ranges of the body.
    std::vector<std::pair<std::size_t, std::size_t>> elements;
    int depth = 0;
    std::size_t start = body + 1;
    for (std::size_t i = body; i < tokens.size(); ++i) {
        if (is_punct(tokens[i], '(')) {
            ++depth;
        } else if (is_punct(tokens[i], ')')) {
            if (--depth == 0) {
                elements.emplace_back(start, i);
                break;
            }
        } else if (depth == 1 && is_punct(tokens[i], ',')) {
            elements.emplace_back(start, i);
            start = i + 1;
        }
    }
    for (auto [from, to] : elements) {
        if (from >= to) continue;
        const auto& first = tokens[from];
        bool table_constraint = is_word(first, "constraint") || is_word(first, "primary") ||
                                is_word(first, "unique") || is_word(first, "check") || is_word(first, "foreign");
        for (std::size_t i = from; i + 2 < to; ++i) {
            if (!is_word(tokens[i], "constraint") || !is_name(tokens[i + 1])) continue;
            const auto& name = tokens[i + 1].text;
            std::size_t kind = i + 2;
            bool primary = is_word(tokens[kind], "primary") && kind + 1 < to && is_word(tokens[kind + 1], "key");
            bool unique = is_word(tokens[kind], "unique");
            if (!primary && !unique) continue;
            if (table_constraint) {
                auto cols = column_list(tokens, kind + (primary ? 2 : 1));
                if (!cols.empty()) out.emplace_back(name, std::move(cols));
            } else if (is_name(first)) {
                out.emplace_back(name, std::vector<std::string>{first.text});
            }
        }
    }
    return out;
}

// The names a Hasura user gives the table's unique constraints: `<t>_pkey` for the primary key,
// `<t>_<columns>_key` for a UNIQUE clause (Postgres's names) and the index name for a
// CREATE UNIQUE INDEX without WHERE or expressions. A name equal to a column's is left out.
void read_constraints(sqlite::connection& conn, table_model& t, std::string_view create_sql) {
    std::vector<std::pair<std::string, std::vector<std::size_t>>> found;
    std::vector<std::size_t> key;
    for (auto k : t.key) {
        if (!t.columns[k].synthetic_rowid) key.push_back(k);
    }
    if (!key.empty()) found.emplace_back(t.name + "_pkey", key);
    auto list = conn.cached("SELECT name, origin, partial FROM pragma_index_list(?) WHERE \"unique\" = 1");
    list->bind(1, t.name);
    std::vector<std::tuple<std::string, std::string, bool>> indexes;
    while (list->step()) indexes.emplace_back(list->text(0), list->text(1), list->int64(2) != 0);
    for (const auto& [index, origin, partial] : indexes) {
        if (origin == "pk" || partial) continue;
        auto info = conn.cached("SELECT name FROM pragma_index_info(?) ORDER BY seqno");
        info->bind(1, index);
        std::vector<std::size_t> cols;
        std::string joined;
        bool plain = true;
        while (info->step()) {
            if (info->is_null(0)) {
                plain = false;
                continue;
            }
            auto name = info->text(0);
            auto it = std::find_if(t.columns.begin(), t.columns.end(),
                                   [&](const column_model& c) { return !c.synthetic_rowid && c.name == name; });
            if (it == t.columns.end()) {
                plain = false;
                continue;
            }
            cols.push_back(static_cast<std::size_t>(it - t.columns.begin()));
            joined += "_" + name;
        }
        if (!plain || cols.empty()) continue;
        found.emplace_back(origin == "u" ? t.name + joined + "_key" : index, std::move(cols));
    }
    // Names declared with CONSTRAINT, for a key SQLite enforces: the primary key or a UNIQUE
    // index over the same columns.
    for (auto& [name, names] : named_constraints(create_sql)) {
        std::vector<std::size_t> cols;
        for (const auto& n : names) {
            auto it = std::find_if(t.columns.begin(), t.columns.end(), [&](const column_model& c) {
                return !c.synthetic_rowid && lower(c.name) == lower(n);
            });
            if (it == t.columns.end()) break;
            cols.push_back(static_cast<std::size_t>(it - t.columns.begin()));
        }
        if (cols.size() != names.size()) continue;
        auto same_set = [&](const std::vector<std::size_t>& other) {
            return std::is_permutation(cols.begin(), cols.end(), other.begin(), other.end());
        };
        if (std::none_of(found.begin(), found.end(), [&](const auto& f) { return same_set(f.second); })) {
            continue;
        }
        found.emplace_back(name, std::move(cols));
    }
    for (auto& [name, cols] : found) {
        auto gql = encode_name(name);
        if (gql.empty() || t.column_by_gql(gql)) continue;
        if (std::any_of(t.constraints.begin(), t.constraints.end(),
                        [&](const unique_constraint& u) { return u.gql_name == gql; })) {
            continue;
        }
        t.constraints.push_back({gql, std::move(cols)});
    }
}

}  // namespace

database_model read_database_model(sqlite::connection& conn) {
    database_model model;
    model.schema_version = conn.pragma_int("schema_version");
    std::vector<raw_table> raw;
    {
        auto st = conn.cached(
            "SELECT m.name, m.type, coalesce(m.sql, '') FROM sqlite_master m "
            "JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main' "
            "WHERE m.type IN ('table', 'view') AND l.type IN ('table', 'view', 'virtual') "
            "AND " AIRSQL_SQL_USER_TABLE("m.name") " "
            "ORDER BY m.rowid");
        while (st->step()) raw.push_back({st->text(0), st->text(1), st->text(2)});
    }
    std::map<std::string, std::size_t> index_by_lower_name;
    for (auto& r : raw) {
        table_model t;
        t.name = r.name;
        t.gql_name = encode_name(r.name);
        if (t.gql_name.empty()) continue;
        t.is_view = r.type == "view";
        read_columns(conn, t, r.sql);
        if (t.columns.empty()) continue;
        bool rowid_table = has_rowid(conn, t);
        if (!rowid_table && !t.is_view) {
            // Without a rowid, an INTEGER PRIMARY KEY is an ordinary column: SQLite assigns
            // nothing, so it is omittable only for the usual reasons.
            for (auto& c : t.columns) c.omittable = c.has_default || !c.non_null || c.generated;
        }
        if (rowid_table) {
            add_rowid(t);
            // The single INTEGER PRIMARY KEY column of a rowid table is an alias of the rowid.
            std::vector<column_model*> pk;
            for (auto& c : t.columns) {
                if (c.primary_key && !c.synthetic_rowid) pk.push_back(&c);
            }
            if (pk.size() == 1 && upper(pk[0]->declared_type) == "INTEGER") pk[0]->rowid_alias = true;
        }
        choose_key(t);
        if (!t.is_view) read_constraints(conn, t, r.sql);
        index_by_lower_name[lower(t.name)] = model.tables.size();
        model.tables.push_back(std::move(t));
    }
    // Foreign keys, resolved to column indices; those naming unknown tables or columns are
    // skipped (SQLite allows declaring them).
    for (auto& t : model.tables) {
        if (t.is_view) continue;
        struct part {
            std::int64_t id;
            std::string table, from;
            std::optional<std::string> to;
        };
        std::vector<part> parts;
        auto st = conn.cached("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq");
        st->bind(1, t.name);
        while (st->step()) parts.push_back({st->int64(0), st->text(1), st->text(2), st->optional_text(3)});
        for (std::size_t i = 0; i < parts.size();) {
            std::size_t j = i;
            while (j < parts.size() && parts[j].id == parts[i].id) ++j;
            auto parent_it = index_by_lower_name.find(lower(parts[i].table));
            foreign_key_model fk;
            bool ok = parent_it != index_by_lower_name.end();
            if (ok) {
                fk.parent = parent_it->second;
                const auto& parent = model.tables[fk.parent];
                std::vector<std::size_t> implicit_key;
                for (std::size_t k = 0; k < parent.columns.size(); ++k) {
                    if (parent.columns[k].primary_key && !parent.columns[k].synthetic_rowid) implicit_key.push_back(k);
                }
                for (std::size_t p = i; p < j && ok; ++p) {
                    auto from = std::find_if(t.columns.begin(), t.columns.end(), [&](const column_model& c) {
                        return !c.synthetic_rowid && lower(c.name) == lower(parts[p].from);
                    });
                    std::optional<std::size_t> to;
                    if (parts[p].to) {
                        for (std::size_t k = 0; k < parent.columns.size(); ++k) {
                            if (lower(parent.columns[k].name) == lower(*parts[p].to)) to = k;
                        }
                    } else if (p - i < implicit_key.size()) {
                        to = implicit_key[p - i];
                    }
                    ok = from != t.columns.end() && to.has_value();
                    if (ok) {
                        fk.from.push_back(static_cast<std::size_t>(from - t.columns.begin()));
                        fk.to.push_back(*to);
                    }
                }
            }
            if (ok && !fk.from.empty()) t.foreign_keys.push_back(std::move(fk));
            i = j;
        }
    }
    return model;
}

}  // namespace airsql::graphql
