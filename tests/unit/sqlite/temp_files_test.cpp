// SPDX-License-Identifier: Apache-2.0
// SQLite's temporary files are bounded (sqlite/temp_files.hpp): a sort that outgrows memory may
// spill only so far, through the SQL endpoint and GraphQL alike, and the bytes come back.
#include "sqlite/temp_files.hpp"

#include <string>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

TEST_CASE("a sort that spills past the temporary-file limit fails; the space comes back",
          "[sqlite][limits]") {
    test::engine_fixture fx([](options& o) { o.max_temp_file_bytes = 8 * 1024 * 1024; });
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    // 300,000 rows of ~110 bytes sorted in full (the OFFSET keeps SQLite from keeping only
    // the top rows): far more than a connection's sort memory.
    auto sort = [](int rows) {
        return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " +
               std::to_string(rows) +
               ") SELECT x, hex(randomblob(50)) AS b FROM c ORDER BY b LIMIT 1 OFFSET 1000000000";
    };
    auto r = run_sql(fx.eng, ada, db, {sort(300'000)});
    REQUIRE(r.errors.size() == 1);
    CHECK_THAT(r.errors[0], Catch::Contains("full"));
    CHECK(sqlite::temp_file_bytes() == 0);
    // A sort within memory is untouched; so is one that spills less than the limit.
    CHECK(run_sql(fx.eng, ada, db, {sort(1'000)}).errors.empty());
    CHECK(run_sql(fx.eng, ada, db, {sort(40'000)}).errors.empty());  // ~4 MB
    CHECK(sqlite::temp_file_bytes() == 0);
    // The same query with the limit lifted runs.
    sqlite::set_temp_file_limit(0);
    CHECK(run_sql(fx.eng, ada, db, {sort(300'000)}).errors.empty());
    CHECK(sqlite::temp_file_bytes() == 0);
}
