// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the graphql-ws message reader (server/graphql_ws_protocol.hpp): any
// text frame either reads as a client message or comes back with an error; it never throws.
// A message that reads has a type, an id of 1 to 256 bytes where one is needed, and the
// server's answers built from it are JSON that parses back to the same id.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "fuzz_fixture.hpp"
#include "graphql_ws_protocol.hpp"

namespace ws = airsql::server::graphql_ws;
using airsql::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ws::parse_outcome out;
    try {
        out = ws::parse_client_message(text);
    } catch (const std::exception& e) {
        fail("parse_client_message threw", e.what());
    }
    if (!out.message) {
        if (out.error.empty()) fail("a refused message has no reason", std::string(text));
        if (out.error.size() > 200)
            fail("a close reason must fit a close frame (123 bytes)", out.error);
        return 0;
    }
    const auto& m = *out.message;
    bool needs_id = m.type == ws::message_type::subscribe || m.type == ws::message_type::complete;
    if (needs_id && (m.id.empty() || m.id.size() > 256)) fail("a bad id was accepted", m.id);
    if (!needs_id && !m.id.empty()) fail("an id where none is read", m.id);
    if (m.type == ws::message_type::subscribe && !m.has_payload)
        fail("subscribe without payload", "");
    if (needs_id) {
        for (const auto& built : {ws::next_message(m.id, "{}"), ws::complete_message(m.id),
                                  ws::error_message(m.id, "[]")}) {
            boost::system::error_code ec;
            auto v = boost::json::parse(built, ec);
            if (ec || !v.is_object() || v.as_object().at("id").as_string() != m.id) {
                fail("an answer does not carry the id back", built);
            }
        }
    }
    return 0;
}
