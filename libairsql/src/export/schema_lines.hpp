// SPDX-License-Identifier: Apache-2.0
// The sqlite3 CLI's way of printing one schema statement (`printSchemaLine` in its shell.c),
// shared by `.schema`-style text and SQL exports.
#pragma once

#include <string>
#include <string_view>

namespace airsql::exporting {

/// Appends `sql` and `;\n` as the CLI prints a schema statement: a statement whose text ends
/// inside a comment gets the comment closed first (the CLI tries "", "*/" and "\n" and keeps
/// the first that makes a complete statement), and `CREATE TABLE "x"` / `CREATE TABLE 'x'`
/// becomes `CREATE TABLE IF NOT EXISTS "x"`.
void append_schema_line(std::string& out, std::string_view sql);

}  // namespace airsql::exporting
