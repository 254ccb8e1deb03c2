// SPDX-License-Identifier: Apache-2.0
#include "airsql/html.hpp"
#include "catch.hpp"

TEST_CASE("escape_html escapes what could end content or a quoted attribute", "[html]") {
    CHECK(airsql::escape_html("") == "");
    CHECK(airsql::escape_html("plain text é") == "plain text é");
    CHECK(airsql::escape_html(R"(<script>alert("x" & 'y')</script>)") ==
          "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
    // Already escaped text is escaped again (no double-decoding assumptions).
    CHECK(airsql::escape_html("&amp;") == "&amp;amp;");
}
