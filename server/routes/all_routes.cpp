// SPDX-License-Identifier: Apache-2.0
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

void add_all_routes(router& r) {
    add_meta_routes(r);
    add_user_routes(r);
    add_account_page_routes(r);
    add_team_routes(r);
    add_database_routes(r);
    add_database_file_routes(r);
    add_sql_routes(r);
    add_token_routes(r);
    add_graphql_routes(r);
    add_table_routes(r);
    add_file_routes(r);
    add_csv_routes(r);
    add_settings_routes(r);
    add_server_settings_routes(r);
    add_billing_routes(r);
    add_export_routes(r);
    add_chart_routes(r);
    add_app_routes(r);
    add_prompt_routes(r);
    add_console_routes(r);
    add_function_routes(r);
}

}  // namespace airsql::server
