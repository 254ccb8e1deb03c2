// SPDX-License-Identifier: Apache-2.0
// Billing events from Paddle (`POST /api/events/paddle?key=…`): subscription changes set the
// `billing` of the team named in the event's `custom_data` (or `passthrough`) JSON as
// `airsequel_team_name`; the plan then decides the team's limits (server settings `plans`).
#pragma once

#include <string_view>

namespace airsql {

class engine;

/// What became of an event.
enum class billing_outcome {
    applied,  ///< the team's billing changed
    stale,    ///< an event as new or newer was applied before (replay or out of order)
    ignored,  ///< an event kind that changes nothing
};

/// Handles one Paddle webhook call. `key` is compared in constant time with the server
/// settings' `paddleWebhookKey` (`unauthenticated` when it differs or none is set). `form` is
/// the `application/x-www-form-urlencoded` body (`invalid_argument` when malformed, or when
/// `event_time`, the team name or a needed field is missing; `not_found` for an unknown team).
/// Events: `subscription_created` and `_updated` and `subscription_payment_succeeded` set the
/// plan (`paddlePlans[subscription_plan_id]`, else "pro"; none when `status` is "deleted"),
/// `subscription_id` and `email_address`; `subscription_cancelled` removes the plan;
/// `subscription_payment_failed` keeps it (Paddle retries the payment). Idempotent by
/// `event_time`. Thread-safe.
billing_outcome handle_paddle_event(engine& eng, std::string_view key, std::string_view form);

}  // namespace airsql
