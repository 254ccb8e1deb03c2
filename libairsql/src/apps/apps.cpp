// SPDX-License-Identifier: Apache-2.0
#include "airsql/apps.hpp"
#include "airsql/html.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "apps/bundle.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/disk_space.hpp"
#include "core/ids.hpp"
#include "json/read.hpp"
#include "json/utf8.hpp"

namespace airsql {

namespace bj = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view app_kind = "app";
constexpr std::size_t max_name_bytes = 64;
constexpr std::size_t max_title_bytes = 200;

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

// ---- stored form: the catalog's database_objects row (kind "app") ----

struct stored_file {
    std::uint64_t size = 0;
    std::string sha256;
};

struct stored_app {
    app_info info;
    std::string version;  // the folder the current files are in
    std::map<std::string, stored_file> files;
};

std::string body_of(const stored_app& a) {
    bj::object files;
    for (const auto& [path, f] : a.files) {
        files[path] = bj::array{f.size, f.sha256};
    }
    bj::object o{{"name", a.info.name},
                 {"title", a.info.title},
                 {"version", a.version},
                 {"sizeBytes", a.info.size_bytes},
                 {"uploadBytes", a.info.upload_bytes},
                 {"createdUtc", a.info.created_utc},
                 {"updatedUtc", a.info.updated_utc},
                 {"files", std::move(files)}};
    return bj::serialize(o);
}

stored_app app_of(const catalog::object_record& r) {
    auto v = bj::parse(r.body);
    const auto& o = v.as_object();
    auto text = [&](std::string_view key) {
        const auto* x = o.if_contains(key);
        return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    auto number = [&](std::string_view key) -> std::uint64_t {
        const auto* x = o.if_contains(key);
        return x ? x->to_number<std::uint64_t>() : 0;
    };
    stored_app a;
    a.info.id = r.ulid;
    a.info.name = text("name");
    a.info.title = text("title");
    a.info.size_bytes = number("sizeBytes");
    a.info.upload_bytes = number("uploadBytes");
    a.info.created_utc = text("createdUtc");
    a.info.updated_utc = text("updatedUtc");
    a.version = text("version");
    if (const auto* f = o.if_contains("files"); f && f->is_object()) {
        for (const auto& [path, entry] : f->get_object()) {
            const auto& arr = entry.as_array();
            a.files[std::string(path)] = {arr.at(0).to_number<std::uint64_t>(),
                                          std::string(arr.at(1).as_string())};
        }
    }
    a.info.file_count = a.files.size();
    return a;
}

// ---- checks ----

void check_name(const std::string& name) {
    if (name.empty() || name.size() > max_name_bytes) {
        bad(fmt::format("name must have 1 to {} bytes", max_name_bytes));
    }
    bool ok = name.front() != '.' && std::all_of(name.begin(), name.end(), [](char ch) {
                  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
              });
    if (!ok) bad("name may hold letters, digits, '-', '_' and '.' only (not first)");
}

void check_title(const std::string& title) {
    if (title.size() > max_title_bytes) {
        bad(fmt::format("title must have at most {} bytes", max_title_bytes));
    }
    if (json::first_invalid_utf8(title) != title.size() ||
        std::any_of(title.begin(), title.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
        bad("title must be UTF-8 text without control characters");
    }
}

std::string lower(std::string s) {
    for (auto& ch : s) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
    return s;
}

// Changes to one database's apps run one at a time: a name checked as free stays free until
// its row is written, and an update never writes back a version that a concurrent replace has
// retired. Per database, so one tenant's slow upload never waits for another's.
std::shared_ptr<std::mutex> changes_lock_of(const std::string& db_id) {
    static std::mutex guard;
    static std::map<std::string, std::weak_ptr<std::mutex>> locks;
    std::lock_guard held(guard);
    if (locks.size() > 1024) {
        std::erase_if(locks, [](const auto& kv) { return kv.second.expired(); });
    }
    auto& slot = locks[db_id];
    auto lock = slot.lock();
    if (!lock) {
        lock = std::make_shared<std::mutex>();
        slot = lock;
    }
    return lock;
}

void check_unique_name(engine::impl& e, std::string_view db_id, const std::string& name,
                       std::string_view except_id) {
    for (const auto& r : e.catalog.objects(db_id, app_kind)) {
        if (r.ulid == except_id) continue;
        if (lower(app_of(r).info.name) == lower(name)) {
            throw error(errc::already_exists,
                        fmt::format("this database already has an app named \"{}\"", name));
        }
    }
}

// The default name: the uploaded file's name without folders and extension, made safe.
std::string default_name(const std::string& file_name) {
    auto base = file_name.substr(
        file_name.find_last_of("/\\") == std::string::npos ? 0 : file_name.find_last_of("/\\") + 1);
    if (auto dot = base.find('.'); dot != std::string::npos) base.resize(dot);
    std::string out;
    for (char ch : base) {
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        out.push_back(ok ? ch : '-');
        if (out.size() == max_name_bytes) break;
    }
    return out.empty() ? "app" : out;
}

// ---- rights ----

auth::resolved_database for_reading(engine::impl& e, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    return db;
}

auth::resolved_database for_changing(engine::impl& e, const principal& who,
                                     std::string_view db_id) {
    // An app may not replace or delete apps with its visitor's rights.
    if (who.kind() == principal_kind::app_session) {
        throw error(errc::permission_denied, "an app's session cannot manage apps");
    }
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_editor(db);
    return db;
}

stored_app find_app(engine::impl& e, std::string_view db_id, std::string_view app_id) {
    auto r = e.catalog.find_object(db_id, app_kind, app_id);
    if (!r) {
        throw error(errc::not_found,
                    fmt::format("there is no app \"{}\"",
                                json::to_valid_utf8(std::string(app_id.substr(0, 64)))));
    }
    return app_of(*r);
}

// The parsed rows of apps whose files are being served, by engine, database and app: a row
// lists every file (about 100 KB of JSON for 1,000 files), so each file request would parse it
// again. An entry is used only while the row's text is still the same.
std::shared_ptr<const stored_app> served_app(engine::impl& e, std::string_view db_id,
                                             std::string_view app_id) {
    struct entry {
        std::string body;
        std::shared_ptr<const stored_app> app;
    };
    static std::mutex mutex;
    static std::map<std::tuple<const void*, std::string, std::string>, entry> cache;
    auto r = e.catalog.find_object(db_id, app_kind, app_id);
    if (!r) find_app(e, db_id, app_id);  // throws not_found
    std::tuple<const void*, std::string, std::string> key{&e, std::string(db_id),
                                                          std::string(app_id)};
    {
        std::lock_guard lock(mutex);
        if (auto it = cache.find(key); it != cache.end() && it->second.body == r->body) {
            return it->second.app;
        }
    }
    auto app = std::make_shared<const stored_app>(app_of(*r));
    std::lock_guard lock(mutex);
    if (cache.size() >= 64) cache.clear();
    cache[key] = {std::move(r->body), app};
    return app;
}

// ---- files on disk: <data>/databases/<db>/apps/<app>/<version>/… (go with the database) ----

fs::path apps_folder(engine::impl& e, std::string_view db_id) {
    return e.opts.data_dir / "databases" / std::string(db_id) / "apps";
}

fs::path version_folder(engine::impl& e, std::string_view db_id, const stored_app& a) {
    return apps_folder(e, db_id) / a.info.id / a.version;
}

std::string read_all(const byte_source& source) {
    std::string out;
    out.resize(static_cast<std::size_t>(source.size()));
    byte_reader reader(source);
    std::size_t got = 0;
    while (got < out.size()) {
        auto n = reader.read(out.data() + got, out.size() - got);
        if (n == 0) break;
        got += n;
    }
    out.resize(got);
    return out;
}

void write_file(const fs::path& path, std::string_view bytes) {
    fs::create_directories(path.parent_path());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw error(errc::internal, "cannot store the app's files");
    std::size_t done = 0;
    while (done < bytes.size()) {
        auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            throw error(errc::internal, "cannot store the app's files");
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

// Unpacks `upload` into a staging folder, then renames it into place as a new version of
// `a` (files, sizes and version set on `a`). The catalog row, updated by the caller, is what
// switches visitors to it.
void unpack(engine::impl& e, std::string_view db_id, const app_upload& upload, stored_app& a) {
    const auto& o = e.opts;
    if (upload.bundle.size() > o.max_app_bundle_bytes) {
        throw error(errc::payload_too_large,
                    fmt::format("the bundle is larger than {} bytes", o.max_app_bundle_bytes));
    }
    core::require_disk_space(o.data_dir, upload.bundle.size() * 2, o.min_free_disk_bytes);
    auto bytes = read_all(upload.bundle);
    apps::bundle_limits limits{o.max_app_bundle_bytes, o.max_app_unpacked_bytes,
                               o.max_app_files,        o.max_app_file_bytes,
                               o.max_app_ratio,        o.app_ratio_floor_bytes};
    auto folder = apps_folder(e, db_id);
    fs::create_directories(folder);
    auto staging = folder / (".staging-" + core::random_base62(16));
    std::map<std::string, stored_file> files;
    try {
        fs::create_directories(staging);
        auto summary =
            apps::read_bundle(bytes, limits, [&](const std::string& path, std::string_view data) {
                write_file(staging / path, data);
                files[path] = {data.size(), core::sha256_hex(data)};
            });
        a.version = core::make_ulid();
        fs::create_directories(folder / a.info.id);
        fs::rename(staging, folder / a.info.id / a.version);
        a.files = std::move(files);
        a.info.file_count = a.files.size();
        a.info.size_bytes = summary.unpacked_bytes;
        a.info.upload_bytes = bytes.size();
    } catch (...) {
        std::error_code ec;
        fs::remove_all(staging, ec);
        throw;
    }
}

// ---- asset keys: let the sandboxed page (which has no cookie) load the app's other files.
// `~<expiry unix seconds>-<HMAC-SHA-512-256 hex>` over db, app and expiry, with a key made at
// start (keys end with the process; they live for minutes anyway).

const std::array<unsigned char, crypto_auth_KEYBYTES>& asset_mac_key() {
    static const auto key = [] {
        std::array<unsigned char, crypto_auth_KEYBYTES> k{};
        if (sodium_init() < 0) throw error(errc::internal, "libsodium failed to start");
        crypto_auth_keygen(k.data());
        return k;
    }();
    return key;
}

std::string asset_mac(std::string_view db_id, std::string_view app_id, std::int64_t expiry) {
    auto message = fmt::format("{}\n{}\n{}", db_id, app_id, expiry);
    std::array<unsigned char, crypto_auth_BYTES> mac{};
    crypto_auth(mac.data(), reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                asset_mac_key().data());
    std::string hex(mac.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
    hex.pop_back();
    return hex;
}

std::int64_t unix_seconds(core::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string make_asset_key(std::string_view db_id, std::string_view app_id,
                           core::time_point expiry) {
    auto seconds = unix_seconds(expiry);
    return fmt::format("~{}-{}", seconds, asset_mac(db_id, app_id, seconds));
}

bool asset_key_valid(std::string_view db_id, std::string_view app_id, std::string_view key) {
    if (key.size() < 3 || key.size() > 200 || key.front() != '~') return false;
    auto dash = key.find('-');
    if (dash == std::string_view::npos || dash < 2 || dash > 20) return false;
    std::int64_t expiry = 0;
    for (auto ch : key.substr(1, dash - 1)) {
        if (ch < '0' || ch > '9') return false;
        expiry = expiry * 10 + (ch - '0');
    }
    if (expiry <= unix_seconds(core::now())) return false;
    return core::constant_time_equal(key.substr(dash + 1), asset_mac(db_id, app_id, expiry));
}

std::string media_type_of(std::string_view path) {
    static const std::map<std::string, std::string> types = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"txt", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"xml", "application/xml"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"wasm", "application/wasm"},
        {"webmanifest", "application/manifest+json"},
        {"mp3", "audio/mpeg"},
        {"mp4", "video/mp4"},
        {"webm", "video/webm"},
        {"pdf", "application/pdf"},
    };
    auto slash = path.rfind('/');
    auto name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    auto it = types.find(lower(std::string(name.substr(dot + 1))));
    return it == types.end() ? "application/octet-stream" : it->second;
}

// Where to inject: after the `<head …>` tag, else after `<html …>`, else at the start.
std::size_t injection_point(const std::string& html) {
    auto low = lower(html.substr(0, std::min<std::size_t>(html.size(), 64 * 1024)));
    for (std::string_view tag : {"<head", "<html"}) {
        for (auto at = low.find(tag); at != std::string::npos; at = low.find(tag, at + 1)) {
            auto next = at + tag.size() < low.size() ? low[at + tag.size()] : '\0';
            if (next != '>' && next != ' ' && next != '\t' && next != '\n' && next != '\r')
                continue;
            auto end = low.find('>', at);
            if (end != std::string::npos) return end + 1;
        }
    }
    return 0;
}

// Every `<script` tag (followed by a space, '>' or '/') gets `nonce=…` as its first attribute.
std::string with_script_nonce(const std::string& html, std::string_view nonce) {
    auto low = lower(html);
    std::string out;
    out.reserve(html.size() + 64);
    std::size_t copied = 0;
    for (auto at = low.find("<script"); at != std::string::npos; at = low.find("<script", at + 7)) {
        auto next = at + 7 < low.size() ? low[at + 7] : '\0';
        if (next != '>' && next != ' ' && next != '\t' && next != '\n' && next != '\r' &&
            next != '/') {
            continue;
        }
        out.append(html, copied, at + 7 - copied);
        out += fmt::format(" nonce={}", nonce);
        copied = at + 7;
    }
    out.append(html, copied);
    return out;
}

std::string read_stored(const fs::path& path, std::uint64_t max) {
    auto source = byte_source::from_file(path);
    if (source.size() > max) throw error(errc::internal, "a stored app file is too large");
    return read_all(source);
}

}  // namespace

std::vector<app_info> list_apps(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = for_reading(e, who, db_id);
    std::vector<app_info> out;
    for (const auto& r : e.catalog.objects(db.record.id, app_kind)) out.push_back(app_of(r).info);
    return out;
}

app_info create_app(engine& eng, const principal& who, std::string_view db_id,
                    const app_upload& upload) {
    auto& e = eng.internals();
    auto db = for_changing(e, who, db_id);
    auto changes_lock = changes_lock_of(db.record.id);
    std::lock_guard one_change_at_a_time(*changes_lock);
    stored_app a;
    a.info.name = upload.name.value_or(default_name(upload.bundle.file_name));
    a.info.title = upload.title.value_or("");
    check_name(a.info.name);
    check_title(a.info.title);
    check_unique_name(e, db.record.id, a.info.name, "");
    if (e.catalog.objects(db.record.id, app_kind).size() >= e.opts.max_apps_per_database) {
        throw error(errc::failed_precondition, fmt::format("a database may have at most {} apps",
                                                           e.opts.max_apps_per_database));
    }
    a.info.id = core::make_ulid();
    a.info.created_utc = a.info.updated_utc = core::now_iso_utc();
    unpack(e, db.record.id, upload, a);
    try {
        e.catalog.insert_object(db.record.id, app_kind, {a.info.id, body_of(a)},
                                e.opts.max_apps_per_database);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(apps_folder(e, db.record.id) / a.info.id, ec);
        throw;
    }
    return a.info;
}

app_info replace_app(engine& eng, const principal& who, std::string_view db_id,
                     std::string_view app_id, const app_upload& upload) {
    auto& e = eng.internals();
    auto db = for_changing(e, who, db_id);
    auto changes_lock = changes_lock_of(db.record.id);
    std::lock_guard one_change_at_a_time(*changes_lock);
    auto a = find_app(e, db.record.id, app_id);
    auto old_version = version_folder(e, db.record.id, a);
    if (upload.name) {
        check_name(*upload.name);
        check_unique_name(e, db.record.id, *upload.name, a.info.id);
        a.info.name = *upload.name;
    }
    if (upload.title) {
        check_title(*upload.title);
        a.info.title = *upload.title;
    }
    unpack(e, db.record.id, upload, a);
    a.info.updated_utc = core::now_iso_utc();
    try {
        e.catalog.update_object(db.record.id, app_kind, {a.info.id, body_of(a)}, "app");
    } catch (...) {
        std::error_code ec;
        fs::remove_all(version_folder(e, db.record.id, a), ec);
        throw;
    }
    std::error_code ec;
    fs::remove_all(old_version, ec);
    return a.info;
}

app_info update_app(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view app_id, const app_changes& changes) {
    auto& e = eng.internals();
    auto db = for_changing(e, who, db_id);
    auto changes_lock = changes_lock_of(db.record.id);
    std::lock_guard one_change_at_a_time(*changes_lock);
    auto a = find_app(e, db.record.id, app_id);
    if (changes.name) {
        check_name(*changes.name);
        check_unique_name(e, db.record.id, *changes.name, a.info.id);
        a.info.name = *changes.name;
    }
    if (changes.title) {
        check_title(*changes.title);
        a.info.title = *changes.title;
    }
    a.info.updated_utc = core::now_iso_utc();
    e.catalog.update_object(db.record.id, app_kind, {a.info.id, body_of(a)}, "app");
    return a.info;
}

void delete_app(engine& eng, const principal& who, std::string_view db_id,
                std::string_view app_id) {
    auto& e = eng.internals();
    auto db = for_changing(e, who, db_id);
    auto changes_lock = changes_lock_of(db.record.id);
    std::lock_guard one_change_at_a_time(*changes_lock);
    auto a = find_app(e, db.record.id, app_id);
    e.catalog.delete_object(db.record.id, app_kind, a.info.id, "app");
    std::error_code ec;
    fs::remove_all(apps_folder(e, db.record.id) / a.info.id, ec);
}

app_launch open_app(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view app_id) {
    auto& e = eng.internals();
    if (who.kind() == principal_kind::app_session) {
        throw error(errc::permission_denied, "an app's session cannot open apps");
    }
    auto db = for_reading(e, who, db_id);
    auto a = find_app(e, db.record.id, app_id);
    auto html =
        read_stored(version_folder(e, db.record.id, a) / "index.html", e.opts.max_app_file_bytes);
    app_launch out;
    auto now = core::now();
    auto expiry =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(e.opts.app_session_lifetime);
    out.expires_utc = core::to_iso_utc(expiry);
    if (who.kind() == principal_kind::user) {
        out.token = core::random_base62(43);
        e.catalog.create_session(who.user_id(), core::sha256_hex(out.token), core::to_iso_utc(now),
                                 out.expires_utc, db.record.id);
    }
    out.asset_key = make_asset_key(db.record.id, a.info.id, expiry);
    bj::object context{{"db", db.record.id},
                       {"app", a.info.id},
                       {"graphql", fmt::format("/dbs/{}/graphql", db.record.id)},
                       {"token", out.token.empty() ? bj::value(nullptr) : bj::value(out.token)},
                       {"expiresUtc", out.expires_utc}};
    auto injected =
        fmt::format(R"(<meta name="airsql-app" content="{}"><base href="/dbs/{}/apps/{}/{}/">)",
                    escape_html(bj::serialize(context)), db.record.id, a.info.id, out.asset_key);
    html.insert(injection_point(html), injected);
    out.script_nonce = core::random_base62(22);
    out.html = with_script_nonce(html, out.script_nonce);
    return out;
}

app_file read_app_file(engine& eng, const principal& who, std::string_view db_id,
                       std::string_view app_id, std::string_view path) {
    auto& e = eng.internals();
    std::string db_key;
    if (path.starts_with('~')) {
        // Through an asset key: the database must still exist; no caller rights involved.
        auto slash = path.find('/');
        auto key = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
        auto record = e.catalog.find_database(db_id);
        if (!record || !asset_key_valid(record->id, app_id, key)) {
            throw error(errc::not_found, "this app link has expired: open the app again");
        }
        db_key = record->id;
    } else {
        db_key = for_reading(e, who, db_id).record.id;
    }
    auto served = served_app(e, db_key, app_id);
    const auto& a = *served;
    std::string file(path);
    if (file.empty() || file.back() == '/') file += "index.html";
    auto it = apps::path_problem(file).empty() ? a.files.find(file) : a.files.end();
    if (it == a.files.end()) {
        throw error(errc::not_found, fmt::format("the app has no file \"{}\"",
                                                 json::to_valid_utf8(file.substr(0, 100))));
    }
    return {version_folder(e, db_key, a) / file, media_type_of(file),
            "\"" + it->second.sha256 + "\"", it->second.size};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const app_info& v) {
    jv = {{"id", v.id},
          {"name", v.name},
          {"title", v.title},
          {"fileCount", v.file_count},
          {"sizeBytes", v.size_bytes},
          {"uploadBytes", v.upload_bytes},
          {"createdUtc", v.created_utc},
          {"updatedUtc", v.updated_utc}};
}

app_changes tag_invoke(bj::value_to_tag<app_changes>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    for (const auto& [key, value] : o) {
        if (key != "name" && key != "title") {
            json::fail(fmt::format("unknown app field \"{}\"", std::string_view(key)));
        }
    }
    return {json::optional_string(o, "name"), json::optional_string(o, "title")};
}

}  // namespace airsql
