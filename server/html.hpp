// SPDX-License-Identifier: Apache-2.0
// Text placed into the HTML pages the server renders (API docs, playground, account pages).
#pragma once

#include <string>
#include <string_view>

namespace airsql::server {

/// `s` with &, <, >, " and ' escaped: safe in element content and in quoted attributes.
std::string escape_html(std::string_view s);

}  // namespace airsql::server
