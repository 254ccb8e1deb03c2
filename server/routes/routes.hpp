// SPDX-License-Identifier: Apache-2.0
// Each concern registers its routes; every route is a thin adapter: parse HTTP, call one
// library function, render the result.
#pragma once

namespace airsql::server {

class router;

void add_all_routes(router& r);
void add_meta_routes(router& r);
void add_user_routes(router& r);
void add_account_page_routes(router& r);
void add_team_routes(router& r);
void add_database_routes(router& r);
void add_database_file_routes(router& r);
void add_sql_routes(router& r);
void add_token_routes(router& r);
void add_graphql_routes(router& r);
void add_table_routes(router& r);
void add_file_routes(router& r);
void add_csv_routes(router& r);
void add_settings_routes(router& r);
void add_server_settings_routes(router& r);
void add_billing_routes(router& r);
void add_export_routes(router& r);
void add_chart_routes(router& r);
void add_app_routes(router& r);
void add_prompt_routes(router& r);
void add_console_routes(router& r);
void add_function_routes(router& r);

}  // namespace airsql::server
