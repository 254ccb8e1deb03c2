# SPDX-License-Identifier: Apache-2.0
"""Conan 2 recipe for libairsql (the library; the server is built with AIRSQL_BUILD_SERVER)."""
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class AirsqlConan(ConanFile):
    name = "airsql"
    version = "0.1.0"
    license = "Apache-2.0"
    description = "Host SQLite databases with an instant GraphQL API and an SQL endpoint"
    topics = ("sqlite", "graphql", "database")
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False], "with_server": [True, False]}
    default_options = {"shared": False, "fPIC": True, "with_server": False}
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "libairsql/*", "server/*")

    def requirements(self):
        self.requires("sqlitecpp/3.3.1")
        self.requires("sqlite3/3.45.0")
        self.requires("boost/1.81.0", transitive_headers=True)
        self.requires("fmt/9.1.0")
        self.requires("libsodium/cci.20220430")
        self.requires("libmagic/5.45")
        self.requires("pcre2/10.42")
        self.requires("libcurl/8.6.0")
        self.requires("libarchive/3.7.4")  # apps: zip bundles
        if self.options.with_server:
            self.requires("cli11/2.3.2")

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.variables["AIRSQL_BUILD_SERVER"] = bool(self.options.with_server)
        tc.variables["AIRSQL_BUILD_TESTS"] = False
        tc.variables["AIRSQL_BUILD_EXAMPLES"] = False
        tc.variables["AIRSQL_INSTALL"] = True
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "airsql")
        self.cpp_info.set_property("cmake_target_name", "airsql::airsql")
        self.cpp_info.libs = ["airsql"]
        self.cpp_info.defines = ["BOOST_JSON_NO_LIB", "BOOST_URL_NO_LIB"]
        self.cpp_info.requires = ["sqlitecpp::sqlitecpp", "sqlite3::sqlite3", "boost::headers",
                                  "fmt::fmt", "libsodium::libsodium",
                                  "libmagic::libmagic", "pcre2::pcre2-8",
                                  "libcurl::libcurl", "libarchive::libarchive"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread", "dl"]
