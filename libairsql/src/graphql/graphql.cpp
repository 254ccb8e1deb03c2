// SPDX-License-Identifier: Apache-2.0
#include "airsql/graphql.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "airsql/error.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/blocking.hpp"
#include "graphql/executor.hpp"
#include "graphql/input_values.hpp"
#include "graphql/parser.hpp"
#include "graphql/validation.hpp"
#include "json/read.hpp"
#include "sqlite/memory_budget.hpp"

namespace airsql {

namespace {

graphql::access_mode mode_for(const auth::database_access& a) {
    if (a.read && a.insert && a.modify) return graphql::access_mode::read_write;
    if (a.read) return graphql::access_mode::read_only;
    if (a.insert && a.modify) return graphql::access_mode::write_only;
    if (a.insert) return graphql::access_mode::insert_only;
    throw error(errc::permission_denied, "you may not use this database's GraphQL API");
}

graphql_response request_error(const graphql_request& request, std::vector<graphql::error_entry> errors) {
    return {graphql::request_error_body(errors, !request.request_errors_without_data), true, false};
}

graphql::schema_view schema_view_of(introspection_view v) {
    switch (v) {
        case introspection_view::airgql_compatible:
            return graphql::schema_view::airgql_compatible;
        case introspection_view::full:
            return graphql::schema_view::full;
        case introspection_view::current:
            return graphql::schema_view::current;
    }
    return graphql::schema_view::full;
}

}  // namespace

namespace {

// execute_graphql with `time_left` as the time limit (a batch shares one).
graphql_response execute_within(engine& eng, const principal& who, std::string_view db_id,
                                const graphql_request& request,
                                std::chrono::milliseconds time_left) {
    auto& e = eng.internals();
    if (request.query.size() > e.opts.graphql_max_document_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the GraphQL document is larger than {} bytes",
                                e.opts.graphql_max_document_bytes));
    }
    auto db = auth::resolve_database(e, who, db_id);
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
    // Everything below may read the database: not on an I/O thread.
    core::about_to_block();

    // Parsed and validated documents are remembered per schema: repeated requests skip both.
    auto parsed = e.graphql_documents.find(request.query, schema);
    std::vector<graphql::error_entry> errors;
    if (!parsed) {
        auto fresh = std::make_shared<graphql::document>();
        try {
            graphql::parse_limits limits;
            limits.max_bytes = e.opts.graphql_max_document_bytes;
            *fresh = graphql::parse(request.query, limits);
        } catch (const graphql::syntax_error& se) {
            return request_error(request, {{se.what(), {se.where()}, {}}});
        }
        graphql::validation_limits limits;
        limits.max_depth = e.opts.graphql_max_depth;
        limits.max_nodes = e.opts.graphql_max_nodes;
        limits.max_aliases = e.opts.graphql_max_aliases;
        errors = graphql::validate(*schema, *fresh, limits);
        if (!errors.empty()) return request_error(request, std::move(errors));
        parsed = fresh;
        e.graphql_documents.remember(request.query, parsed, schema);
    }
    const auto& doc = *parsed;

    const graphql::operation* op = nullptr;
    if (request.operation_name) {
        for (const auto& o : doc.operations) {
            if (o.name == *request.operation_name) op = &o;
        }
        if (!op) return request_error(request, {{"Unknown operation named \"" + *request.operation_name + "\".", {}, {}}});
    } else if (doc.operations.size() == 1) {
        op = &doc.operations.front();
    } else {
        return request_error(
            request,
            {{doc.operations.empty() ? "Must provide an operation."
                                     : "Must provide operation name if query contains multiple operations.",
              {},
              {}}});
    }
    if (request.queries_only && op->type != graphql::operation_type::query) {
        auto r = request_error(request, {{"Only queries may be sent with GET; send mutations with POST.", {op->loc}, {}}});
        r.mutation_refused = true;
        return r;
    }
    auto variables = graphql::coerce_variables(*schema, *op, request.variables, errors);
    if (!errors.empty()) return request_error(request, std::move(errors));

    graphql::execution_settings settings;
    settings.view = schema_view_of(request.view);
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
    const std::string_view op_name = request.operation_name ? *request.operation_name : "";
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
    r.query = json::required_string(o, "query");
    if (const auto* v = o.if_contains("variables"); v && !v->is_null()) {
        if (!v->is_object()) json::fail("field \"variables\" must be an object or null");
        r.variables = v->get_object();
    }
    if (const auto* n = o.if_contains("operationName"); n && !n->is_null()) {
        if (!n->is_string()) json::fail("field \"operationName\" must be a string or null");
        r.operation_name = std::string(n->get_string());
    }
    if (const auto* x = o.if_contains("extensions"); x && !x->is_null() && !x->is_object()) {
        json::fail("field \"extensions\" must be an object or null");
    }
    return r;
}

}  // namespace airsql
