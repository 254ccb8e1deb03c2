// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the request-body conversions: bytes → boost::json::parse (as the router
// parses bodies) → boost::json::value_to<T> for every request type of the public headers.
// A conversion either succeeds or throws airsql::error with invalid_argument (json/read.hpp:
// bad input is a 400 naming the field), whose message is UTF-8 (it ends up in a JSON body).
// Any other exception would reach the router's catch-all and become a 500.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "airsql/airsql.hpp"
#include "airsql/functions.hpp"
#include "fuzz_fixture.hpp"

namespace {

using airsql::fuzz::fail;

template <class T>
void convert(const boost::json::value& body, std::string_view type_name) {
    try {
        (void)boost::json::value_to<T>(body);
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument) {
            fail("value_to threw an airsql::error other than invalid_argument",
                 std::string(type_name) + ": " + std::string(airsql::to_string(e.code())) + ": " +
                     e.what());
        }
        if (!airsql::fuzz::is_utf8(e.what()) && !airsql::fuzz::tolerated("invalid-utf8")) {
            fail("value_to error message is not UTF-8", std::string(type_name) + ": " + e.what());
        }
    } catch (const std::exception& e) {
        fail("value_to threw something other than airsql::error",
             std::string(type_name) + ": " + typeid(e).name() + ": " + e.what());
    } catch (...) {
        fail("value_to threw a non-std exception", type_name);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The router's parse: default options but a depth of 64 (route_context::json_body).
    boost::json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    auto body = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec,
                                   {}, opts);
    if (ec) return 0;

    convert<airsql::sign_up_request>(body, "sign_up_request");
    convert<airsql::login_request>(body, "login_request");
    convert<airsql::create_database_request>(body, "create_database_request");
    convert<airsql::database_patch>(body, "database_patch");
    convert<airsql::sql_request>(body, "sql_request");
    convert<airsql::create_token_request>(body, "create_token_request");
    convert<airsql::token_patch>(body, "token_patch");
    convert<airsql::member_roles_request>(body, "member_roles_request");
    convert<airsql::graphql_request>(body, "graphql_request");
    convert<airsql::function_input>(body, "function_input");
    convert<airsql::function_patch>(body, "function_patch");
    return 0;
}
