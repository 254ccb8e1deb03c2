// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the GraphQL engine end to end: bytes → airsql::execute_graphql against
// the fixture database (fuzz_fixture.hpp). The input is the document itself; lines starting
// with one of these words (GraphQL comments, so the document stays as it is) set the request:
//   #as owner|root|stranger|anonymous|read|write|writeonly|insertonly|readonly
//   #view full|current|airgql   #queries-only   #no-data-on-error
//   #operation <name>     #variables <JSON object>
//
// AIRSQL_FUZZ_TRACE=1 in the environment prints each response (for writing seeds).
// AIRSQL_FUZZ_TOLERATE lets known, reported bugs pass (fuzz_fixture.hpp).
//
// Invariants: only airsql::error with a 4xx-class code escapes; the body is a JSON object with
// "data" and/or "errors", errors well-formed, and request errors shaped as graphql.hpp says;
// a read-only request answers the same when asked again (then often from the response cache).
// Documents that may mutate are followed by a restore of the fixture rows, so every input
// runs against the same data and the database cannot grow.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>

#include "airsql/airsql.hpp"
#include "fuzz_fixture.hpp"
#include "http_error.hpp"

namespace {

namespace bj = boost::json;
using airsql::fuzz::fail;

struct world {
    airsql::fuzz::engine_fixture fx;
    airsql::principal owner;
    std::string db_id;
    std::string readonly_id;
    // Callers by the name `#as` uses.
    std::map<std::string, airsql::principal, std::less<>> callers;

    world() {
        auto root = fx.as(fx.session("root"));
        owner = fx.as(fx.session("fuzz"));
        auto stranger = fx.as(fx.session("other"));
        db_id = fx.fixture_database(owner, "fuzz");
        readonly_id = airsql::get_database(fx.eng, owner, db_id).readonly_id;
        callers = {{"owner", owner},
                   {"root", root},
                   {"stranger", stranger},
                   {"anonymous", airsql::principal::anonymous()},
                   {"readonly", airsql::principal::readonly_link(readonly_id)}};
        for (auto access : {airsql::token_access::read, airsql::token_access::write,
                            airsql::token_access::writeonly, airsql::token_access::insertonly}) {
            auto t = airsql::create_token(fx.eng, owner,
                                          {.name = std::string(airsql::to_string(access)),
                                           .description = "",
                                           .expiration_utc = std::nullopt,
                                           .permissions = {{db_id, "", access}},
                                           .team_name = "fuzz"});
            callers.emplace(std::string(airsql::to_string(access)), fx.as(t.body));
        }
    }

    void restore_rows() {
        auto r = airsql::run_sql(fx.eng, owner, db_id, {std::string(airsql::fuzz::fixture_rows)});
        if (!r.errors.empty()) {
            fail("the fuzz target could not restore the fixture rows", r.errors[0]);
        }
    }
};

std::unique_ptr<world> the_world;
const bool trace = std::getenv("AIRSQL_FUZZ_TRACE") != nullptr;

// The request an input describes, and who sends it.
struct fuzz_request {
    airsql::graphql_request request;
    const airsql::principal* who = nullptr;
    bool read_only_link = false;
};

fuzz_request read_input(const world& w, std::string_view input) {
    fuzz_request out;
    out.request.query = std::string(input);
    out.who = &w.owner;
    for (std::size_t pos = 0; pos < input.size();) {
        auto end = input.find('\n', pos);
        if (end == std::string_view::npos) end = input.size();
        auto line = input.substr(pos, end - pos);
        pos = end + 1;
        if (line.substr(0, 4) == "#as ") {
            auto name = line.substr(4);
            if (auto it = w.callers.find(name); it != w.callers.end()) {
                out.who = &it->second;
                out.read_only_link = name == "readonly";
            }
        } else if (line == "#view full") {
            out.request.view = airsql::introspection_view::full;
        } else if (line == "#view current") {
            out.request.view = airsql::introspection_view::current;
        } else if (line == "#view airgql") {
            out.request.view = airsql::introspection_view::airgql_compatible;
        } else if (line == "#queries-only") {
            out.request.queries_only = true;
        } else if (line == "#no-data-on-error") {
            out.request.request_errors_without_data = true;
        } else if (line.substr(0, 11) == "#operation ") {
            out.request.operation_name = std::string(line.substr(11));
        } else if (line.substr(0, 11) == "#variables ") {
            boost::system::error_code ec;
            auto v = bj::parse(line.substr(11), ec);
            if (!ec && v.is_object()) out.request.variables = v.get_object();
        }
    }
    return out;
}

void check_locations_and_path(const bj::object& e, const std::string& body) {
    if (const auto* locs = e.if_contains("locations")) {
        if (!locs->is_array()) fail("\"locations\" is not an array", body);
        for (const auto& l : locs->get_array()) {
            const auto* o = l.if_object();
            const auto* line = o ? o->if_contains("line") : nullptr;
            const auto* column = o ? o->if_contains("column") : nullptr;
            if (!line || !column || !line->is_int64() || !column->is_int64() ||
                line->get_int64() < 1 || column->get_int64() < 1) {
                fail("a location is not {line, column} from 1", body);
            }
        }
    }
    if (const auto* path = e.if_contains("path")) {
        if (!path->is_array()) fail("\"path\" is not an array", body);
        for (const auto& p : path->get_array()) {
            if (!p.is_string() && !p.is_int64()) {
                fail("a path entry is neither key nor index", body);
            }
        }
    }
}

void check_response(const fuzz_request& r, const airsql::graphql_response& res) {
    boost::system::error_code ec;
    auto parsed = airsql::fuzz::parse_response(res.body, ec);
    if (ec) fail("response body is not JSON", res.body);
    const auto* body = parsed.if_object();
    if (!body) fail("response body is not a JSON object", res.body);
    const auto* data = body->if_contains("data");
    const auto* errors = body->if_contains("errors");
    if (!data && !errors) fail("response has neither \"data\" nor \"errors\"", res.body);
    if (data && !data->is_object() && !data->is_null()) fail("\"data\" is not an object", res.body);
    if (errors) {
        if (!errors->is_array() || errors->get_array().empty()) {
            fail("\"errors\" is not a non-empty array", res.body);
        }
        for (const auto& e : errors->get_array()) {
            const auto* m = e.is_object() ? e.get_object().if_contains("message") : nullptr;
            if (!m || !m->is_string()) fail("an error without a message", res.body);
            check_locations_and_path(e.get_object(), res.body);
        }
    }
    if (res.request_error) {
        if (!errors) fail("a request error without errors", res.body);
        if (r.request.request_errors_without_data && data) {
            fail("a request error with \"data\" although request_errors_without_data", res.body);
        }
        if (!r.request.request_errors_without_data && (!data || !data->is_null())) {
            fail("a request error without \"data\": null", res.body);
        }
    } else if (!data) {
        fail("an executed request without \"data\"", res.body);
    }
    if (res.mutation_refused && !(r.request.queries_only && res.request_error)) {
        fail("mutation_refused outside queries_only", res.body);
    }
}

// Runs the request; an exception is allowed only as a 4xx-class airsql::error.
std::optional<airsql::graphql_response> run(world& w, const fuzz_request& r) {
    try {
        return airsql::execute_graphql(w.fx.eng, *r.who, r.read_only_link ? w.readonly_id : w.db_id,
                                       r.request);
    } catch (const airsql::error& e) {
        auto status = airsql::server::http_status(e.code());
        if (status < 400 || status > 499) {
            fail("execute_graphql threw an error that is not 4xx",
                 std::string(airsql::to_string(e.code())) + ": " + e.what());
        }
        if (!airsql::fuzz::is_utf8(e.what()) && !airsql::fuzz::tolerated("invalid-utf8")) {
            fail("error message is not UTF-8", e.what());
        }
        if (trace)
            std::fprintf(stderr, "threw %s: %s\n", airsql::to_string(e.code()).data(), e.what());
        return std::nullopt;
    } catch (const std::exception& e) {
        fail("execute_graphql threw something other than airsql::error",
             std::string(typeid(e).name()) + ": " + e.what());
    } catch (...) {
        fail("execute_graphql threw a non-std exception");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    the_world = std::make_unique<world>();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& w = *the_world;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto r = read_input(w, input);
    // Conservative: any document that mentions mutations may have written.
    const bool may_write = input.find("mutation") != std::string_view::npos;

    auto first = run(w, r);
    if (trace) std::fprintf(stderr, "-> %.2000s\n", first ? first->body.c_str() : "(exception)");
    if (first) check_response(r, *first);

    if (may_write) {
        // A request error ran nothing.
        if (first && !first->request_error) w.restore_rows();
    } else if (first && first->body.find("time limit") == std::string::npos) {
        // Same request, same data: the same answer, whether from the response cache, the
        // document cache or a fresh execution.
        auto second = run(w, r);
        if (!second || second->body != first->body ||
            second->request_error != first->request_error ||
            second->mutation_refused != first->mutation_refused) {
            fail("a repeated read-only request answered differently",
                 first->body + "\n--- then ---\n" + (second ? second->body : "(exception)"));
        }
    }
    return 0;
}
