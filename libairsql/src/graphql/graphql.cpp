// SPDX-License-Identifier: Apache-2.0
#include "airsql/graphql.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "airsql/error.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/blocking.hpp"
#include "core/pending_commits.hpp"
#include "graphql/executor.hpp"
#include "graphql/input_values.hpp"
#include "graphql/parser.hpp"
#include "graphql/prepare.hpp"
#include "graphql/validation.hpp"
#include "json/read.hpp"
#include "sqlite/memory_budget.hpp"

namespace airsql {

namespace {

graphql::access_mode mode_for(const auth::database_access& a) {
    return graphql::mode_of(a.read, a.insert, a.modify);
}

graphql_response request_error(const graphql_request& request, std::vector<graphql::error_entry> errors) {
    return {graphql::request_error_body(errors, !request.request_errors_without_data), true, false};
}

}  // namespace

bool selects_subscription(const graphql_request& request, std::size_t max_document_bytes) {
    if (request.query.size() > max_document_bytes) return false;
    try {
        auto doc = graphql::parse(request.query);
        for (const auto& op : doc.operations) {
            bool selected = request.operation_name ? op.name == *request.operation_name
                                                   : doc.operations.size() == 1;
            if (selected) return op.type == graphql::operation_type::subscription;
        }
    } catch (const graphql::syntax_error&) {
    }
    return false;
}

namespace {

// execute_graphql with `time_left` as the time limit (a batch shares one).
graphql_response execute_within(engine& eng, const principal& who, std::string_view db_id,
                                const graphql_request& sent,
                                std::chrono::milliseconds time_left) {
    auto& e = eng.internals();
    if (sent.query.size() > e.opts.graphql_max_document_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the GraphQL document is larger than {} bytes",
                                e.opts.graphql_max_document_bytes));
    }
    auto db = auth::resolve_database(e, who, db_id);
    std::optional<graphql_request> resolved;
    if (auto refusal = graphql::resolve_persisted_query(e.graphql_persisted, db.record.id, sent, resolved)) {
        return std::move(*refusal);
    }
    const graphql_request& request = resolved ? *resolved : sent;
    auto mode = mode_for(db.access);
    auto hosted = e.databases.open(db.record.id);
    auto schema = e.graphql_schemas.get(*hosted, mode);

    // A cached response, if this exact request was answered since the last write.
    auto data_generation = hosted->data_generation();
    std::string cache_key;
    if (e.graphql_responses.enabled()) {
        cache_key = fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n", db.record.id, data_generation,
                                hosted->schema_version(), static_cast<int>(mode),
                                static_cast<int>(request.view), db.record.readonly_id,
                                request.operation_name.value_or(""),
                                request.variables.empty() ? "" : boost::json::serialize(request.variables));
        cache_key += request.query;
        if (auto hit = e.graphql_responses.get(cache_key)) return {std::move(*hit), false, false};
    }
    // Everything below may read the database: not on an I/O thread, unless an
    // inline_scope allows a query's reads under its deadline.
    core::about_to_block(core::blocking::bounded_read);

    auto prepared = graphql::prepare_operation(e, schema, request);
    if (!prepared.errors.empty()) return request_error(request, std::move(prepared.errors));
    const auto& doc = *prepared.doc;
    const graphql::operation* op = prepared.op;
    std::vector<graphql::error_entry> errors;
    if (op->type == graphql::operation_type::subscription) {
        return request_error(request, {{"Subscriptions need a streaming transport: a WebSocket "
                                        "(graphql-transport-ws) or Server-Sent Events (Accept: "
                                        "text/event-stream).",
                                        {op->loc},
                                        {}}});
    }
    if (request.queries_only && op->type != graphql::operation_type::query) {
        auto r = request_error(request, {{"Only queries may be sent with GET; send mutations with POST.", {op->loc}, {}}});
        r.mutation_refused = true;
        return r;
    }
    if (inline_scope::active()) {
        bool may_write = op->type == graphql::operation_type::mutation && inline_scope::writes_allowed();
        if (op->type != graphql::operation_type::query && !may_write) {
            throw error(errc::would_block, "this operation does not run inline");
        }
        // Parsing and validating a large document (not cached yet) is CPU work too: it counts
        // against the budget. Small documents cannot cost much, so they skip the clock read.
        if (request.query.size() > 2048 && inline_scope::cpu_used() > inline_scope::budget()) {
            inline_scope::note_overrun();
            throw error(errc::would_block, "the document took the inline budget to validate");
        }
    }
    auto variables = graphql::coerce_variables(*schema, *op, request.variables, errors);
    if (!errors.empty()) return request_error(request, std::move(errors));

    graphql::execution_settings settings;
    settings.view = graphql::schema_view_of(request.view);
    settings.file_url_id = db.record.readonly_id;
    settings.max_rows = e.opts.graphql_max_rows;
    settings.timeout = time_left;
    settings.max_response_bytes = e.opts.graphql_max_response_bytes;
    if (op->type == graphql::operation_type::mutation) {
        settings.audit = audit::context_for(e, who, db.record);
    }
    // A query without variables compiles the same way every time (all it compiles comes from
    // the document, the schema and the file URL id; values are bound at run time): its
    // compiled root fields are kept beside the document, for this schema. Writes keep them.
    const bool plannable = op->type == graphql::operation_type::query && variables.empty();
    const std::string_view op_name =
        request.operation_name ? std::string_view(*request.operation_name) : std::string_view();
    if (plannable) {
        settings.plan =
            e.graphql_documents.find_plan(request.query, schema, op_name, settings.file_url_id);
        settings.want_plan = !settings.plan;
    }
    sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
    auto over_budget = [&] {
        return request_error(request, {{fmt::format("the request needs more than {} bytes of "
                                                    "memory; select fewer rows or fields",
                                                    budget.limit()),
                                        {},
                                        {}}});
    };
    graphql::execution_result result;
    try {
        result = graphql::execute_operation(*schema, doc, *op, std::move(variables), *hosted,
                                            settings);
    } catch (const error&) {
        if (budget.exceeded()) return over_budget();
        throw;
    }
    // Whatever failed for lack of memory failed because of this request's own budget, and
    // SQL functions may have answered NULL when memory ran out: such an answer is not served.
    if (budget.exceeded()) return over_budget();
    if (result.plan) {
        e.graphql_documents.remember_plan(request.query, schema, op_name, settings.file_url_id,
                                          std::move(result.plan));
    }
    // Stored under the generation read before executing: a write that raced with this read
    // moved the generation on, so the entry is never served after that write.
    if (result.cacheable && !cache_key.empty()) e.graphql_responses.put(cache_key, result.body);
    return {std::move(result.body), false, false};
}

}  // namespace

namespace graphql {

access_mode mode_of(bool read, bool insert, bool modify) {
    if (read && insert && modify) return access_mode::read_write;
    if (read) return access_mode::read_only;
    if (insert && modify) return access_mode::write_only;
    if (insert) return access_mode::insert_only;
    throw error(errc::permission_denied, "you may not use this database's GraphQL API");
}

schema_view schema_view_of(introspection_view v) {
    switch (v) {
        case introspection_view::airgql_compatible:
            return schema_view::airgql_compatible;
        case introspection_view::full:
            return schema_view::full;
        case introspection_view::current:
            return schema_view::current;
    }
    return schema_view::full;
}

prepared_operation prepare_operation(engine::impl& e, const std::shared_ptr<const schema>& s,
                                     const graphql_request& request) {
    prepared_operation out;
    // Parsed and validated documents are remembered per schema: repeated requests skip both.
    auto parsed = e.graphql_documents.find(request.query, s);
    if (!parsed) {
        auto fresh = std::make_shared<document>();
        try {
            parse_limits limits;
            limits.max_bytes = e.opts.graphql_max_document_bytes;
            *fresh = parse(request.query, limits);
        } catch (const syntax_error& se) {
            out.errors.push_back({se.what(), {se.where()}, {}});
            return out;
        }
        validation_limits limits;
        limits.max_depth = e.opts.graphql_max_depth;
        limits.max_nodes = e.opts.graphql_max_nodes;
        limits.max_aliases = e.opts.graphql_max_aliases;
        out.errors = validate(*s, *fresh, limits);
        if (!out.errors.empty()) return out;
        parsed = fresh;
        e.graphql_documents.remember(request.query, parsed, s);
    }
    out.doc = parsed;
    const auto& doc = *parsed;
    if (request.operation_name) {
        for (const auto& o : doc.operations) {
            if (o.name == *request.operation_name) out.op = &o;
        }
        if (!out.op) {
            out.errors.push_back({"Unknown operation named \"" + *request.operation_name + "\".", {}, {}});
        }
    } else if (doc.operations.size() == 1) {
        out.op = &doc.operations.front();
    } else {
        out.errors.push_back({doc.operations.empty()
                                  ? "Must provide an operation."
                                  : "Must provide operation name if query contains multiple operations.",
                              {},
                              {}});
    }
    return out;
}

}  // namespace graphql

graphql_response execute_graphql(engine& eng, const principal& who, std::string_view db_id,
                                 const graphql_request& request) {
    return execute_within(eng, who, db_id, request, eng.internals().opts.graphql_timeout);
}

std::vector<graphql_response> execute_graphql_batch(engine& eng, const principal& who,
                                                    std::string_view db_id,
                                                    const boost::json::array& batch,
                                                    introspection_view view,
                                                    bool request_errors_without_data) {
    const auto max = eng.internals().opts.graphql_max_batch;
    if (batch.empty()) {
        throw error(errc::invalid_argument, "a batch needs at least one GraphQL request");
    }
    if (batch.size() > max) {
        throw error(errc::invalid_argument,
                    fmt::format("a batch may hold at most {} GraphQL requests, not {}", max,
                                batch.size()));
    }
    // One time limit for the whole batch: 50 elements must not hold a worker 50 times as long.
    const auto limit = eng.internals().opts.graphql_timeout;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const auto max_bytes = eng.internals().opts.graphql_max_response_bytes;
    std::size_t total_bytes = 0;
    std::vector<graphql_response> out;
    out.reserve(batch.size());
    // Inline, a later element refused after an earlier one committed would run the batch again
    // elsewhere: a batch of several writes nothing inline.
    std::optional<core::inline_writes_refused> reads_only;
    if (batch.size() > 1) reads_only.emplace();
    for (const auto& element : batch) {
        graphql_request request;
        request.view = view;
        request.request_errors_without_data = request_errors_without_data;
        try {
            auto read = boost::json::value_to<graphql_request>(element);
            read.view = view;
            read.request_errors_without_data = request_errors_without_data;
            request = std::move(read);
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                throw error(errc::invalid_argument,
                            fmt::format("the batch ran past its time limit of {} ms; this request "
                                        "did not run",
                                        limit.count()));
            }
            auto answer = execute_within(eng, who, db_id, request, left);
            // And one response cap: each answer is capped, their sum must be too.
            if (total_bytes + answer.body.size() > max_bytes) {
                throw error(errc::invalid_argument,
                            fmt::format("the batch's answers are larger than {} bytes; this "
                                        "request's answer is left out",
                                        max_bytes));
            }
            total_bytes += answer.body.size();
            out.push_back(std::move(answer));
        } catch (const error& e) {
            // Only this element's own fault; anything about the database or the caller (or
            // would_block on an I/O thread) ends the whole batch.
            if (e.code() != errc::invalid_argument) throw;
            out.push_back(request_error(request, {{e.what(), {}, {}}}));
        }
    }
    return out;
}

std::string default_query(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    auto hosted = e.databases.open(db.record.id);
    auto schema = e.graphql_schemas.get(*hosted, graphql::access_mode::read_only);
    if (schema->model->tables.empty()) return "";
    const auto& t = schema->model->tables.front();
    std::string out = "query " + t.gql_name + "Query {\n  " + t.gql_name + "( limit: 100 ) {\n";
    for (const auto& c : t.columns) out += "    " + c.gql_name + "\n";
    return out + "  }\n}\n";
}

graphql_request tag_invoke(boost::json::value_to_tag<graphql_request>, const boost::json::value& jv) {
    const auto& o = json::as_object(jv);
    graphql_request r;
    if (const auto* x = o.if_contains("extensions"); x && !x->is_null()) {
        if (!x->is_object()) json::fail("field \"extensions\" must be an object or null");
        read_graphql_extensions(r, x->get_object());
    }
    if (r.persisted_query_hash.empty() || (o.contains("query") && !o.at("query").is_null())) {
        r.query = json::required_string(o, "query");
    }
    if (const auto* v = o.if_contains("variables"); v && !v->is_null()) {
        if (!v->is_object()) json::fail("field \"variables\" must be an object or null");
        r.variables = v->get_object();
    }
    if (const auto* n = o.if_contains("operationName"); n && !n->is_null()) {
        if (!n->is_string()) json::fail("field \"operationName\" must be a string or null");
        r.operation_name = std::string(n->get_string());
    }
    return r;
}

void read_graphql_extensions(graphql_request& request, const boost::json::object& extensions) {
    const auto* pq = extensions.if_contains("persistedQuery");
    if (!pq || pq->is_null()) return;
    if (!pq->is_object()) json::fail("extensions.persistedQuery must be an object");
    const auto& o = pq->get_object();
    const auto* version = o.if_contains("version");
    if (!version || !version->is_number() || version->to_number<double>() != 1) {
        json::fail("Unsupported persisted query version (only version 1 is supported)");
    }
    const auto* hash = o.if_contains("sha256Hash");
    if (!hash || !hash->is_string()) json::fail("extensions.persistedQuery needs a sha256Hash");
    std::string hex(hash->get_string());
    if (hex.size() != 64) json::fail("extensions.persistedQuery.sha256Hash must be 64 hex digits");
    for (auto& c : hex) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            json::fail("extensions.persistedQuery.sha256Hash must be 64 hex digits");
        }
    }
    request.persisted_query_hash = std::move(hex);
}

}  // namespace airsql
