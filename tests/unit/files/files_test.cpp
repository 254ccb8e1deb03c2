// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <functional>
#include <random>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"
#include "core/engine_impl.hpp"
#include "sqlite/connection.hpp"

using namespace airsql;

namespace {

errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    FAIL("no error");
    return errc::internal;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return {};
}

std::string random_bytes(std::size_t n, unsigned seed = 7) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen() & 0xff);
    return s;
}

const std::string png_head = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 29);

// A signed-in owner with one database of file columns.
struct files_fixture : test::engine_fixture {
    principal ann = user("ann");
    std::string db = database(ann, "ann", R"(
CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT UNIQUE, content BLOB, note TEXT);
CREATE TABLE last (title TEXT, data blob_file);
CREATE TABLE plain (x INTEGER, y TEXT);
CREATE VIEW docs_view AS SELECT * FROM docs;
INSERT INTO docs (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three');
INSERT INTO last (title) VALUES ('a');
INSERT INTO plain VALUES (1, 'x');
)");

    // WITHOUT ROWID tables cannot be created through airsql (uploaded database files may have
    // them): written into the file directly.
    void raw_sql(const std::string& id, const std::string& sql) {
        sqlite::connection conn(data_dir() / "databases" / id / "main.sqlite",
                                sqlite::connection::mode::read_write);
        conn.exec(sql);
    }
    std::filesystem::path data_dir() const { return dir.path(); }

    file_cell cell(std::string table = "docs", std::string column = "content",
                   std::string value = "1", std::string key = "rowid") {
        return {std::move(table), std::move(column), std::move(key), std::move(value)};
    }
    void put(const file_cell& where, std::string_view bytes, std::string name = {},
             std::string type = {}, const principal* who = nullptr) {
        put_file(eng, who ? *who : ann, db, where,
                 byte_source::from_memory(bytes, std::move(name), std::move(type)));
    }
    std::pair<std::string, file_meta> get(const file_cell& where, const principal* who = nullptr,
                                          const std::string* id = nullptr) {
        string_sink sink;
        auto meta = get_file(eng, who ? *who : ann, id ? *id : db, where, sink);
        return {std::move(sink.data), meta};
    }
};

}  // namespace

TEST_CASE("file cells round-trip byte for byte: 0 bytes, 1 byte, 5 MiB", "[files]") {
    files_fixture fx;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{5} << 20}) {
        INFO(size);
        auto bytes = random_bytes(size, static_cast<unsigned>(size));
        fx.put(fx.cell(), bytes, "data.bin", "application/x-test");
        auto [got, meta] = fx.get(fx.cell());
        CHECK(got.size() == size);
        CHECK(got == bytes);
        CHECK(meta.size == size);
        CHECK(meta.media_type == "application/x-test");
        CHECK(meta.file_name == "data.bin");
        CHECK(meta.from_upload);
    }
    // From a file, into the table's last column (the zero-filled row is never built in memory).
    test::temp_dir dir;
    auto path = dir.path() / "upload.bin";
    auto bytes = random_bytes(3 << 20, 3);
    std::ofstream(path, std::ios::binary) << bytes;
    put_file(fx.eng, fx.ann, fx.db, fx.cell("last", "data"),
             byte_source::from_file(path, "upload.bin", "application/octet-stream"));
    auto [got, meta] = fx.get(fx.cell("last", "data"));
    CHECK(got == bytes);
    CHECK(meta.file_name == "upload.bin");
    // application/octet-stream says nothing: the type is detected (random bytes: unknown).
    CHECK(meta.media_type == "application/octet-stream");
    // The other columns of the row are untouched.
    auto rows = run_sql(fx.eng, fx.ann, fx.db, {"SELECT name, note, length(content) AS n FROM docs WHERE id = 1"});
    CHECK(boost::json::value(rows.rows) ==
          boost::json::parse(R"([{"name": "one", "note": null, "n": 5242880}])"));
}

TEST_CASE("uploads larger than max_file_upload_bytes are refused before anything is written",
          "[files]") {
    files_fixture fx;
    fx.put(fx.cell(), "old");
    // The default cap (100 MiB) plus one byte, as a sparse file: refused from its size alone.
    test::temp_dir dir;
    auto path = dir.path() / "big.bin";
    {
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, static_cast<off_t>(options{}.max_file_upload_bytes + 1)) == 0);
        ::close(fd);
    }
    CHECK(code_of([&] {
              put_file(fx.eng, fx.ann, fx.db, fx.cell(), byte_source::from_file(path));
          }) == errc::payload_too_large);
    CHECK(fx.get(fx.cell()).first == "old");

    // A small cap: exactly the cap passes, one more byte does not.
    test::temp_dir data;
    auto opts = test::engine_fixture::make_options(data);
    opts.max_file_upload_bytes = 1000;
    engine small(opts);
    sign_up(small, principal::anonymous(), {"bob", "bob@example.com", "password-bob"});
    auto bob = authenticate(small, {.bearer = login(small, {}, {"bob", "password-bob"}).session_token});
    auto id = create_database(small, bob, {"db", "bob", "CREATE TABLE t (f BLOB); INSERT INTO t VALUES (NULL)", std::nullopt}).id;
    file_cell c{"t", "f", "rowid", "1"};
    put_file(small, bob, id, c, byte_source::from_memory(std::string(1000, 'a')));
    CHECK(code_of([&] {
              put_file(small, bob, id, c, byte_source::from_memory(std::string(1001, 'b')));
          }) == errc::payload_too_large);
    string_sink sink;
    get_file(small, bob, id, c, sink);
    CHECK(sink.data == std::string(1000, 'a'));
}

TEST_CASE("only file columns of existing rows of rowid tables take files", "[files]") {
    files_fixture fx;
    // Not a file column: 400.
    CHECK(code_of([&] { fx.put(fx.cell("docs", "note"), "x"); }) == errc::invalid_argument);
    CHECK_THAT(message_of([&] { fx.put(fx.cell("plain", "y"), "x"); }),
               Catch::Contains("not a file column"));
    CHECK(code_of([&] { fx.get(fx.cell("docs", "name")); }) == errc::invalid_argument);
    // Views, WITHOUT ROWID tables: 400 with a reason.
    fx.raw_sql(fx.db, "CREATE TABLE wr (k TEXT PRIMARY KEY, f BLOB) WITHOUT ROWID; "
                      "INSERT INTO wr VALUES ('k', x'00');");
    CHECK(code_of([&] { fx.put(fx.cell("docs_view", "content"), "x"); }) == errc::invalid_argument);
    CHECK_THAT(message_of([&] { fx.get(fx.cell("wr", "f", "k", "k")); }),
               Catch::Contains("WITHOUT ROWID"));
    // Missing table, column, key column, row: 404.
    CHECK(code_of([&] { fx.put(fx.cell("nope", "content"), "x"); }) == errc::not_found);
    CHECK(code_of([&] { fx.put(fx.cell("docs", "nope"), "x"); }) == errc::not_found);
    CHECK(code_of([&] { fx.put(fx.cell("docs", "content", "1", "nope"), "x"); }) ==
          errc::not_found);
    CHECK(code_of([&] { fx.put(fx.cell("docs", "content", "99"), "x"); }) == errc::not_found);
    CHECK(code_of([&] { fx.put(fx.cell("docs", "content", "abc"), "x"); }) == errc::not_found);
    CHECK(code_of([&] { fx.get(fx.cell("docs", "content", "99")); }) == errc::not_found);
    // SQLite's own tables are not user tables.
    CHECK(code_of([&] { fx.get(fx.cell("sqlite_master", "sql")); }) == errc::not_found);
    // A NULL cell has no file: 404 saying so.
    CHECK(code_of([&] { fx.get(fx.cell("docs", "content", "2")); }) == errc::not_found);
    CHECK_THAT(message_of([&] { fx.get(fx.cell("docs", "content", "2")); }),
               Catch::Contains("NULL"));
    // Names are matched as SQLite matches them: case-insensitively.
    fx.put(fx.cell("DOCS", "Content", "1", "ROWID"), "hello");
    CHECK(fx.get(fx.cell()).first == "hello");
}

TEST_CASE("rows are addressed by rowid, the primary key or a unique column", "[files]") {
    files_fixture fx;
    fx.put(fx.cell("docs", "content", "1", "id"), "by id");
    CHECK(fx.get(fx.cell("docs", "content", "1", "oid")).first == "by id");
    fx.put(fx.cell("docs", "content", "two", "name"), "by name");
    CHECK(fx.get(fx.cell("docs", "content", "2", "_rowid_")).first == "by name");
    // The key is compared with the column's affinity: "01" is the integer 1 in an INTEGER column.
    CHECK(fx.get(fx.cell("docs", "content", "01", "id")).first == "by id");
    // A column that is neither key nor unique could address several rows: refused.
    CHECK(code_of([&] { fx.get(fx.cell("docs", "content", "x", "note")); }) ==
          errc::invalid_argument);

    // A column named rowid hides the rowid; _rowid_ still reaches it; the user's "rowid"
    // column is an ordinary column (not unique: refused).
    auto id = fx.database(fx.ann, "ann",
                          "CREATE TABLE t (rowid TEXT, f BLOB); INSERT INTO t VALUES ('r', NULL);"
                          "CREATE TABLE k (code TEXT PRIMARY KEY, f BLOB); "
                          "INSERT INTO k VALUES ('a/b c', NULL);");
    put_file(fx.eng, fx.ann, id, {"t", "f", "_rowid_", "1"}, byte_source::from_memory("hidden"));
    string_sink sink;
    get_file(fx.eng, fx.ann, id, {"t", "f", "oid", "1"}, sink);
    CHECK(sink.data == "hidden");
    CHECK(code_of([&] {
              get_file(fx.eng, fx.ann, id, {"t", "f", "rowid", "1"}, sink);
          }) == errc::invalid_argument);
    // A TEXT primary key of a rowid table, with characters that need encoding in URLs.
    put_file(fx.eng, fx.ann, id, {"k", "f", "code", "a/b c"}, byte_source::from_memory("text key"));
    string_sink by_code;
    get_file(fx.eng, fx.ann, id, {"k", "f", "code", "a/b c"}, by_code);
    CHECK(by_code.data == "text key");
}

TEST_CASE("the upload's file name and media type are kept while the cell holds its bytes",
          "[files]") {
    files_fixture fx;
    fx.put(fx.cell(), png_head, "../../etc/Photo \"1\".png", "Image/PNG");
    auto [got, meta] = fx.get(fx.cell());
    CHECK(meta.file_name == "Photo \"1\".png");  // no path; quotes are the HTTP layer's job
    CHECK(meta.media_type == "image/png");
    CHECK(meta.from_upload);
    CHECK_FALSE(meta.uploaded_utc.empty());

    // Replaced: the new upload's facts, not the old ones.
    fx.put(fx.cell(), "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "report.pdf",
           "application/pdf");
    meta = fx.get(fx.cell()).second;
    CHECK(meta.file_name == "report.pdf");
    CHECK(meta.media_type == "application/pdf");

    // Replaced without a name or type: detected from the content, named after the cell.
    fx.put(fx.cell(), png_head);
    meta = fx.get(fx.cell()).second;
    CHECK(meta.media_type == "image/png");
    CHECK(meta.file_name == "docs-content-1.png");
    CHECK(meta.from_upload);

    // Changed behind the upload's back (SQL), even to bytes of the same size: the stored facts
    // no longer describe the cell and are not answered.
    fx.put(fx.cell(), "abcd", "four.txt", "text/x-four");
    run_sql(fx.eng, fx.ann, fx.db, {"UPDATE docs SET content = CAST('wxyz' AS BLOB) WHERE id = 1"});
    auto [bytes, stale] = fx.get(fx.cell());
    CHECK(bytes == "wxyz");
    CHECK_FALSE(stale.from_upload);
    CHECK(stale.file_name != "four.txt");
    CHECK(stale.media_type != "text/x-four");
    // Never uploaded through put_file (set by SQL): detected, named after the cell.
    run_sql(fx.eng, fx.ann, fx.db, {"UPDATE docs SET content = x'255044462d312e340a' WHERE id = 3"});
    meta = fx.get(fx.cell("docs", "content", "3")).second;
    CHECK(meta.media_type == "application/pdf");
    CHECK(meta.file_name == "docs-content-3.pdf");
    CHECK_FALSE(meta.from_upload);
}

TEST_CASE("a failed upload rolls back and leaves the old bytes and their name", "[files]") {
    files_fixture fx;
    fx.put(fx.cell(), "old bytes", "old.txt", "text/plain");
    // A source that ends early fails in the middle of the copy.
    test::temp_dir dir;
    auto path = dir.path() / "short.bin";
    std::ofstream(path, std::ios::binary) << random_bytes(600 * 1024);
    auto source = byte_source::from_file(path, "new.bin");
    source.length = 2 << 20;  // claims more than the file has
    CHECK(code_of([&] { put_file(fx.eng, fx.ann, fx.db, fx.cell(), source); }) == errc::internal);
    auto [bytes, meta] = fx.get(fx.cell());
    CHECK(bytes == "old bytes");
    CHECK(meta.file_name == "old.txt");
    CHECK(meta.media_type == "text/plain");

    // The database size cap: the zero-filled blob does not fit, nothing changes.
    test::temp_dir data;
    auto opts = test::engine_fixture::make_options(data);
    opts.max_database_bytes = 512 * 1024;
    engine small(opts);
    sign_up(small, principal::anonymous(), {"bob", "bob@example.com", "password-bob"});
    auto bob = authenticate(small, {.bearer = login(small, {}, {"bob", "password-bob"}).session_token});
    auto id = create_database(small, bob, {"db", "bob", "CREATE TABLE t (f BLOB); INSERT INTO t VALUES (x'01')", std::nullopt}).id;
    file_cell c{"t", "f", "rowid", "1"};
    auto big = random_bytes(1 << 20);
    CHECK(code_of([&] { put_file(small, bob, id, c, byte_source::from_memory(big)); }) ==
          errc::resource_exhausted);
    string_sink sink;
    get_file(small, bob, id, c, sink);
    CHECK(sink.data == std::string("\x01"));
}

TEST_CASE("uploading needs the right to change rows, downloading the right to read", "[files][auth]") {
    files_fixture fx;
    auto vic = fx.user("vic");
    auto eddie = fx.user("eddie");
    auto stranger = fx.user("stranger");
    set_member_roles(fx.eng, fx.ann, "ann", "vic", {{team_role::viewer}});
    set_member_roles(fx.eng, fx.ann, "ann", "eddie", {{team_role::editor}});
    auto token = [&](token_access a) {
        auto t = create_token(fx.eng, fx.ann, {"t", "", std::nullopt, {{fx.db, "", a}}, "ann"});
        return authenticate(fx.eng, {.bearer = t.body});
    };
    auto read = token(token_access::read);
    auto write = token(token_access::write);
    auto writeonly = token(token_access::writeonly);
    auto insertonly = token(token_access::insertonly);
    auto ro = get_database(fx.eng, fx.ann, fx.db).readonly_id;
    auto link = principal::readonly_link(ro);
    auto anon = principal::anonymous();
    auto c = fx.cell();
    fx.put(c, "v0");

    // Uploads: editors, admins, write and writeonly tokens.
    int n = 0;
    for (const auto* who : {&fx.ann, &eddie, &write, &writeonly}) {
        auto bytes = "v" + std::to_string(++n);
        fx.put(c, bytes, {}, {}, who);
        CHECK(fx.get(c).first == bytes);
    }
    for (const auto* who : {&vic, &read, &insertonly}) {
        CHECK(code_of([&] { fx.put(c, "no", {}, {}, who); }) == errc::permission_denied);
    }
    CHECK_THAT(message_of([&] { fx.put(c, "no", {}, {}, &insertonly); }),
               Catch::Contains("insert-only"));
    CHECK(code_of([&] { put_file(fx.eng, link, ro, c, byte_source::from_memory("no")); }) ==
          errc::permission_denied);
    for (const auto* who : {&stranger, &anon}) {
        CHECK(code_of([&] { fx.put(c, "no", {}, {}, who); }) == errc::not_found);
    }
    // Downloads: readers; the read-only link by its read-only id only.
    for (const auto* who : {&fx.ann, &vic, &read, &write}) CHECK(fx.get(c, who).first == "v4");
    CHECK(fx.get(c, &link, &ro).first == "v4");
    CHECK(code_of([&] { fx.get(c, &link); }) == errc::not_found);  // the private id
    for (const auto* who : {&writeonly, &insertonly}) {
        CHECK(code_of([&] { fx.get(c, who); }) == errc::permission_denied);
    }
    for (const auto* who : {&stranger, &anon}) {
        CHECK(code_of([&] { fx.get(c, who); }) == errc::not_found);
    }
    // Public databases: anyone reads, nobody new writes.
    update_database(fx.eng, fx.ann, fx.db, {.visibility = visibility::public_read});
    CHECK(fx.get(c, &anon).first == "v4");
    CHECK(code_of([&] { fx.put(c, "no", {}, {}, &anon); }) == errc::permission_denied);
}

TEST_CASE("GraphQL file URLs resolve to the file cell through the read-only id", "[files][graphql]") {
    files_fixture fx;
    fx.put(fx.cell("docs", "content", "2"), "through graphql", "g.txt", "text/plain");
    auto id = fx.database(fx.ann, "ann",
                          "CREATE TABLE t (rowid TEXT, f BLOB); INSERT INTO t VALUES ('r', x'00');");
    fx.raw_sql(id, "CREATE TABLE w (k TEXT PRIMARY KEY, f BLOB) WITHOUT ROWID; "
                   "INSERT INTO w VALUES ('k', x'01');");
    auto url_of = [&](const std::string& db, const std::string& query, const std::string& table,
                      const std::string& column, int row) {
        graphql_request req;
        req.query = query;
        auto res = execute_graphql(fx.eng, fx.ann, db, req);
        auto body = boost::json::parse(res.body);
        INFO(res.body);
        auto cell = body.at("data").at(table).at(row).at(column);
        REQUIRE(cell.is_string());
        return std::string(boost::json::parse(cell.as_string()).at("url").as_string());
    };
    // /readonly/<readonly id>/tables/<t>/columns/<c>/files/<key>/<value>
    auto follow = [&](const std::string& url) {
        std::vector<std::string> parts;
        std::size_t pos = 1;
        while (pos <= url.size()) {
            auto next = url.find('/', pos);
            if (next == std::string::npos) next = url.size();
            parts.push_back(url.substr(pos, next - pos));
            pos = next + 1;
        }
        REQUIRE(parts.size() == 9);
        CHECK(parts[0] == "readonly");
        string_sink sink;
        auto meta = get_file(fx.eng, principal::readonly_link(parts[1]), parts[1],
                             {parts[3], parts[5], parts[7], parts[8]}, sink);
        return std::pair{sink.data, meta};
    };
    auto [bytes, meta] = follow(url_of(fx.db, "{ docs(where: {id: {_eq: 2}}) { content } }", "docs", "content", 0));
    CHECK(bytes == "through graphql");
    CHECK(meta.file_name == "g.txt");
    // A column named rowid: the URL names the rowid by a name the column does not hide.
    auto url = url_of(id, "{ t { f } }", "t", "f", 0);
    CHECK_THAT(url, Catch::Contains("/files/_rowid_/1"));
    CHECK(follow(url).first == std::string(1, '\0'));
    // WITHOUT ROWID: no URL, a field error that says why.
    graphql_request req;
    req.query = "{ w { f } }";
    auto res = execute_graphql(fx.eng, fx.ann, id, req);
    CHECK_THAT(res.body, Catch::Contains("WITHOUT ROWID"));
}

TEST_CASE("file columns are those whose declared type starts with BLOB", "[files]") {
    for (auto t : {"BLOB", "blob", "Blob_Image", "BLOB_FILE_PDF", "BLOBINT", "BLOB_POINT"}) {
        CHECK(is_file_column_type(t));
    }
    for (auto t : {"", "BLO", "TEXT", "MYBLOB", " BLOB", "INTEGER"}) CHECK_FALSE(is_file_column_type(t));
}

TEST_CASE("upload facts follow a new database id and go with the database", "[files]") {
    files_fixture fx;
    fx.put(fx.cell(), "kept", "kept.txt", "text/plain");
    auto new_id = regenerate_database_id(fx.eng, fx.ann, fx.db);
    string_sink sink;
    auto meta = get_file(fx.eng, fx.ann, new_id, fx.cell(), sink);
    CHECK(sink.data == "kept");
    CHECK(meta.file_name == "kept.txt");
    auto& catalog = fx.eng.internals().catalog;
    CHECK(catalog.find_file_metadata(new_id, "docs", "content", 1));
    delete_database(fx.eng, fx.ann, new_id);
    CHECK_FALSE(catalog.find_file_metadata(new_id, "docs", "content", 1));
}
