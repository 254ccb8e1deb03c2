// SPDX-License-Identifier: Apache-2.0
#include "airsql/billing.hpp"
#include "airsql/error.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

void add_billing_routes(router& r) {
    r.add("POST", "/api/events/paddle",
          {"Billing",
           "Paddle webhook (application/x-www-form-urlencoded), authorised by ?key= (the "
           "server settings' paddleWebhookKey): subscription events set the billing of the "
           "team named in custom_data.airsequel_team_name. Idempotent by event_time.",
           "alert_name=subscription_created&custom_data=%7B%22airsequel_team_name%22%3A%22cool-"
           "team%22%7D&email=john%40example.org&event_time=2023-08-06T15%3A33%3A25.859Z&"
           "status=active&subscription_id=7&subscription_plan_id=4",
           "{}"},
          [](route_context& c) {
              auto key = c.query("key").value_or("");
              if (!c.req.header("Content-Type").starts_with("application/x-www-form-urlencoded")) {
                  // The key first: an unauthorised caller learns nothing about the format.
                  handle_paddle_event(c.eng, key, "");
                  throw error(errc::invalid_argument,
                              "expected an application/x-www-form-urlencoded body");
              }
              handle_paddle_event(c.eng, key, c.req.body);
              return json_response(bj::object{});
          });
}

}  // namespace airsql::server
