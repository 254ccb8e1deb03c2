// SPDX-License-Identifier: Apache-2.0
// Compiles Boost.JSON and Boost.URL into libairsql (AIRSQL_BOOST_JSON_HEADER_ONLY): no runtime
// .so dependency, and usable in a shared libairsql (Debian's static Boost libraries are not PIC).
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
