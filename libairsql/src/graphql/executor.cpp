// SPDX-License-Identifier: Apache-2.0
#include "graphql/executor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <functional>
#include <set>

#include "airsql/error.hpp"
#include "airsql/json.hpp"
#include "graphql/field_collection.hpp"
#include "graphql/input_values.hpp"
#include "graphql/sql_compiler.hpp"
#include "json/utf8.hpp"
#include "sqlite/confinement.hpp"

namespace airsql::graphql {

namespace {

/// Most updates one update_<t>_many may run (each is a statement in the operation's transaction).
constexpr std::size_t max_update_many = 1'000;

boost::json::value error_json(const error_entry& e) {
    boost::json::object o;
    o["message"] = e.message;
    if (!e.locations.empty()) {
        boost::json::array locs;
        for (const auto& l : e.locations) locs.push_back(boost::json::object{{"line", l.line}, {"column", l.column}});
        o["locations"] = std::move(locs);
    }
    if (!e.path.empty()) {
        boost::json::array path;
        for (const auto& p : e.path) {
            if (const auto* s = std::get_if<std::string>(&p)) {
                path.emplace_back(*s);
            } else {
                path.emplace_back(std::get<std::int64_t>(p));
            }
        }
        o["path"] = std::move(path);
    }
    return o;
}

std::string errors_json(const std::vector<error_entry>& errors) {
    boost::json::array a;
    for (const auto& e : errors) a.push_back(error_json(e));
    return airsql::to_json(a);
}

std::string json_key(std::string_view key) { return airsql::to_json(boost::json::value(key)); }

// An error's message for a field error. SQLite's parser takes about 100 levels of nested
// expressions; each relationship in a filter (EXISTS (SELECT … WHERE …)) and each nested
// object or aggregate selected takes several, and the ones that fit depend on the whole field.
// Its own message, "parser stack overflow", names nothing the GraphQL user wrote.
std::string message_of(const error& e) {
    if (std::string_view(e.what()).find("parser stack overflow") != std::string_view::npos) {
        return "The field nests too deeply for one SQL statement: its filters and selections "
               "together follow too many relationships inside each other (about 8 in a "
               "filter); nest fewer, or split the request";
    }
    return e.what();
}

bool is_marker(const boost::json::value& v) {
    const auto* o = v.if_object();
    return o && o->size() == 1 && o->contains(error_marker_key);
}

// Replaces error markers by null with a field error each, and propagates nulls through
// non-null positions. Returns whether `v` ended up null.
bool repair(boost::json::value& v, const shape& sh, std::vector<path_segment>& path, std::vector<error_entry>& errors) {
    if (is_marker(v)) {
        const auto& m = v.get_object().at(error_marker_key);
        errors.push_back({m.is_string() ? std::string(m.get_string()) : "invalid value", {sh.loc}, path});
        v = nullptr;
        return true;
    }
    auto repair_object = [&](boost::json::value& obj) {
        auto* o = obj.if_object();
        if (!o) return obj.is_null();
        for (const auto& f : sh.fields) {
            auto* child = o->if_contains(f.key);
            if (!child) continue;
            path.emplace_back(f.key);
            auto errors_before = errors.size();
            bool became_null = repair(*child, f, path, errors);
            if (became_null && f.non_null && errors.size() == errors_before) {
                // A null that no error explains: the response must still say why its parent
                // is null.
                errors.push_back({"Cannot return null for non-nullable field.", {f.loc}, path});
            }
            path.pop_back();
            if (became_null && f.non_null) {
                obj = nullptr;
                return true;
            }
        }
        return false;
    };
    switch (sh.k) {
        case shape::kind::scalar:
            return v.is_null();
        case shape::kind::object:
            return repair_object(v);
        case shape::kind::list: {
            auto* a = v.if_array();
            if (!a) return v.is_null();
            for (std::size_t i = 0; i < a->size(); ++i) {
                path.emplace_back(static_cast<std::int64_t>(i));
                auto errors_before = errors.size();
                bool became_null = repair_object((*a)[i]);
                if (became_null && sh.items_non_null && errors.size() == errors_before) {
                    errors.push_back({"Cannot return null for non-nullable field.", {sh.loc}, path});
                }
                path.pop_back();
                if (became_null && sh.items_non_null) {
                    v = nullptr;
                    return true;
                }
            }
            return false;
        }
    }
    return v.is_null();
}

void bind_all(sqlite::statement& st, const std::vector<bound_value>& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
        int idx = static_cast<int>(i + 1);
        std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::monostate>) {
                    st.bind_null(idx);
                } else {
                    st.bind(idx, v);
                }
            },
            params[i]);
    }
}

// While alive, SQLite refuses (SQLITE_TOOBIG) any string or blob longer than `bytes` on
// `conn`, so one huge root field stops inside SQLite instead of after it is built.
class length_limit {
public:
    length_limit(sqlite::connection& conn, std::size_t bytes)
        : db_(conn.handle()), saved_(sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, -1)) {
        auto wanted =
            static_cast<int>(std::min<std::size_t>(bytes, static_cast<std::size_t>(saved_)));
        sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, std::max(wanted, 1));
    }
    ~length_limit() { sqlite3_limit(db_, SQLITE_LIMIT_LENGTH, saved_); }
    length_limit(const length_limit&) = delete;
    length_limit& operator=(const length_limit&) = delete;

private:
    sqlite3* db_;
    int saved_;
};

[[noreturn]] void throw_too_big() { throw error(errc::payload_too_large, "string or blob too big"); }

// Appends `s` as a JSON string the way SQLite's JSON functions write TEXT (json.c,
// jsonAppendString): '"' and '\\' escaped, \\b \\t \\n \\f \\r, other bytes below 0x20 as
// \\u00xx (lower-case hex), every other byte as it is; runs without escapes are copied whole.
// Throws payload_too_large before `out` would pass `max_bytes` (escapes can make a value six
// times longer than SQLite let it be read).
void append_json_text(std::string& out, std::string_view s, std::size_t max_bytes) {
    static constexpr char special[32] = {0, 0, 0, 0,   0,   0,   0, 0, 'b', 't', 'n',
                                         0, 'f', 'r', 0, 0, 0, 0, 0,   0,   0,   0,
                                         0, 0,   0,   0, 0, 0, 0, 0,   0,   0};
    auto append = [&](const char* data, std::size_t n) {
        if (out.size() + n > max_bytes) throw_too_big();
        out.append(data, n);
    };
    append("\"", 1);
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        append(s.data() + run, i - run);
        run = i + 1;
        char escape[6] = {'\\', static_cast<char>(c), 0, 0, 0, 0};
        std::size_t n = 2;
        if (c < 0x20 && special[c]) {
            escape[1] = special[c];
        } else if (c < 0x20) {
            escape[1] = 'u';
            escape[2] = '0';
            escape[3] = '0';
            escape[4] = "0123456789abcdef"[c >> 4];
            escape[5] = "0123456789abcdef"[c & 0xf];
            n = 6;
        }
        append(escape, n);
    }
    append(s.data() + run, s.size() - run);
    append("\"", 1);
}

// The statements of a rows-form query's nested lists (sql_query::nested_list), at every
// depth, prepared once for a run and laid out like the lists. The compiler's aliases make each
// list's SQL differ from the lists above it; should two ever be the same text, the inner one
// gets a fresh statement, since the cached one (a single object) is still stepping above.
class nested_statements {
  public:
    nested_statements(sqlite::connection& conn, const sql_query& root) {
        std::vector<const std::string*> in_use{&root.sql};
        children_ = add(conn, root, in_use);
    }
    nested_statements(const nested_statements&) = delete;
    nested_statements& operator=(const nested_statements&) = delete;

    struct node {
        sqlite::statement* st = nullptr;
        std::vector<node> children;  ///< the nested lists of this list's rows
    };
    const std::vector<node>& children() const noexcept { return children_; }

  private:
    std::vector<node> add(sqlite::connection& conn, const sql_query& q,
                          std::vector<const std::string*>& in_use) {
        std::vector<node> nodes;
        for (const auto& list : q.nested_lists) {
            const auto& sql = list.query->sql;
            node n;
            if (std::any_of(in_use.begin(), in_use.end(),
                            [&](const std::string* used) { return *used == sql; })) {
                n.st = &fresh_.emplace_back(conn.prepare(sql));
            } else {
                // Direct initialization from the borrow: statement_ref cannot move.
                n.st = &**borrowed_.emplace_back(new sqlite::statement_ref(conn.cached(sql)));
            }
            in_use.push_back(&sql);
            n.children = add(conn, *list.query, in_use);
            in_use.pop_back();
            nodes.push_back(std::move(n));
        }
        return nodes;
    }

    std::vector<std::unique_ptr<sqlite::statement_ref>> borrowed_;
    std::deque<sqlite::statement> fresh_;
    std::vector<node> children_;
};

// A cell of a rows-form query (append_rows_json) as JSON, the way SQLite's JSON functions
// write it.
void append_cell_json(std::string& out, const sqlite::row_reader& cells, int col,
                      std::size_t max_bytes) {
    switch (cells.type(col)) {
        case sqlite::column_type::null:
            out += "null";
            break;
        case sqlite::column_type::integer: {
            char digits[24];
            auto end = std::to_chars(digits, digits + sizeof digits, cells.int64(col)).ptr;
            out.append(digits, static_cast<std::size_t>(end - digits));
            break;
        }
        case sqlite::column_type::real:
            // Not expected in these columns; SQLite 3.40's JSON writes a REAL as its text
            // ("0.1", "1.0e-300", "Inf"), as sqlite3_column_text gives it.
            out += cells.text(col);
            break;
        case sqlite::column_type::text:
            append_json_text(out, cells.text(col), max_bytes);
            break;
        case sqlite::column_type::blob:
            throw error(errc::invalid_argument, "JSON cannot hold BLOB values");
    }
}

// An object joined into a rows-form query's row (sql_query::joined_object), or null.
void append_joined_object(std::string& out, const sqlite::row_reader& cells,
                          const sql_query::joined_object& object, std::size_t max_bytes) {
    if (cells.type(object.present_column) == sqlite::column_type::null) {
        out += "null";
        return;
    }
    out += '{';
    std::size_t next_object = 0;
    for (std::size_t k = 0; k < object.keys.size(); ++k) {
        if (k) out += ',';
        append_json_text(out, object.keys[k], max_bytes);
        out += ':';
        if (object.columns[k] >= 0) {
            append_cell_json(out, cells, object.columns[k], max_bytes);
        } else {
            append_joined_object(out, cells, object.objects[next_object++], max_bytes);
        }
    }
    out += '}';
}

// The JSON of a query compiled with `row_keys` (sql_query): json_group_array(json_object(key,
// column, …)) written here. Its columns are rowids, TEXT read unchecked and constants: NULL,
// INTEGER or TEXT; a BLOB fails as SQLite's JSON functions fail on one, so that the caller
// compiles again with checks (tests/unit/graphql/value_checks_test.cpp compares the bytes
// with the linked SQLite's). The whole text is held to SQLite's length limit, as the
// aggregate would be.
// Nested lists (sql_query::nested_list) are written the same way, each from its statement
// (`lists`, laid out like q.nested_lists) run for the row, and joined objects
// (sql_query::joined_object) from the row's own columns. False, with `out` as it was, when the
// rows pass q.row_cap.
bool append_rows_json(std::string& out, sqlite::statement& st, const sql_query& q,
                      const std::vector<nested_statements::node>& lists, std::size_t max_bytes) {
    const auto start = out.size();
    out += '[';
    std::int64_t rows = 0;
    std::optional<sqlite::row_reader> cells;
    while (st.step()) {
        if (!cells) cells.emplace(st);
        if (q.row_cap >= 0 && ++rows > q.row_cap) {
            out.resize(start);
            return false;
        }
        out += out.size() > start + 1 ? ",{" : "{";
        std::size_t next_list = 0;
        std::size_t next_object = 0;
        for (std::size_t i = 0; i < q.row_keys.size(); ++i) {
            if (i) out += ',';
            append_json_text(out, q.row_keys[i], max_bytes);
            out += ':';
            if (next_list < q.nested_lists.size() && q.nested_lists[next_list].key_index == i) {
                const auto& list = q.nested_lists[next_list];
                const auto& related = lists[next_list];
                ++next_list;
                related.st->reset_quietly();
                bind_all(*related.st, list.query->params);
                for (std::size_t k = 0; k < list.key_columns.size(); ++k) {
                    cells->bind_cell(*related.st, static_cast<int>(k + 1), list.key_columns[k]);
                }
                append_rows_json(out, *related.st, *list.query, related.children, max_bytes);
            } else if (next_object < q.joined_objects.size() &&
                       q.joined_objects[next_object].key_index == i) {
                append_joined_object(out, *cells, q.joined_objects[next_object++], max_bytes);
            } else {
                append_cell_json(out, *cells, static_cast<int>(i), max_bytes);
            }
        }
        out += '}';
        if (out.size() > max_bytes) throw_too_big();
    }
    out += ']';
    return true;
}

std::string rows_json(sqlite::connection& conn, sqlite::statement& st, const sql_query& q,
                      std::size_t max_bytes) {
    std::string out;
    out.reserve(4096);  // the size of most pages of rows: no regrowth on the way
    nested_statements lists(conn, q);
    if (!append_rows_json(out, st, q, lists.children(), max_bytes)) {
        out = "{";
        append_json_text(out, error_marker_key, max_bytes);
        out += ':';
        append_json_text(out, q.cap_message, max_bytes);
        out += '}';
    }
    return out;
}

// Runs a compiled query and returns its JSON: its single cell ("null" when there is no row),
// or the array rows_json writes.
std::string run_json(sqlite::connection& conn, const sql_query& q) {
    auto st = conn.cached(q.sql);
    bind_all(*st, q.params);
    if (!q.row_keys.empty()) {
        auto limit = sqlite3_limit(conn.handle(), SQLITE_LIMIT_LENGTH, -1);
        return rows_json(conn, *st, q, static_cast<std::size_t>(std::max(limit, 0)));
    }
    if (!st->step() || st->is_null(0)) return "null";
    return st->text(0);
}

class executor {
public:
    executor(const schema& s, const document& doc, boost::json::object variables, database::hosted_database& db,
             const execution_settings& settings)
        : ctx_(s, doc, std::move(variables)),
          db_(db),
          settings_(settings),
          compiler_(ctx_, {settings.file_url_id, settings.max_rows}),
          fast_compiler_(ctx_, {settings.file_url_id, settings.max_rows, true}) {}

    bool reads_only_tables() const noexcept { return !touched_view_; }
    std::size_t stream_rows = 0;
    std::optional<boost::json::value> stream_last;
    bool stream_full = false;
    /// The root fields compiled by this run, when a plan was wanted and all compiled.
    std::shared_ptr<const query_plan> plan() const { return plan_failed_ ? nullptr : plan_out_; }
    bool had_errors() const noexcept { return !errors_.empty(); }

    std::string run(const operation& op) {
        if (op.type == operation_type::mutation) return run_mutation(op);
        return run_query(op);
    }

private:
    // Adds a field's value, repairing markers; returns false when a non-null root became null
    // or the response grew past its limit (then `data` is null and nothing more is run).
    bool finish_field(std::string text, const shape& sh, bool non_null) {
        // Stored text need not be valid UTF-8; SQLite's JSON passes it on as it is.
        text = json::to_valid_utf8(std::move(text));
        if (data_.size() + text.size() > settings_.max_response_bytes) {
            response_too_large(sh.loc);
            return false;
        }
        // memmem, not std::string::find: find stops at every '"' of the JSON to compare.
        static constexpr std::string_view marker_text = "\"__airsql_error\"";
        if (::memmem(text.data(), text.size(), marker_text.data(), marker_text.size())) {
            auto v = boost::json::parse(text);
            std::vector<path_segment> path{sh.key};
            auto errors_before = errors_.size();
            bool is_null = repair(v, sh, path, errors_);
            text = airsql::to_json(v);
            if (is_null && non_null) {
                if (errors_.size() == errors_before) {
                    errors_.push_back({"Cannot return null for non-nullable field.", {sh.loc}, {sh.key}});
                }
                return false;
            }
        } else if (text == "null" && non_null) {
            errors_.push_back({"Cannot return null for non-nullable field.", {sh.loc}, {sh.key}});
            return false;
        }
        if (data_.size() > 1) data_ += ',';
        data_ += json_key(sh.key);
        data_ += ':';
        data_ += text;
        return true;
    }

    // A root field that failed: null in `data`, or `data` itself null for non-null fields.
    void null_field(const std::string& key, bool non_null) {
        if (non_null) {
            data_null_ = true;
        } else {
            data_ += (data_.size() > 1 ? "," : "") + json_key(key) + ":null";
        }
    }

    // Ends the response: `data` null and one error saying why.
    void response_too_large(location at) {
        too_large_ = true;
        data_null_ = true;
        data_.clear();
        errors_.clear();
        errors_.push_back(
            {fmt::format("the response is larger than {} bytes; select fewer rows or fields",
                         settings_.max_response_bytes),
             {at},
             {}});
    }

    void field_error(const field_node& f, std::string message) {
        errors_.push_back({std::move(message), {f.sel->loc}, {f.key}});
    }

    std::string result() {
        std::string out;
        out.reserve(data_.size() + 16);
        out += "{\"data\":";
        if (data_null_) {
            out += "null";
        } else {
            out += data_;
            out += '}';
        }
        if (!errors_.empty()) out += ",\"errors\":" + errors_json(errors_);
        out += '}';
        return out;
    }

    std::string run_query(const operation& op) {
        const auto& s = ctx_.s;
        // A subscription runs as the query it mirrors (a live query).
        const auto& root = op.type == operation_type::subscription ? s.subscription_type : s.query_type;
        auto fields = collect_fields(ctx_, *s.find(root), {&op.selections});
        if (!s.can_read()) {
            for (const auto& f : fields) {
                field_error(f, "Cannot read field \"" + f.sel->name +
                                   "\": the credentials used do not allow reading this database");
            }
            data_null_ = true;
            return result();
        }
        // Every read below runs under the deadline, so an inline_scope may run it.
        auto conn = db_.reader(core::blocking::bounded_read);
        sqlite::deadline guard(*conn, std::chrono::steady_clock::now() + settings_.timeout);
        std::optional<sqlite::transaction> tx;
        if (fields.size() > 1) tx.emplace(*conn, sqlite::transaction::kind::deferred);
        data_ = "{";
        const query_plan* plan = settings_.plan.get();
        if (plan && plan->fields.size() != fields.size()) plan = nullptr;
        if (settings_.want_plan && !plan) {
            plan_out_ = std::make_shared<query_plan>();
            plan_out_->fields.resize(fields.size());
        }
        for (std::size_t i = 0; i < fields.size(); ++i) {
            const auto& f = fields[i];
            if (too_large_) break;
            shape sh;
            sh.key = f.key;
            sh.loc = f.sel->loc;
            const auto& name = f.sel->name;
            if (name == "__typename") {
                finish_field("\"" + root + "\"", sh, true);
                continue;
            }
            if (name == "__schema") {
                finish_field(airsql::to_json(resolve_schema(ctx_, settings_.view, f)), sh, true);
                continue;
            }
            if (name == "__type") {
                finish_field(airsql::to_json(resolve_type(ctx_, settings_.view, f)), sh, false);
                continue;
            }
            if (!f.def) continue;
            bool non_null = f.def->type.is_non_null();
            if (s.model->tables[f.def->table].is_view) touched_view_ = true;
            try {
                // Compiled by an earlier run of this operation, else now.
                const query_plan::root* compiled =
                    plan && plan->fields[i] ? &*plan->fields[i] : nullptr;
                auto compile = [&](sql_compiler& with, query_plan::root& out) {
                    out.result = sh;
                    switch (f.def->role) {
                        case field_role::table_list:
                            out.query = with.list_field(f, out.result);
                            return true;
                        case field_role::table_by_pk:
                            out.query = with.by_pk_field(f, out.result);
                            return true;
                        case field_role::table_aggregate:
                            out.query = with.aggregate_field(f, out.result);
                            return true;
                        case field_role::table_stream:
                            // Its SQL holds the moving cursor: never part of a plan.
                            out.query = stream_field(f, out.result);
                            plan_failed_ = true;
                            return true;
                        default:
                            return false;
                    }
                };
                query_plan::root fresh;
                query_plan::root checked;
                if (!compiled) {
                    if (!compile(fast_compiler_, fresh)) continue;
                    compiled = &fresh;
                }
                std::string text;
                {
                    // No single value may outgrow the whole response (one fixed limit, not
                    // the room left: a filter may read long values that are not returned).
                    const auto bytes = settings_.max_response_bytes;
                    length_limit cap(*conn, std::max(bytes, bytes + 1));  // + 1, saturating
                    try {
                        text = run_json(*conn, compiled->query);
                    } catch (const error& e) {
                        // A BLOB in a TEXT column the fast SQL read unchecked: again with every
                        // value checked (the BLOB becomes a field error), and remembered so.
                        if (!is_blob_in_json(e.what()) || guard.expired()) throw;
                        compile(compiler_, checked);
                        text = run_json(*conn, checked.query);
                        compiled = &checked;
                    }
                }
                if (f.def->role == field_role::table_stream) text = take_stream_cursor(std::move(text));
                if (!finish_field(std::move(text), compiled->result, non_null)) data_null_ = true;
                if (plan_out_ && compiled == &fresh) plan_out_->fields[i] = std::move(fresh);
                if (plan_out_ && compiled == &checked) plan_out_->fields[i] = std::move(checked);
            } catch (const field_failure& e) {
                plan_failed_ = true;
                field_error(f, e.what());
                null_field(f.key, non_null);
            } catch (const error& e) {
                if (e.code() == errc::would_block) throw;  // an inline read: runs again elsewhere
                if (e.code() == errc::payload_too_large && !guard.expired()) {
                    response_too_large(sh.loc);
                } else {
                    field_error(f, guard.expired()
                                       ? "The query ran longer than the time limit and was stopped"
                                       : message_of(e));
                    null_field(f.key, non_null);
                }
            }
        }
        if (tx) tx->commit();
        return result();
    }

    // A literal for an input value (the inverse of argument_values, for rewritten arguments).
    static value literal(const boost::json::value& v) {
        value out;
        switch (v.kind()) {
            case boost::json::kind::null:
                out.kind = value_kind::null;
                break;
            case boost::json::kind::bool_:
                out.kind = value_kind::boolean;
                out.boolean = v.get_bool();
                break;
            case boost::json::kind::int64:
                out.kind = value_kind::int_;
                out.text = std::to_string(v.get_int64());
                break;
            case boost::json::kind::uint64:
                out.kind = value_kind::int_;
                out.text = std::to_string(v.get_uint64());
                break;
            case boost::json::kind::double_:
                out.kind = value_kind::float_;
                out.text = boost::json::serialize(v);
                break;
            case boost::json::kind::string:
                out.kind = value_kind::string;
                out.text = std::string(v.get_string());
                break;
            case boost::json::kind::array:
                out.kind = value_kind::list;
                for (const auto& x : v.get_array()) out.list.push_back(literal(x));
                break;
            case boost::json::kind::object:
                out.kind = value_kind::object;
                for (const auto& [k, x] : v.get_object()) out.fields.push_back({std::string(k), literal(x), {}});
                break;
        }
        return out;
    }

    // `<t>_stream(batch_size:, cursor:, where:)` runs as `<t>(where: {_and: [where, {col:
    // {_is_null: false}}, {col: {_gt: cursor}}]}, order_by: [{col: ASC}], limit: batch_size)`
    // with the cursor column
    // selected under a hidden key (take_stream_cursor removes it).
    sql_query stream_field(const field_node& f, shape& sh) {
        const auto& s = ctx_.s;
        auto args = argument_values(s, f.sel->arguments, f.def->args, ctx_.variables);
        const auto* cursors = args.if_contains("cursor");
        const boost::json::object* cursor = nullptr;
        if (cursors && cursors->is_array() && cursors->get_array().size() == 1 &&
            cursors->get_array()[0].is_object()) {
            cursor = &cursors->get_array()[0].get_object();
        } else if (cursors && cursors->is_object()) {
            cursor = &cursors->get_object();
        }
        if (!cursor) throw field_failure("cursor needs exactly one element");
        const auto* initial = cursor->if_contains("initial_value");
        if (!initial || !initial->is_object() || initial->get_object().size() != 1) {
            throw field_failure("the cursor's initial_value needs exactly one column");
        }
        const std::string column(initial->get_object().begin()->key());
        auto start = settings_.stream_cursor ? *settings_.stream_cursor : initial->get_object().begin()->value();
        bool desc = false;
        if (const auto* o = cursor->if_contains("ordering"); o && o->is_string()) desc = o->get_string() == "DESC";
        const auto* size = args.if_contains("batch_size");
        if (!size || !size->is_int64() || size->get_int64() < 1) throw field_failure("batch_size must be at least 1");
        stream_batch_ = static_cast<std::size_t>(size->get_int64());

        boost::json::array all;
        if (const auto* w = args.if_contains("where"); w && !w->is_null()) all.push_back(*w);
        // A row whose cursor column is NULL has no place after any cursor: it is never
        // streamed. (Streamed in a batch, it would leave the cursor at NULL, after which
        // nothing compares greater: the stream stalled for good.) A null initial_value starts
        // at the first non-null value.
        all.push_back(boost::json::object{{column, boost::json::object{{"_is_null", false}}}});
        if (!start.is_null()) {
            all.push_back(boost::json::object{{column, boost::json::object{{desc ? "_lt" : "_gt", start}}}});
        }
        auto& synth = synthetic_.emplace_back(*f.sel);
        synth.arguments.clear();
        synth.arguments.push_back({"where", literal(boost::json::object{{"_and", all}}), f.sel->loc});
        value order;
        order.kind = value_kind::list;
        value term;
        term.kind = value_kind::object;
        value dir;
        dir.kind = value_kind::enum_;
        dir.text = desc ? "DESC" : "ASC";
        term.fields.push_back({column, dir, {}});
        order.list.push_back(term);
        synth.arguments.push_back({"order_by", order, f.sel->loc});
        value limit;
        limit.kind = value_kind::int_;
        limit.text = std::to_string(stream_batch_);
        synth.arguments.push_back({"limit", limit, f.sel->loc});
        auto& extra = synthetic_sets_.emplace_back();
        selection hidden;
        hidden.kind = selection_kind::field;
        hidden.alias = "__airsql_cursor";
        hidden.name = column;
        extra.items.push_back(hidden);
        field_node node = f;
        node.sel = &synth;
        node.def = s.find(s.query_type)->field(s.model->tables[f.def->table].gql_name);
        if (!node.def || node.def->role != field_role::table_list) throw field_failure("no such table");
        node.sub.push_back(&extra);
        return compiler_.list_field(node, sh);
    }

    // Takes the hidden cursor key out of a stream's rows; remembers the last row's value.
    std::string take_stream_cursor(std::string text) {
        boost::system::error_code ec;
        auto v = boost::json::parse(text, ec);
        if (ec || !v.is_array()) return text;
        auto& rows = v.get_array();
        stream_rows = rows.size();
        stream_full = rows.size() >= stream_batch_;
        for (auto& r : rows) {
            if (!r.is_object()) continue;
            if (auto* c = r.get_object().if_contains("__airsql_cursor")) stream_last = *c;
            r.get_object().erase("__airsql_cursor");
        }
        return boost::json::serialize(v);
    }

    std::string run_mutation(const operation& op) {
        const auto& s = ctx_.s;
        auto fields = collect_fields(ctx_, *s.find(s.mutation_type), {&op.selections});
        // An inline_scope that allows writes may run it: under its deadline, rolled back
        // whole when stopped (would_block), never partly committed.
        auto conn = db_.writer(settings_.audit, core::blocking::bounded_write);
        sqlite::deadline guard(*conn, std::chrono::steady_clock::now() + settings_.timeout);
        // One transaction for the whole operation (Hasura's semantics): root fields run in
        // order and see each other's writes, and a failing one rolls back them all.
        sqlite::transaction tx(*conn);
        data_ = "{";
        for (const auto& f : fields) {
            if (too_large_) break;
            shape sh;
            sh.key = f.key;
            sh.loc = f.sel->loc;
            if (f.sel->name == "__typename") {
                finish_field("\"" + s.mutation_type + "\"", sh, true);
                continue;
            }
            if (!f.def) continue;
            try {
                auto text = mutate(*conn, f, sh);
                if (!finish_field(std::move(text), sh, f.def->type.is_non_null())) {
                    data_null_ = true;
                    break;
                }
            } catch (const field_failure& e) {
                field_error(f, e.what());
                data_null_ = true;
                break;
            } catch (const error& e) {
                if (e.code() == errc::would_block) throw;  // inline: rolled back, runs again
                field_error(f, guard.expired() ? "The mutation ran longer than the time limit and was stopped"
                                                : message_of(e));
                data_null_ = true;
                break;
            }
        }
        if (!data_null_) {
            try {
                tx.commit();  // deferred foreign key checks can still fail here
            } catch (const error& e) {
                if (e.code() == errc::would_block) throw;
                errors_.push_back({e.what(), {op.loc}, {}});
                data_null_ = true;
            }
        }
        return result();
    }

    // ---- mutations ----

    const type_def& response_type(const field_node& f) { return *ctx_.s.find(f.def->type.name); }

    // The mutation response object: affected_rows, returning, __typename in selection order.
    std::string response_object(const field_node& f, shape& sh, std::int64_t affected,
                                const std::function<std::string(const field_node&, shape&)>& returning) {
        sh.k = shape::kind::object;
        sh.non_null = true;
        std::string out = "{";
        const auto& rt = response_type(f);
        for (const auto& g : collect_fields(ctx_, rt, f.sub)) {
            shape gs;
            gs.key = g.key;
            gs.loc = g.sel->loc;
            std::string value;
            if (g.sel->name == "__typename") {
                value = json_key(rt.name);
            } else if (g.sel->name == "affected_rows") {
                value = std::to_string(affected);
                gs.non_null = true;
            } else if (g.sel->name == "returning") {
                value = returning(g, gs);
                gs.non_null = g.def && g.def->type.is_non_null();
            } else {
                continue;
            }
            out += (out.size() > 1 ? "," : "") + json_key(g.key) + ":" + value;
            sh.fields.push_back(std::move(gs));
        }
        return out + "}";
    }

    std::string ids_json(const std::vector<std::string>& ids) {
        std::string out = "[";
        for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + ids[i];
        return out + "]";
    }

    std::string returning_by_ids(sqlite::connection& conn, std::size_t table, const field_node& g, shape& gs,
                                 const std::vector<std::string>& ids, bool single) {
        auto q = compiler_.rows_by_ids(table, g.sub, single, gs);
        gs.items_non_null = true;
        q.params[0] = ids_json(ids);
        return run_json(conn, q);
    }

    // Runs a statement with RETURNING <row identity>; collects the identities.
    std::vector<std::string> run_returning(sqlite::connection& conn, const std::string& sql,
                                           const std::vector<bound_value>& params, std::int64_t& affected) {
        auto st = conn.cached(sql);
        bind_all(*st, params);
        std::vector<std::string> ids;
        while (st->step()) {
            ids.push_back(st->type(0) == sqlite::column_type::integer ? std::to_string(st->int64(0)) : st->text(0));
        }
        affected += conn.changes();
        return ids;
    }

    const boost::json::object& object_arg(const boost::json::object& args, std::initializer_list<std::string_view> names,
                                          const field_node& f, std::string_view what) {
        for (auto n : names) {
            if (const auto* v = args.if_contains(n); v && v->is_object()) return v->get_object();
        }
        throw field_failure(fmt::format("Argument \"{}\" not found: {} needs it", what, f.sel->name));
    }

    boost::json::object key_filter(std::size_t table, const boost::json::object& args) {
        const auto& t = ctx_.s.model->tables[table];
        boost::json::object filter;
        for (auto k : t.key) {
            const auto& c = t.columns[k];
            const auto* v = args.if_contains(c.gql_name);
            filter[c.gql_name] = boost::json::object{{"_eq", v ? *v : boost::json::value(nullptr)}};
        }
        return filter;
    }

    std::string mutate(sqlite::connection& conn, const field_node& f, shape& sh) {
        const auto& def = *f.def;
        const auto table = def.table;
        const auto& t = ctx_.s.model->tables[table];
        auto args = argument_values(ctx_.s, f.sel->arguments, def.args, ctx_.variables);
        auto quoted = sqlite::quote_identifier(t.name);
        std::int64_t affected = 0;
        switch (def.role) {
            case field_role::insert: {
                auto ids = insert_rows(conn, table, args, affected);
                return response_object(f, sh, affected, [&](const field_node& g, shape& gs) {
                    return returning_by_ids(conn, table, g, gs, ids, false);
                });
            }
            case field_role::update:
            case field_role::update_by_pk: {
                bool by_pk = def.role == field_role::update_by_pk;
                boost::json::object filter = by_pk ? key_filter(table, args) : object_arg(args, {"where", "filter"}, f, "where");
                if (!by_pk && filter.empty()) {
                    throw field_failure("The filter of " + f.sel->name +
                                        " must not be empty: name the rows to update (an empty filter would change "
                                        "every row)");
                }
                // The new values: `_set` (its name may carry "_" suffixes beside key columns
                // named like it), else the deprecated `set`; Hasura's `_inc` likewise.
                const boost::json::object* set = nullptr;
                const boost::json::object* inc = nullptr;
                for (const auto& a : def.args) {
                    const auto* v = args.if_contains(a.name);
                    if (!v || !v->is_object()) continue;
                    if (a.type.name == t.gql_name + "_inc_input") inc = &v->get_object();
                    if (a.type.name != t.gql_name + "_set_input") continue;
                    if (!a.deprecated || !set) set = &v->get_object();
                }
                if (!set && !inc) {
                    throw field_failure("Argument \"_set\" not found: " + f.sel->name + " needs the new values");
                }
                auto ids = update_rows(conn, table, filter, set, inc, affected);
                return response_object(f, sh, affected, [&](const field_node& g, shape& gs) {
                    return returning_by_ids(conn, table, g, gs, ids, by_pk);
                });
            }
            case field_role::update_many: {
                // Hasura's update_<t>_many: each update in order (each sees the ones before),
                // inside the operation's transaction; a list of mutation responses.
                const auto* list = args.if_contains("updates");
                boost::json::array updates;
                if (list && list->is_array()) {
                    updates = list->get_array();
                } else if (list && list->is_object()) {
                    updates.push_back(*list);
                }
                if (updates.size() > max_update_many) {
                    throw field_failure(fmt::format("{} takes at most {} updates, not {}", f.sel->name,
                                                    max_update_many, updates.size()));
                }
                sh.k = shape::kind::list;
                sh.non_null = false;
                sh.items_non_null = false;
                std::string out = "[";
                for (std::size_t i = 0; i < updates.size(); ++i) {
                    const auto* u = updates[i].if_object();
                    if (!u) continue;
                    const auto* where = u->if_contains("where");
                    if (!where || !where->is_object() || where->get_object().empty()) {
                        throw field_failure(fmt::format(
                            "The filter of update {} of {} must not be empty: name the rows to update (an "
                            "empty filter would change every row)",
                            i, f.sel->name));
                    }
                    auto object_or_null = [&](std::string_view name) -> const boost::json::object* {
                        const auto* v = u->if_contains(name);
                        return v && v->is_object() ? &v->get_object() : nullptr;
                    };
                    if (!object_or_null("_set") && !object_or_null("_inc")) {
                        // As update_<t>: an update without new values is a mistake, not 0 rows.
                        throw field_failure(fmt::format(
                            "Update {} of {} has neither _set nor _inc: name the new values", i,
                            f.sel->name));
                    }
                    std::int64_t item_affected = 0;
                    auto ids = update_rows(conn, table, where->get_object(), object_or_null("_set"),
                                           object_or_null("_inc"), item_affected);
                    shape item;
                    out += (i ? "," : "") + response_object(f, item, item_affected, [&](const field_node& g, shape& gs) {
                               return returning_by_ids(conn, table, g, gs, ids, false);
                           });
                    if (i == 0) sh.fields = std::move(item.fields);
                }
                return out + "]";
            }
            case field_role::insert_one: {
                // Hasura's insert_<t>_one: the row, or null when on_conflict left the existing
                // row as it was. A token that cannot read gets no row data: only __typename,
                // refused before anything is written.
                if (!ctx_.s.can_read()) {
                    for (const auto& g : collect_fields(ctx_, response_type(f), f.sub)) {
                        if (g.sel->name == "__typename") continue;
                        throw field_failure("Cannot read field \"" + g.sel->name +
                                            "\": the credentials used do not allow reading this database; select "
                                            "only __typename, or use insert_" +
                                            t.gql_name + " { affected_rows }");
                    }
                }
                boost::json::object many;
                if (const auto* o = args.if_contains("object")) many["objects"] = boost::json::array{*o};
                if (const auto* c = args.if_contains("on_conflict"); c && !c->is_null()) many["on_conflict"] = *c;
                auto ids = insert_rows(conn, table, many, affected);
                sh.k = shape::kind::object;
                sh.non_null = false;
                if (ids.empty()) return "null";
                return returning_by_ids(conn, table, f, sh, ids, true);
            }
            case field_role::delete_:
            case field_role::delete_by_pk: {
                bool by_pk = def.role == field_role::delete_by_pk;
                boost::json::object filter = by_pk ? key_filter(table, args) : object_arg(args, {"where", "filter"}, f, "where");
                // The rows are read before they are deleted; the transaction keeps both in step.
                std::string returned;
                shape returned_shape;
                const field_node* returning_node = nullptr;
                auto rt_fields = collect_fields(ctx_, response_type(f), f.sub);
                for (const auto& g : rt_fields) {
                    if (g.sel->name == "returning") returning_node = &g;
                }
                if (returning_node) {
                    auto q = compiler_.rows_by_filter(table, filter, returning_node->sub, returned_shape);
                    returned = run_json(conn, q);
                }
                std::vector<bound_value> params;
                auto cond = compiler_.condition(table, filter, quoted, params);
                auto st = conn.cached("DELETE FROM " + quoted + " WHERE " + cond);
                bind_all(*st, params);
                st->run();
                affected = conn.changes();
                return response_object(f, sh, affected, [&](const field_node&, shape& gs) {
                    gs.k = returned_shape.k;
                    gs.fields = returned_shape.fields;
                    if (!by_pk) return returned;
                    gs.k = shape::kind::object;
                    if (returned.size() <= 2) return std::string("null");
                    return returned.substr(1, returned.size() - 2);
                });
            }
            default:
                throw field_failure("not a mutation field");
        }
    }

    // UPDATE … SET <set>, <inc> WHERE <filter> RETURNING <row identity>; Hasura's rule: a
    // column may not be both set and incremented. Nothing to change: no statement, no rows.
    std::vector<std::string> update_rows(sqlite::connection& conn, std::size_t table, const boost::json::object& filter,
                                         const boost::json::object* set, const boost::json::object* inc,
                                         std::int64_t& affected) {
        const auto& t = ctx_.s.model->tables[table];
        auto quoted = sqlite::quote_identifier(t.name);
        if (set && inc) {
            std::string both;  // Hasura's (v2) message, naming every such column
            for (const auto& [key, v] : *inc) {
                if (set->contains(key)) both += (both.empty() ? "'" : ", '") + std::string(key) + "'";
            }
            if (!both.empty()) throw field_failure("Column found in multiple operators: [" + both + "].");
        }
        std::vector<bound_value> params;
        std::string assignments;
        auto assign = [&](const boost::json::object& values, bool increment) {
            for (const auto& [key, v] : values) {
                auto c = t.column_by_gql(key);
                if (!c) continue;
                const auto& col = t.columns[*c];
                auto name = sqlite::quote_identifier(col.name);
                std::string rhs;
                if (!increment && col.scalar == column_scalar::file && v.is_string() && v.get_string() == "{}") {
                    rhs = "x''";  // the UI's way to clear a file cell to an empty file
                } else {
                    params.push_back(sql_compiler::to_bound(col, v));
                    rhs = (increment ? name + " + ?" : "?") + std::to_string(params.size());
                }
                assignments += (assignments.empty() ? "" : ", ") + name + " = " + rhs;
            }
        };
        if (set) assign(*set, false);
        if (inc) assign(*inc, true);
        if (assignments.empty()) return {};
        auto cond = compiler_.condition(table, filter, quoted, params);
        return run_returning(conn,
                             "UPDATE " + quoted + " SET " + assignments + " WHERE " + cond + " RETURNING " +
                                 compiler_.row_identity(table, quoted),
                             params, affected);
    }

    std::vector<std::string> insert_rows(sqlite::connection& conn, std::size_t table, const boost::json::object& args,
                                         std::int64_t& affected) {
        const auto& t = ctx_.s.model->tables[table];
        auto quoted = sqlite::quote_identifier(t.name);
        boost::json::array objects;
        if (const auto* o = args.if_contains("objects")) {
            if (o->is_array()) objects = o->get_array();
            else if (o->is_object()) objects.push_back(*o);
        }
        boost::json::array conflicts;
        if (const auto* c = args.if_contains("on_conflict")) {
            if (c->is_array()) conflicts = c->get_array();
            else if (c->is_object()) conflicts.push_back(*c);
        }
        // Every update column must be given by some object (AirGQL's rule).
        std::set<std::string> given;
        for (const auto& o : objects) {
            if (o.is_object()) {
                for (const auto& [k, v] : o.get_object()) given.insert(k);
            }
        }
        for (const auto& c : conflicts) {
            if (!c.is_object()) continue;
            if (ctx_.s.mode == access_mode::insert_only) {
                const auto* cols = c.get_object().if_contains("update_columns");
                bool updates = cols && cols->is_array() && !cols->get_array().empty();
                const auto* where = c.get_object().if_contains("where");
                if (updates || (where && !where->is_null())) {
                    throw field_failure(
                        "insert-only access cannot change existing rows: on_conflict must use "
                        "update_columns: [] and no where");
                }
            }
            if (const auto* cols = c.get_object().if_contains("update_columns"); cols && cols->is_array()) {
                for (const auto& col : cols->get_array()) {
                    if (col.is_string() && !t.column_by_gql(col.get_string())) {
                        throw field_failure("\"" + std::string(col.get_string()) +
                                            "\" is a constraint, not a column: update_columns names columns");
                    }
                    if (col.is_string() && !given.count(std::string(col.get_string()))) {
                        throw field_failure("Column \"" + std::string(col.get_string()) +
                                            "\" cannot be set on conflicts without being explicitly provided in the "
                                            "objects to insert");
                    }
                }
            }
        }
        std::vector<std::string> ids;
        for (const auto& o : objects) {
            if (!o.is_object()) continue;
            std::vector<bound_value> params;
            std::string columns, values;
            for (const auto& [key, v] : o.get_object()) {
                auto c = t.column_by_gql(key);
                if (!c) continue;
                params.push_back(sql_compiler::to_bound(t.columns[*c], v));
                columns += (columns.empty() ? "" : ", ") + sqlite::quote_identifier(t.columns[*c].name);
                values += (values.empty() ? "?" : ", ?") + std::to_string(params.size());
            }
            std::string sql = "INSERT INTO " + quoted;
            if (columns.empty()) {
                sql += " DEFAULT VALUES";
            } else {
                sql += " (" + columns + ") VALUES (" + values + ")";
                for (const auto& c : conflicts) {
                    if (!c.is_object()) continue;
                    const auto& co = c.get_object();
                    std::string target;
                    if (const auto* cols = co.if_contains("constraint")) {
                        // Columns (AirGQL) or, Hasura's way, a named constraint's columns.
                        std::vector<std::size_t> chosen;
                        auto add = [&](const boost::json::value& n) {
                            if (!n.is_string()) return;
                            std::vector<std::size_t> cols;
                            if (auto idx = t.column_by_gql(n.get_string())) {
                                cols.push_back(*idx);
                            } else {
                                for (const auto& u : t.constraints) {
                                    if (u.gql_name == n.get_string()) cols = u.columns;
                                }
                            }
                            for (auto idx : cols) {
                                if (std::find(chosen.begin(), chosen.end(), idx) != chosen.end()) continue;
                                chosen.push_back(idx);
                                target += (target.empty() ? "" : ", ") + sqlite::quote_identifier(t.columns[idx].name);
                            }
                        };
                        if (cols->is_array()) {
                            for (const auto& n : cols->get_array()) add(n);
                        } else {
                            add(*cols);
                        }
                    }
                    sql += " ON CONFLICT (" + target + ")";
                    std::string set;
                    if (const auto* cols = co.if_contains("update_columns"); cols && cols->is_array()) {
                        for (const auto& n : cols->get_array()) {
                            if (auto idx = n.is_string() ? t.column_by_gql(n.get_string()) : std::nullopt) {
                                auto q = sqlite::quote_identifier(t.columns[*idx].name);
                                set += (set.empty() ? "" : ", ") + q + " = excluded." + q;
                            }
                        }
                    }
                    if (set.empty()) {
                        sql += " DO NOTHING";
                        continue;
                    }
                    sql += " DO UPDATE SET " + set;
                    if (const auto* w = co.if_contains("where"); w && w->is_object() && !w->get_object().empty()) {
                        sql += " WHERE " + compiler_.condition(table, w->get_object(), quoted, params);
                    }
                }
            }
            sql += " RETURNING " + compiler_.row_identity(table, quoted);
            auto got = run_returning(conn, sql, params, affected);
            ids.insert(ids.end(), got.begin(), got.end());
        }
        return ids;
    }

    execution_context ctx_;
    database::hosted_database& db_;
    const execution_settings& settings_;
    sql_compiler compiler_;
    // For queries' root fields: TEXT columns read without a check (compile_settings::
    // unchecked_text); compiler_ again when SQLite meets a BLOB there.
    sql_compiler fast_compiler_;
    std::string data_;
    bool data_null_ = false;
    bool too_large_ = false;
    bool touched_view_ = false;
    // Rewritten selections of `<t>_stream` fields (stable addresses: the compiler keeps them).
    std::deque<selection> synthetic_;
    std::deque<selection_set> synthetic_sets_;
    std::size_t stream_batch_ = 0;
    std::shared_ptr<query_plan> plan_out_;
    bool plan_failed_ = false;
    std::vector<error_entry> errors_;
};

}  // namespace

execution_result execute_operation(const schema& s, const document& doc, const operation& op,
                                   boost::json::object variables, database::hosted_database& db,
                                   const execution_settings& settings) {
    executor e(s, doc, std::move(variables), db, settings);
    auto body = e.run(op);
    execution_result out;
    out.body = std::move(body);
    out.cacheable = op.type == operation_type::query && e.reads_only_tables() && !e.had_errors();
    out.stream_rows = e.stream_rows;
    out.stream_last = std::move(e.stream_last);
    out.stream_full = e.stream_full;
    out.plan = e.plan();
    return out;
}

std::string request_error_body(const std::vector<error_entry>& errors, bool with_null_data) {
    return std::string(with_null_data ? "{\"data\":null," : "{") + "\"errors\":" + errors_json(errors) + "}";
}

}  // namespace airsql::graphql
