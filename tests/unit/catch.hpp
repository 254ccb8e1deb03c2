// SPDX-License-Identifier: Apache-2.0
// The one include of Catch2 (v2.13 on Debian 12); moving to v3 is an edit here.
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
