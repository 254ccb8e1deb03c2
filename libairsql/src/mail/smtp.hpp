// SPDX-License-Identifier: Apache-2.0
// One mail over SMTP with libcurl.
#pragma once

#include <string>

#include "airsql/server_settings.hpp"

namespace airsql::mail {

/// A plain-text mail.
struct message {
    std::string to;
    std::string subject;
    std::string body;
};

/// The whole RFC 5322 text (headers and body, CRLF line ends) of `m` from `from`.
std::string render(const message& m, const std::string& from);

/// Sends `m` through the relay of `smtp`. Returns "" on success, else libcurl's error text
/// (without credentials). Blocks up to ~40 s (connect 10 s, whole transfer 30 s).
std::string send_smtp(const smtp_settings& smtp, const message& m);

}  // namespace airsql::mail
