// SPDX-License-Identifier: Apache-2.0
#include "airsql/database_files.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/disk_space.hpp"
#include "core/ids.hpp"
#include "csv/csv_import.hpp"
#include "sql/script_execution.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"

namespace airsql {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t copy_chunk = 1 << 20;
constexpr std::string_view sqlite_magic{"SQLite format 3\0", 16};

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return out;
}

std::string extension_of(std::string_view file_name) {
    auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return {};
    return lowercase(file_name.substr(dot + 1));
}

std::string stem_of(std::string_view file_name) {
    auto slash = file_name.find_last_of("/\\");
    if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
    auto dot = file_name.rfind('.');
    if (dot != std::string_view::npos && dot > 0) file_name = file_name.substr(0, dot);
    return std::string(file_name);
}

// The first bytes of a source (fewer when it is shorter).
std::string head_of(const byte_source& source, std::size_t n) {
    byte_reader reader(source);
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        auto r = reader.read(out.data() + got, n - got);
        if (r == 0) break;
        got += r;
    }
    out.resize(got);
    return out;
}

// What the upload is: "sqlite", "csv" or "sql".
std::string detect_format(const byte_source& file, const std::optional<std::string>& requested) {
    auto head = head_of(file, sqlite_magic.size());
    bool has_magic = head == sqlite_magic;
    auto ext = extension_of(file.file_name);
    if (requested) {
        if (*requested != "sqlite" && *requested != "csv" && *requested != "sql") {
            throw error(errc::invalid_argument, "fileFormat must be \"sqlite\", \"csv\" or \"sql\"");
        }
        if (*requested == "sqlite" && !has_magic) {
            throw error(errc::invalid_argument,
                        "the file is not a SQLite database (no SQLite header: another format, or "
                        "encrypted)");
        }
        return *requested;
    }
    if (has_magic) return "sqlite";
    if (ext == "sqlite" || ext == "sqlite3" || ext == "db" || ext == "db3") {
        throw error(errc::invalid_argument,
                    fmt::format("\"{}\" is not a SQLite database (no SQLite header: another "
                                "format, or encrypted)",
                                file.file_name));
    }
    if (ext == "csv" || ext == "tsv") return "csv";
    if (ext == "sql" || ext == "txt") return "sql";
    if (file.file_name.empty()) {
        throw error(errc::invalid_argument,
                    "cannot tell what the upload is: give the file a name ending in .sqlite, "
                    ".csv or .sql, or set fileFormat");
    }
    throw error(errc::invalid_argument,
                fmt::format("files of type \"{}\" cannot become a database; upload a SQLite "
                            "database, a CSV file or an SQL script",
                            ext.empty() ? file.file_name : "." + ext));
}

void check_size(const engine::impl& e, const byte_source& file) {
    if (file.size() > e.opts.max_database_bytes) {
        throw error(errc::payload_too_large,
                    fmt::format("the file has {} bytes; a database may have at most {}",
                                file.size(), e.opts.max_database_bytes));
    }
}

// Copies the source's bytes into a new file (in the kernel when the source is a file).
void copy_to_file(const byte_source& source, const std::filesystem::path& path, bool sync = true) {
    int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) throw error(errc::unavailable, "cannot create the database file");
    auto fail = [&](const char* what) {
        auto message = fmt::format("{}: {}", what, std::strerror(errno));
        ::close(out);
        throw error(errc::unavailable, message);
    };
    if (!source.file.empty()) {
        int in = ::open(source.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0) fail("cannot read the upload");
        auto off = static_cast<off64_t>(source.offset);
        std::uint64_t left = source.length;
        while (left > 0) {
            auto n = ::copy_file_range(in, &off, out, nullptr,
                                       static_cast<std::size_t>(std::min<std::uint64_t>(left, 1ull << 30)), 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ::close(in);
                fail("cannot copy the upload");
            }
            left -= static_cast<std::uint64_t>(n);
        }
        ::close(in);
    } else {
        std::size_t done = 0;
        while (done < source.memory.size()) {
            auto n = ::write(out, source.memory.data() + done, source.memory.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("cannot write the database file");
            done += static_cast<std::size_t>(n);
        }
    }
    if (sync && ::fsync(out) != 0) fail("cannot write the database file");
    ::close(out);
}

// Checks an uploaded SQLite file before it is accepted: header, size, integrity and foreign
// keys. Reads only (the file stays byte for byte as uploaded).
void check_sqlite_file(const engine::impl& e, const std::filesystem::path& file) {
    std::array<unsigned char, 100> header{};
    std::uint64_t size = std::filesystem::file_size(file);
    {
        int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw error(errc::unavailable, "cannot read the uploaded database");
        auto n = ::pread(fd, header.data(), header.size(), 0);
        ::close(fd);
        if (n < 100 || std::memcmp(header.data(), sqlite_magic.data(), 16) != 0) {
            throw error(errc::invalid_argument,
                        "the file is not a SQLite database (no SQLite header: another format, "
                        "or encrypted)");
        }
    }
    std::uint32_t page_size = (header[16] << 8) | header[17];
    if (page_size == 1) page_size = 65536;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
        throw error(errc::invalid_argument, "the SQLite header is corrupt (invalid page size)");
    }
    if ((header[18] != 1 && header[18] != 2) || (header[19] != 1 && header[19] != 2)) {
        throw error(errc::invalid_argument,
                    "the SQLite header is corrupt or from an unsupported version (file format "
                    "bytes)");
    }
    if (size % page_size != 0) {
        throw error(errc::invalid_argument,
                    fmt::format("the SQLite file is truncated or damaged: {} bytes is not a "
                                "multiple of its page size {}",
                                size, page_size));
    }
    auto be32 = [&](int at) {
        return (std::uint32_t(header[at]) << 24) | (std::uint32_t(header[at + 1]) << 16) |
               (std::uint32_t(header[at + 2]) << 8) | std::uint32_t(header[at + 3]);
    };
    // The in-header size is valid when "version-valid-for" matches the change counter.
    if (be32(92) == be32(24) && be32(28) > size / page_size) {
        throw error(errc::invalid_argument,
                    fmt::format("the SQLite file is truncated: its header counts {} pages, the "
                                "file holds {}",
                                be32(28), size / page_size));
    }
    // The checks evaluate the file's own expressions (CHECK constraints, expression and
    // partial indexes, generated columns): they get the request's SQLite memory budget, or one
    // upload could take the process-wide heap limit and fail every other tenant's queries.
    sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
    auto over_budget = [&] {
        return error(errc::invalid_argument,
                     fmt::format("checking the uploaded database needs more than {} bytes of "
                                 "memory (its schema, CHECK constraints or index expressions)",
                                 budget.limit()));
    };
    try {
        auto conn = database::open_hosted_connection(file, e.opts, false);
        sqlite::deadline limit(*conn, std::chrono::steady_clock::now() + e.opts.import_timeout);
        {
            auto st = conn->prepare("PRAGMA integrity_check(5)");
            std::vector<std::string> problems;
            while (st.step()) problems.push_back(st.text(0));
            if (limit.expired()) {
                throw error(errc::deadline_exceeded, "checking the uploaded database took too long");
            }
            if (problems.size() != 1 || problems.front() != "ok") {
                throw error(errc::invalid_argument,
                            fmt::format("the SQLite file is damaged (integrity_check: {})",
                                        fmt::join(problems, "; ")));
            }
        }
        {
            auto st = conn->prepare("PRAGMA foreign_key_check");
            std::vector<std::string> problems;
            while (st.step() && problems.size() < 5) {
                problems.push_back(fmt::format("a row of \"{}\" (rowid {}) references a missing row of \"{}\"",
                                               st.text(0), st.text(1), st.text(2)));
            }
            if (!problems.empty()) {
                throw error(errc::invalid_argument,
                            fmt::format("the SQLite file breaks its foreign keys: {}",
                                        fmt::join(problems, "; ")));
            }
        }
        sqlite::check_schema_size(*conn, e.opts.max_schema_bytes);
    } catch (const error& err) {
        if (budget.exceeded()) throw over_budget();
        if (err.code() == errc::invalid_argument || err.code() == errc::deadline_exceeded) throw;
        throw error(errc::invalid_argument,
                    fmt::format("the SQLite file is damaged or cannot be read: {}", err.what()));
    }
    // An expression that ran out of memory may have answered NULL instead of failing.
    if (budget.exceeded()) throw over_budget();
    // The checking connection may have made a WAL index beside the file.
    std::error_code ec;
    std::filesystem::remove(file.string() + "-shm", ec);
    std::filesystem::remove(file.string() + "-wal", ec);
}

// Runs an uploaded SQL script in a fresh database file, confined like the SQL endpoint.
void run_script_into(const engine::impl& e, const byte_source& file,
                     const std::filesystem::path& target) {
    if (file.size() > e.opts.max_sql_length * 4) {
        throw error(errc::invalid_argument,
                    fmt::format("the script is too long (more than {} characters)",
                                e.opts.max_sql_length));
    }
    std::string script = head_of(file, static_cast<std::size_t>(file.size()));
    if (script.find('\0') != std::string::npos) {
        throw error(errc::invalid_argument, "the script contains a NUL character");
    }
    sql::check_script_text(e.opts, script);
    {
        sqlite::connection create(target, sqlite::connection::mode::read_write_create);
        create.exec("PRAGMA journal_mode = WAL");
    }
    auto conn = database::open_hosted_connection(target, e.opts, true);
    auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_write);
    auto result = sql::execute_script(*conn, script, settings);
    if (!result.errors.empty()) {
        throw error(errc::invalid_argument,
                    fmt::format("the script failed: {}", result.errors.front()));
    }
}

// Builds the database file for an upload at `target` (in the database's folder).
void prepare_file(const engine::impl& e, const byte_source& file, const std::string& format,
                  const std::filesystem::path& target) {
    if (format == "sqlite") {
        copy_to_file(file, target);
        check_sqlite_file(e, target);
    } else if (format == "sql") {
        run_script_into(e, file, target);
    } else {
        // A CSV file becomes one table, named after the file.
        {
            sqlite::connection create(target, sqlite::connection::mode::read_write_create);
            create.exec("PRAGMA journal_mode = WAL");
        }
        auto conn = database::open_hosted_connection(target, e.opts, true);
        auto table = stem_of(file.file_name);
        csv::import_into_new_table(*conn, file, table.empty() ? "data" : table,
                                   csv::limits_for(e.opts));
    }
}

std::string team_or_own(const principal& who, std::string_view team) {
    if (!team.empty()) return std::string(team);
    if (who.kind() == principal_kind::anonymous) {
        throw error(errc::unauthenticated, "sign in to create databases");
    }
    if (who.kind() != principal_kind::user) {
        throw error(errc::permission_denied,
                    "only signed-in users create databases (API tokens and read-only links "
                    "cannot)");
    }
    return who.username();
}

// Removes a file and the WAL files SQLite may have made beside it.
void remove_with_wal(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    std::filesystem::remove(file.string() + "-wal", ec);
    std::filesystem::remove(file.string() + "-shm", ec);
    std::filesystem::remove(file.string() + "-journal", ec);
}

// Writes the file's bytes [0, size) to the sink.
void copy_file_to_sink(const std::filesystem::path& file, std::uint64_t size, byte_sink& out) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw error(errc::internal, "cannot read the database file");
    std::string buffer(copy_chunk, '\0');
    std::uint64_t pos = 0;
    try {
        while (pos < size) {
            auto want = static_cast<std::size_t>(std::min<std::uint64_t>(copy_chunk, size - pos));
            auto n = ::pread(fd, buffer.data(), want, static_cast<off_t>(pos));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) throw error(errc::internal, "cannot read the database file");
            out.write(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
            pos += static_cast<std::uint64_t>(n);
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
}

// A consistent copy of the database as a file at `target`, made with SQLite's backup API
// from the reader's snapshot (writers go on meanwhile). The copy is scratch until it is
// complete: no journal, no syncs.
void backup_to_file(sqlite::connection& reader, const std::filesystem::path& target) {
    sqlite3* dest = nullptr;
    if (sqlite3_open_v2(target.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
        sqlite3_close(dest);
        throw error(errc::unavailable, "cannot create the snapshot file");
    }
    sqlite3_exec(dest, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", nullptr, nullptr,
                 nullptr);
    auto* backup = sqlite3_backup_init(dest, "main", reader.handle(), "main");
    int rc = backup ? sqlite3_backup_step(backup, -1) : sqlite3_errcode(dest);
    if (backup) sqlite3_backup_finish(backup);
    std::string message = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    if (rc != SQLITE_DONE) {
        throw error(errc::unavailable, fmt::format("cannot snapshot the database: {}", message));
    }
}

// Copies the first `size` bytes of `from` into a new file `to`, in the kernel.
void copy_file_prefix(const std::filesystem::path& from, std::uint64_t size,
                      const std::filesystem::path& to) {
    byte_source source;
    source.file = from;
    source.length = size;
    copy_to_file(source, to, false);
}

// Writes a consistent snapshot of the hosted database to the new file `target`. While a
// reader holds its snapshot, the main file is that snapshot when the database is in
// rollback-journal mode (the shared lock keeps writers out) or, in WAL mode, when every WAL
// frame up to the snapshot is checkpointed: so writers pause for a moment while the writer
// connection checkpoints and the reader takes its snapshot. Later frames cannot be
// checkpointed while the snapshot is held (a reader of the file alone blocks checkpoints).
// Then the file is copied byte for byte, in the kernel; when the checkpoint could not finish,
// SQLite's backup API copies the snapshot instead. Writers go on during the copy either way.
void snapshot_to_file(const engine::impl& e, database::hosted_database& db,
                      const std::filesystem::path& target) {
    std::error_code ec;
    auto wal_bytes = std::filesystem::file_size(db.file().string() + "-wal", ec);
    core::require_disk_space(target.parent_path(),
                             std::filesystem::file_size(db.file()) + (ec ? 0 : wal_bytes),
                             e.opts.min_free_disk_bytes);
    auto reader = db.reader();
    bool raw = false;
    if (reader->pragma_text("journal_mode") == "wal") {
        // Most frames are checkpointed before writers pause, so the pause below is short.
        sqlite::connection checkpointer(db.file(), sqlite::connection::mode::read_write);
        checkpointer.exec("PRAGMA wal_checkpoint(PASSIVE)");
    }
    {
        auto writer = db.pause_writers();
        bool wal = writer->pragma_text("journal_mode") == "wal";
        if (wal) {
            auto st = writer->prepare("PRAGMA wal_checkpoint(PASSIVE)");
            raw = st.step() && st.int64(0) == 0 && st.int64(1) == st.int64(2);
        } else {
            raw = true;
        }
        reader->exec("BEGIN");
        reader->pragma_int("schema_version");  // takes the read snapshot
    }
    struct end_read {
        sqlite::connection& c;
        ~end_read() {
            try {
                c.exec("ROLLBACK");
            } catch (...) {
            }
        }
    } end{*reader};
    try {
        if (raw) {
            copy_file_prefix(db.file(), std::filesystem::file_size(db.file()), target);
        } else {
            backup_to_file(*reader, target);
        }
    } catch (...) {
        remove_with_wal(target);
        throw;
    }
}

stream_meta download_meta(const catalog::database_record& d) {
    return {"application/vnd.sqlite3", (d.name.empty() ? "database" : d.name) + ".sqlite"};
}

}  // namespace

create_database_response upload_database(engine& eng, const principal& who,
                                         const upload_database_request& request,
                                         const byte_source& file) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_or_own(who, request.team), team_role::editor);
    check_size(e, file);
    // A CSV or a script may grow into a larger database than its text: twice, as a guess.
    core::require_disk_space(e.opts.data_dir, 2 * file.size(), e.opts.min_free_disk_bytes);
    auto format = detect_format(file, request.file_format);
    auto name = request.name.value_or(stem_of(file.file_name));
    if (name.empty()) name = "database";
    if (name.size() > 400) name.resize(400);

    catalog::database_record d;
    d.id = core::make_ulid();
    d.readonly_id = core::make_readonly_id();
    d.name = name;
    d.team_id = team.id;
    d.team_name = team.name;
    d.file_format = format;
    d.created_utc = core::now_iso_utc();
    d.ownership_utc = d.created_utc;

    auto staged = e.databases.staging_file(d.id);
    try {
        prepare_file(e, file, format, staged);
        e.databases.adopt(d.id, staged);
        e.catalog.insert_database(d);
        // Its size cap depends on its record (team, plan): re-read at the next write.
        e.databases.limits_changed();
    } catch (...) {
        remove_with_wal(staged);
        e.databases.remove(d.id);
        throw;
    }
    return {d.id, team.name, d.ownership_utc};
}

create_database_response replace_database(engine& eng, const principal& who,
                                          std::string_view db_id, const byte_source& file) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_schema(db);
    check_size(e, file);
    core::require_disk_space(e.opts.data_dir, 2 * file.size(), e.opts.min_free_disk_bytes);
    auto format = detect_format(file, std::nullopt);
    auto staged = e.databases.staging_file(db.record.id);
    try {
        prepare_file(e, file, format, staged);
        e.databases.replace(db.record.id, staged);
    } catch (...) {
        remove_with_wal(staged);
        throw;
    }
    e.graphql_schemas.forget(db.record.id);
    audit::log_event(e, who, db.record, "REPLACE", std::nullopt, {},
                     {{"fileName", file.file_name},
                      {"fileFormat", format},
                      {"size", static_cast<std::int64_t>(file.size())}});
    return {db.record.id, db.record.team_name, db.record.ownership_utc};
}

stream_meta download_database(engine& eng, const principal& who, std::string_view db_id,
                              byte_sink& out) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    auto hosted = e.databases.open(db.record.id);
    auto copy = e.databases.staging_file(db.record.id);
    snapshot_to_file(e, *hosted, copy);
    try {
        copy_file_to_sink(copy, std::filesystem::file_size(copy), out);
    } catch (...) {
        remove_with_wal(copy);
        throw;
    }
    remove_with_wal(copy);
    return download_meta(db.record);
}

stream_meta download_database(engine& eng, const principal& who, std::string_view db_id,
                              const std::filesystem::path& target) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    auto hosted = e.databases.open(db.record.id);
    snapshot_to_file(e, *hosted, target);
    return download_meta(db.record);
}

create_database_response duplicate_database(engine& eng, const principal& who,
                                            std::string_view db_id, const principal& owner,
                                            std::string_view team_name) {
    auto& e = eng.internals();
    auto source = auth::resolve_database(e, who, db_id);
    auth::require_read(source);
    auto team = auth::require_team_role(e, owner, team_or_own(owner, team_name), team_role::editor);

    catalog::database_record d;
    d.id = core::make_ulid();
    d.readonly_id = core::make_readonly_id();
    d.name = source.record.name.size() + 7 <= 100 ? source.record.name + " (copy)" : source.record.name;
    d.description = source.record.description;
    d.team_id = team.id;
    d.team_name = team.name;
    d.file_format = source.record.file_format;
    d.created_utc = core::now_iso_utc();
    d.ownership_utc = d.created_utc;

    auto staged = e.databases.staging_file(d.id);
    try {
        {
            auto hosted = e.databases.open(source.record.id);
            snapshot_to_file(e, *hosted, staged);
        }
        e.databases.adopt(d.id, staged);
        e.catalog.insert_database(d);
        // Its size cap depends on its record (team, plan): re-read at the next write.
        e.databases.limits_changed();
    } catch (...) {
        remove_with_wal(staged);
        e.databases.remove(d.id);
        throw;
    }
    // Table and column descriptions and order (kept beside the file) come along.
    e.catalog.copy_metadata(source.record.id, d.id);
    return {d.id, team.name, d.ownership_utc};
}

void vacuum_database(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_editor(db);  // maintenance, not a schema change: allowed while locked
    auto hosted = e.databases.open(db.record.id);
    // VACUUM changes no row: nothing to audit.
    auto writer = hosted->writer(audit::context::off());
    sqlite::deadline limit(*writer, std::chrono::steady_clock::now() + 10min);
    // VACUUM builds the new file in a temporary attached database: allow that one attachment
    // for this statement only (user SQL can never attach).
    auto* h = writer->handle();
    sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 1);
    try {
        writer->exec("VACUUM");
    } catch (...) {
        sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
        throw;
    }
    sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
}

std::string regenerate_database_id(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_manage(db);
    auto new_id = core::make_ulid();
    e.databases.rename(db.record.id, new_id);
    try {
        e.catalog.rename_database(db.record.id, new_id);
    } catch (...) {
        e.databases.rename(new_id, db.record.id);
        throw;
    }
    e.graphql_schemas.forget(db.record.id);
    e.events.wake(new_id);  // event-trigger deliveries continue under the new id
    return new_id;
}

std::string regenerate_readonly_id(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_manage(db);
    auto record = db.record;
    record.readonly_id = core::make_readonly_id();
    e.catalog.update_database(record);
    // Live results hold file URLs with the read-only id: they run again with the new one
    // (subscribers through the old id are refused at that delivery).
    e.subscriptions.on_readonly_id(record.id, record.readonly_id);
    return record.readonly_id;
}

}  // namespace airsql
