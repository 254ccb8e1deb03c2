// SPDX-License-Identifier: Apache-2.0
#include "files/media_type.hpp"

#include "catch.hpp"

using namespace airsql::files;

TEST_CASE("media types are detected from the first bytes", "[files]") {
    auto png = detect_media_type(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 29));
    CHECK(png.media_type == "image/png");
    CHECK(png.extension == "png");
    auto pdf = detect_media_type("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
    CHECK(pdf.media_type == "application/pdf");
    CHECK(pdf.extension == "pdf");
    CHECK(detect_media_type("hello, world\n").media_type == "text/plain");
    auto empty = detect_media_type("");
    CHECK(empty.media_type == "application/octet-stream");
    CHECK(empty.extension.empty());
    CHECK(detect_media_type(std::string("\x01\x02\x03\xff\xfe", 5)).media_type ==
          "application/octet-stream");
}

TEST_CASE("client media types are kept only when well-formed", "[files]") {
    CHECK(clean_media_type("image/png") == "image/png");
    CHECK(clean_media_type(" Image/PNG ") == "image/png");
    CHECK(clean_media_type("text/plain;charset=UTF-8") == "text/plain; charset=UTF-8");
    CHECK(clean_media_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document") ==
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    CHECK_FALSE(clean_media_type(""));
    CHECK_FALSE(clean_media_type("application/octet-stream"));
    CHECK_FALSE(clean_media_type("png"));
    CHECK_FALSE(clean_media_type("image/"));
    CHECK_FALSE(clean_media_type("/png"));
    CHECK_FALSE(clean_media_type("text/html\r\nSet-Cookie: a=b"));
    CHECK_FALSE(clean_media_type("text/plain; x=\"\n\""));
    CHECK_FALSE(clean_media_type("image/p ng"));
    CHECK_FALSE(clean_media_type("a/" + std::string(300, 'b')));
}

TEST_CASE("client file names lose paths and control characters", "[files]") {
    CHECK(clean_file_name("report.pdf") == "report.pdf");
    CHECK(clean_file_name("C:\\Users\\ann\\report.pdf") == "report.pdf");
    CHECK(clean_file_name("../../etc/passwd") == "passwd");
    CHECK(clean_file_name("a\r\nb\t.txt") == "ab.txt");
    CHECK(clean_file_name("  spaced name.txt  ") == "spaced name.txt");
    CHECK(clean_file_name("Grüße \"quoted\".txt") == "Grüße \"quoted\".txt");
    CHECK(clean_file_name("bad\xff.txt") == "bad\xEF\xBF\xBD.txt");
    CHECK_FALSE(clean_file_name(""));
    CHECK_FALSE(clean_file_name("dir/"));
    CHECK_FALSE(clean_file_name(".."));
    CHECK_FALSE(clean_file_name("\r\n"));
    // At most 255 bytes, never cutting a character in two.
    auto long_name = clean_file_name(std::string(254, 'a') + "é.txt");
    REQUIRE(long_name);
    CHECK(long_name->size() == 254);
}
