// SPDX-License-Identifier: Apache-2.0
// Text placed into HTML that airsql renders: the server's pages (API docs, playground, account
// pages) and the context injected into an app's index.html.
#pragma once

#include <string>
#include <string_view>

namespace airsql {

/// `s` with &, <, >, " and ' escaped: safe in element content and in quoted attributes.
std::string escape_html(std::string_view s);

}  // namespace airsql
