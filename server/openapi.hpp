// SPDX-License-Identifier: Apache-2.0
// The OpenAPI 3.1 description of the server's HTTP API, generated from the router's table (the
// same table /api/docs renders), so it cannot drift from the routes.
#pragma once

#include <boost/json/object.hpp>

namespace airsql::server {

class router;

/// Every route as an operation: path parameters from the pattern's `:name` segments, the
/// example request and response bodies as examples, and JSON Schemas inferred from them
/// (objects require the keys their example shows).
boost::json::object openapi_document(const router& r);

}  // namespace airsql::server
