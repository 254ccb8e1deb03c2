// SPDX-License-Identifier: Apache-2.0
// The tables of a hosted database file that are not the user's: SQLite's own (`sqlite_*`) and
// airsql's event queue (event triggers: `_airsql_event_queue`). The one place for that rule:
// listings, lookups and schema snapshots paste these conditions into their SQL, and the
// authorizer refuses the queue to user SQL (confinement.cpp).
//
// Macros, so that the conditions join the SQL string literals at compile time (statements
// prepared once and cached keep a literal as their text).
#pragma once

/// The event queue table's name, as an SQL string literal's content.
#define AIRSQL_EVENT_QUEUE_TABLE "_airsql_event_queue"

/// SQL condition: the table named by column `col` is the user's (neither SQLite's own nor
/// airsql's). `col` is a string literal, e.g. "m.name".
#define AIRSQL_SQL_USER_TABLE(col) \
    "(" col " NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND " col " != '" AIRSQL_EVENT_QUEUE_TABLE "')"

/// SQL condition: the table named by column `col` is not airsql's own (SQLite's stay: the
/// `.schema` text shows them as the sqlite3 shell does).
#define AIRSQL_SQL_NOT_AIRSQL_TABLE(col) "(" col " != '" AIRSQL_EVENT_QUEUE_TABLE "')"
