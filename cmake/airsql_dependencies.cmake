# SPDX-License-Identifier: Apache-2.0
# Finds libairsql's dependencies. Used by the build and by the installed package config,
# because a static libairsql needs its private dependencies at the consumer's final link.
include(CMakeFindDependencyMacro)
find_dependency(SQLiteCpp 3.2)
find_dependency(SQLite3)
find_dependency(Boost 1.81 CONFIG COMPONENTS json url)
find_dependency(fmt 9)
find_dependency(Threads)
find_dependency(PkgConfig)
if(NOT TARGET PkgConfig::sodium)
    pkg_check_modules(sodium REQUIRED IMPORTED_TARGET GLOBAL libsodium>=1.0.18)
endif()
if(NOT TARGET PkgConfig::pcre2)
    pkg_check_modules(pcre2 REQUIRED IMPORTED_TARGET GLOBAL libpcre2-8>=10.34)
endif()
if(NOT TARGET PkgConfig::libmagic)
    pkg_check_modules(libmagic REQUIRED IMPORTED_TARGET GLOBAL libmagic>=5)
endif()
