// SPDX-License-Identifier: Apache-2.0
// Apps: the bundle reader's refusals (zip bombs, unsafe names, symlinks, duplicates, limits),
// and through the public API: storing, listing, replacing, deleting, opening with a
// database-scoped session, and what that session may not do.
#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "airsql/airsql.hpp"
#include "apps/bundle.hpp"
#include "catch.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
namespace fs = std::filesystem;

namespace {

errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;  // "did not throw"
}

struct zip_entry {
    zip_entry(std::string n, std::string d, unsigned t = AE_IFREG, std::string l = {})
        : name(std::move(n)), data(std::move(d)), type(t), link(std::move(l)) {}
    std::string name;
    std::string data;
    unsigned type = AE_IFREG;
    std::string link;  // symlink target
};

la_ssize_t append(struct archive*, void* out, const void* data, size_t n) {
    static_cast<std::string*>(out)->append(static_cast<const char*>(data), n);
    return static_cast<la_ssize_t>(n);
}

// A zip written with libarchive (deflate), entries as given, names unchecked.
std::string make_zip(const std::vector<zip_entry>& entries) {
    std::string out;
    auto* a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &out, nullptr, append, nullptr);
    for (const auto& e : entries) {
        auto* entry = archive_entry_new();
        archive_entry_set_pathname(entry, e.name.c_str());
        archive_entry_set_filetype(entry, e.type);
        archive_entry_set_perm(entry, 0644);
        if (e.type == AE_IFLNK) archive_entry_set_symlink(entry, e.link.c_str());
        archive_entry_set_size(entry,
                               e.type == AE_IFREG ? static_cast<la_int64_t>(e.data.size()) : 0);
        archive_write_header(a, entry);
        if (e.type == AE_IFREG) archive_write_data(a, e.data.data(), e.data.size());
        archive_entry_free(entry);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

std::map<std::string, std::string> read(std::string_view bytes, apps::bundle_limits limits = {}) {
    std::map<std::string, std::string> files;
    apps::read_bundle(bytes, limits, [&](const std::string& path, std::string_view data) {
        files[path] = std::string(data);
    });
    return files;
}

errc refusal(std::string_view bytes, apps::bundle_limits limits = {}) {
    return code_of([&] { read(bytes, limits); });
}

const std::string index_html =
    "<!doctype html><html><head><title>t</title></head><body>"
    "<script src=\"app.js\"></script></body></html>";

}  // namespace

TEST_CASE("bundle paths: only plain relative names", "[apps]") {
    CHECK(apps::path_problem("index.html").empty());
    CHECK(apps::path_problem("assets/app.js").empty());
    CHECK(apps::path_problem("a/b~c/é.png").empty());
    for (const std::string& bad :
         std::vector<std::string>{"", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a\\b",
                                  "..\\x", "C:/x", "c:x", "~k/x", "a\tb", std::string("a\0b", 3),
                                  std::string("\xff\xfe", 2), std::string(600, 'a')}) {
        INFO(bad);
        CHECK_FALSE(apps::path_problem(bad).empty());
    }
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "d/";
    CHECK_FALSE(apps::path_problem(deep + "x").empty());
}

TEST_CASE("a zip unpacks; one top folder is taken away; one HTML file is index.html", "[apps]") {
    auto files = read(make_zip({{"index.html", index_html}, {"js/app.js", "let x = 1;"}}));
    CHECK(files.size() == 2);
    CHECK(files.at("index.html") == index_html);
    CHECK(files.at("js/app.js") == "let x = 1;");

    files = read(
        make_zip({{"dist/", "", AE_IFDIR}, {"dist/index.html", index_html}, {"dist/app.js", "1"}}));
    CHECK(files.size() == 2);
    CHECK(files.count("index.html") == 1);
    CHECK(files.count("app.js") == 1);

    files = read("<h1>hello</h1>");
    CHECK(files.size() == 1);
    CHECK(files.at("index.html") == "<h1>hello</h1>");
}

TEST_CASE("bundles without index.html, or neither zip nor HTML, are refused", "[apps]") {
    CHECK(refusal(make_zip({{"app.js", "1"}})) == errc::invalid_argument);
    CHECK(refusal(make_zip({{"a/index.html", "x"}, {"b/index.html", "x"}})) ==
          errc::invalid_argument);
    CHECK(refusal(make_zip({})) == errc::invalid_argument);
    CHECK(refusal("") == errc::invalid_argument);
    CHECK(refusal(std::string("\x89PNG\r\n\x1a\n\0\0", 10)) == errc::invalid_argument);
    CHECK(refusal("PK\x03\x04 this is not really a zip") == errc::invalid_argument);
    CHECK(refusal(std::string("<p>\xff</p>")) == errc::invalid_argument);
}

TEST_CASE("unsafe zip entries are refused", "[apps]") {
    auto with = [](zip_entry e) { return make_zip({{"index.html", index_html}, std::move(e)}); };
    CHECK(refusal(with({"../escape.js", "1"})) == errc::invalid_argument);
    CHECK(refusal(with({"a/../../escape.js", "1"})) == errc::invalid_argument);
    CHECK(refusal(with({"/etc/cron.d/x", "1"})) == errc::invalid_argument);
    CHECK(refusal(with({"..\\..\\escape.js", "1"})) == errc::invalid_argument);
    CHECK(refusal(with({"C:/Windows/x.js", "1"})) == errc::invalid_argument);
    CHECK(refusal(with({"link", "", AE_IFLNK, "/etc/passwd"})) == errc::invalid_argument);
    CHECK(refusal(with({"index.html", "again"})) == errc::invalid_argument);
    CHECK(refusal(make_zip({{"index.html", index_html}, {"a", "1"}, {"a/b", "2"}})) ==
          errc::invalid_argument);
    CHECK(refusal(with({"~key/x.js", "1"})) == errc::invalid_argument);
    CHECK(refusal(make_zip({{"dist/index.html", "x"}, {"dist/~key/x.js", "1"}})) ==
          errc::invalid_argument);
    // A NUL in a stored name (libarchive alone would cut the name at it).
    auto nul = with({"aXb.js", "1"});
    for (auto at = nul.find("aXb.js"); at != std::string::npos; at = nul.find("aXb.js", at)) {
        nul[at + 1] = '\0';
    }
    CHECK(refusal(nul) == errc::invalid_argument);
}

TEST_CASE("zip bombs and oversize bundles are refused from the bytes unpacked", "[apps]") {
    // 64 MiB of zeros packs into about 64 KiB: over the ratio and the per-file cap.
    auto bomb = make_zip({{"index.html", index_html}, {"zeros.bin", std::string(64 << 20, '\0')}});
    CHECK(bomb.size() < 1024 * 1024);
    CHECK(refusal(bomb) == errc::payload_too_large);

    apps::bundle_limits small;
    small.max_file_bytes = 1000;
    CHECK(refusal(make_zip({{"index.html", std::string(2000, 'a')}}), small) ==
          errc::payload_too_large);
    small = {};
    small.max_unpacked_bytes = 3000;
    CHECK(refusal(make_zip({{"index.html", std::string(2000, 'a')}, {"b", std::string(2000, 'b')}}),
                  small) == errc::payload_too_large);
    small = {};
    small.max_files = 3;
    CHECK(refusal(make_zip({{"index.html", "x"}, {"a", "1"}, {"b", "2"}, {"c", "3"}}), small) ==
          errc::payload_too_large);
    small = {};
    small.max_bundle_bytes = 10;
    CHECK(refusal("<h1>more than ten bytes</h1>", small) == errc::payload_too_large);
    small = {};
    small.max_ratio = 2;
    small.ratio_floor_bytes = 100;
    CHECK(refusal(make_zip({{"index.html", std::string(5000, 'a')}}), small) ==
          errc::payload_too_large);
}

namespace {

struct apps_fixture : test::engine_fixture {
    principal ann = user("ann");
    std::string db = database(ann, "ann",
                              "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                              "INSERT INTO notes (body) VALUES ('hello');");
    std::string zip = make_zip({{"index.html", index_html}, {"app.js", "console.log(1);"}});

    app_info upload(const principal& who, std::string bytes, std::string name = "board") {
        bundle_bytes = std::move(bytes);
        return create_app(eng, who, db,
                          {byte_source::from_memory(bundle_bytes, "board.zip"), name, "Board"});
    }
    std::string bundle_bytes;

    principal scoped(const app_launch& l) {
        return authenticate(eng, credentials{.bearer = l.token});
    }
};

}  // namespace

TEST_CASE_METHOD(apps_fixture, "concurrent changes of one database's apps keep names unique",
                 "[apps]") {
    // Eight uploads of the same name at once (a 2 MiB page each, so unpacking takes a while):
    // exactly one app is created.
    const std::string page = "<!doctype html><p>" + std::string(2 << 20, 'x') + "</p>";
    std::atomic<int> created{0}, taken{0};
    std::vector<std::thread> uploads;
    for (int i = 0; i < 8; ++i) {
        uploads.emplace_back([&] {
            try {
                create_app(eng, ann, db, {byte_source::from_memory(page, "same.html"), "same", ""});
                ++created;
            } catch (const error& e) {
                if (e.code() == errc::already_exists) ++taken;
            }
        });
    }
    for (auto& t : uploads) t.join();
    CHECK(created == 1);
    CHECK(taken == 7);
    auto listed = list_apps(eng, ann, db);
    REQUIRE(listed.size() == 1);

    // A rename racing a replace never points the app at a retired version: its files stay.
    std::thread replace([&] {
        for (int i = 0; i < 5; ++i) {
            replace_app(eng, ann, db, listed[0].id,
                        {byte_source::from_memory(page, "same.html"), std::nullopt, std::nullopt});
        }
    });
    for (int i = 0; i < 5; ++i) {
        update_app(eng, ann, db, listed[0].id,
                   {std::nullopt, std::string("title ") + char('0' + i)});
    }
    replace.join();
    auto file = read_app_file(eng, ann, db, listed[0].id, "index.html");
    CHECK(fs::exists(file.path));
    CHECK(file.size == page.size());
}

TEST_CASE_METHOD(apps_fixture, "apps are stored, listed, replaced and deleted", "[apps]") {
    auto a = upload(ann, zip);
    CHECK(a.name == "board");
    CHECK(a.title == "Board");
    CHECK(a.file_count == 2);
    CHECK(a.size_bytes == index_html.size() + 15);
    CHECK(a.upload_bytes == zip.size());
    auto listed = list_apps(eng, ann, db);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0] == a);
    // Names are unique in the database.
    CHECK(code_of([&] { upload(ann, zip); }) == errc::already_exists);
    CHECK(code_of([&] { upload(ann, zip, "../x"); }) == errc::invalid_argument);

    auto file = read_app_file(eng, ann, db, a.id, "app.js");
    CHECK(file.media_type.starts_with("text/javascript"));
    CHECK(file.size == 15);
    CHECK(fs::exists(file.path));
    CHECK(code_of([&] { read_app_file(eng, ann, db, a.id, "nope.js"); }) == errc::not_found);
    CHECK(code_of([&] { read_app_file(eng, ann, db, a.id, "../app.js"); }) == errc::not_found);

    bundle_bytes = make_zip({{"index.html", "<p>v2</p>"}, {"style.css", "p{}"}});
    auto b = replace_app(eng, ann, db, a.id,
                         {byte_source::from_memory(bundle_bytes), std::nullopt, std::nullopt});
    CHECK(b.id == a.id);
    CHECK(b.name == "board");
    CHECK(b.file_count == 2);
    CHECK_FALSE(fs::exists(file.path));  // the old version's files are gone
    CHECK(code_of([&] { read_app_file(eng, ann, db, a.id, "app.js"); }) == errc::not_found);
    CHECK(read_app_file(eng, ann, db, a.id, "style.css").media_type.starts_with("text/css"));

    auto c = update_app(eng, ann, db, a.id, {std::string("renamed"), std::nullopt});
    CHECK(c.name == "renamed");
    CHECK(c.title == "Board");

    auto folder = read_app_file(eng, ann, db, a.id, "style.css").path.parent_path().parent_path();
    delete_app(eng, ann, db, a.id);
    CHECK(list_apps(eng, ann, db).empty());
    CHECK_FALSE(fs::exists(folder));
    CHECK(code_of([&] { delete_app(eng, ann, db, a.id); }) == errc::not_found);
}

TEST_CASE_METHOD(apps_fixture, "a refused bundle leaves nothing behind", "[apps]") {
    CHECK(code_of([&] {
              upload(ann, make_zip({{"index.html", "x"}, {"../y", "1"}}));
          }) == errc::invalid_argument);
    CHECK(list_apps(eng, ann, db).empty());
    auto folder = eng.internals().opts.data_dir / "databases" / db / "apps";
    std::size_t left = 0;
    if (fs::exists(folder)) {
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(folder)) ++left;
    }
    CHECK(left == 0);
    eng.internals().opts.max_app_bundle_bytes = 100;
    CHECK(code_of([&] { upload(ann, std::string(200, 'a')); }) == errc::payload_too_large);
}

TEST_CASE_METHOD(apps_fixture, "names, titles and the count of apps have limits", "[apps]") {
    CHECK(code_of([&] { upload(ann, zip, std::string(65, 'a')); }) == errc::invalid_argument);
    CHECK(code_of([&] { upload(ann, zip, ".hidden"); }) == errc::invalid_argument);
    CHECK(code_of([&] { upload(ann, zip, ""); }) == errc::invalid_argument);
    CHECK(upload(ann, zip, std::string(64, 'a')).name.size() == 64);
    auto a = list_apps(eng, ann, db).front();
    CHECK(code_of([&] {
              update_app(eng, ann, db, a.id, {std::nullopt, std::string(201, 't')});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              update_app(eng, ann, db, a.id, {std::nullopt, std::string("a\nb")});
          }) == errc::invalid_argument);
    CHECK(update_app(eng, ann, db, a.id, {std::nullopt, std::string(200, 't')}).title.size() ==
          200);
    // The default name comes from the uploaded file's name.
    bundle_bytes = zip;
    auto b = create_app(
        eng, ann, db,
        {byte_source::from_memory(bundle_bytes, "../My Board.v2.zip"), std::nullopt, std::nullopt});
    CHECK(b.name == "My-Board");
    eng.internals().opts.max_apps_per_database = 2;
    CHECK(code_of([&] { upload(ann, zip, "third"); }) == errc::failed_precondition);
}

TEST_CASE_METHOD(apps_fixture, "viewers open apps, only editors manage them", "[apps]") {
    auto a = upload(ann, zip);
    auto bob = user("bob");
    CHECK(code_of([&] { list_apps(eng, bob, db); }) == errc::not_found);
    CHECK(code_of([&] { open_app(eng, bob, db, a.id); }) == errc::not_found);
    set_member_roles(eng, ann, "ann", "bob", {{team_role::viewer}});
    CHECK(list_apps(eng, bob, db).size() == 1);
    CHECK_FALSE(open_app(eng, bob, db, a.id).token.empty());
    CHECK(code_of([&] { upload(bob, zip, "other"); }) == errc::permission_denied);
    CHECK(code_of([&] { delete_app(eng, bob, db, a.id); }) == errc::permission_denied);
    CHECK(code_of([&] {
              update_app(eng, bob, db, a.id, {std::string("x"), std::nullopt});
          }) == errc::permission_denied);
    // Anonymous visitors: public databases only, and without a session.
    CHECK(code_of([&] { open_app(eng, principal::anonymous(), db, a.id); }) == errc::not_found);
    database_patch p;
    p.visibility = visibility::public_read;
    update_database(eng, ann, db, p);
    auto launch = open_app(eng, principal::anonymous(), db, a.id);
    CHECK(launch.token.empty());
    CHECK(launch.html.find(R"(&quot;token&quot;:null)") != std::string::npos);
}

TEST_CASE_METHOD(apps_fixture, "opening an app injects its context and nonces its scripts",
                 "[apps]") {
    auto a = upload(ann, zip);
    auto l = open_app(eng, ann, db, a.id);
    auto head = l.html.find("<head>");
    REQUIRE(head != std::string::npos);
    CHECK(l.html.find(R"(<meta name="airsql-app")") == head + 6);
    CHECK(l.html.find(fmt::format(R"(<base href="/dbs/{}/apps/{}/{}/">)", db, a.id, l.asset_key)) !=
          std::string::npos);
    CHECK(l.html.find("&quot;token&quot;:&quot;" + l.token + "&quot;") != std::string::npos);
    CHECK(l.html.find("<script nonce=" + l.script_nonce + " src=\"app.js\">") != std::string::npos);
    // The asset key opens the app's files to anyone (the sandboxed page has no cookie) ...
    auto f = read_app_file(eng, principal::anonymous(), db, a.id, l.asset_key + "/app.js");
    CHECK(f.size == 15);
    // ... for this app of this database only, and not once tampered with.
    auto bad_key = l.asset_key;
    bad_key.back() = bad_key.back() == '0' ? '1' : '0';
    CHECK(code_of([&] {
              read_app_file(eng, principal::anonymous(), db, a.id, bad_key + "/app.js");
          }) == errc::not_found);
    auto expired = "~1" + l.asset_key.substr(l.asset_key.find('-'));
    CHECK(code_of([&] {
              read_app_file(eng, principal::anonymous(), db, a.id, expired + "/app.js");
          }) == errc::not_found);
    auto other_app = upload(ann, zip, "second");
    CHECK(code_of([&] {
              read_app_file(eng, principal::anonymous(), db, other_app.id, l.asset_key + "/app.js");
          }) == errc::not_found);
    // Without a key, an anonymous caller may not read a private database's app.
    CHECK(code_of([&] { read_app_file(eng, principal::anonymous(), db, a.id, "app.js"); }) ==
          errc::not_found);
}

TEST_CASE_METHOD(apps_fixture, "an app's session reaches its database only, with no more rights",
                 "[apps]") {
    auto a = upload(ann, zip);
    auto other = database(ann, "ann", "CREATE TABLE secrets (x TEXT);");
    database_patch p;
    p.visibility = visibility::public_read;
    auto pub = database(ann, "ann", "CREATE TABLE open (x TEXT);");
    update_database(eng, ann, pub, p);

    auto l = open_app(eng, ann, db, a.id);
    auto app = scoped(l);
    CHECK(app.kind() == principal_kind::app_session);
    CHECK(app.db_scope() == db);
    CHECK(app.user_id() == ann.user_id());
    // Its own database: the user's data rights ...
    auto r = run_sql(eng, app, db, {"SELECT body FROM notes"});
    CHECK(r.errors.empty());
    CHECK(run_sql(eng, app, db, {"INSERT INTO notes (body) VALUES ('from app')"}).errors.empty());
    // ... but not the Admin-only ones (delete the database, change its settings).
    CHECK(code_of([&] { delete_database(eng, app, db); }) == errc::permission_denied);
    // Nothing on any other database: not the user's other one, not even a public one.
    CHECK(code_of([&] { run_sql(eng, app, other, {"SELECT * FROM secrets"}); }) == errc::not_found);
    CHECK(code_of([&] { run_sql(eng, app, pub, {"SELECT * FROM open"}); }) == errc::not_found);
    // Nothing that needs a signed-in user: database lists, teams, tokens, new databases.
    CHECK(code_of([&] { list_databases(eng, app); }) == errc::permission_denied);
    CHECK(code_of([&] { get_team(eng, app, "ann"); }) == errc::permission_denied);
    CHECK(code_of([&] {
              create_token(eng, app, {"t", "", std::nullopt, {}, "ann"});
          }) == errc::permission_denied);
    CHECK(code_of([&] { database(app, "ann", ""); }) == errc::permission_denied);
    CHECK(code_of([&] { logout(eng, app); }) == errc::unauthenticated);
    // Openings mint sessions: the newest 20 per user and database live on.
    std::vector<std::string> tokens;
    for (int i = 0; i < 21; ++i) tokens.push_back(open_app(eng, ann, db, a.id).token);
    CHECK(code_of([&] { authenticate(eng, credentials{.bearer = tokens.front()}); }) ==
          errc::unauthenticated);
    CHECK(authenticate(eng, credentials{.bearer = tokens.back()}).db_scope() == db);
    CHECK(authenticate(eng, credentials{.bearer = tokens[1]}).db_scope() == db);
    // The user's login session is untouched.
    CHECK(list_databases(eng, ann).databases.size() >= 2);
    // It cannot open apps (so cannot renew itself), nor manage them.
    CHECK(code_of([&] { open_app(eng, app, db, a.id); }) == errc::permission_denied);
    CHECK(code_of([&] { delete_app(eng, app, db, a.id); }) == errc::permission_denied);
}
