// SPDX-License-Identifier: Apache-2.0
// sqlite3.h declares the pre-update hook only under this macro; Debian's libsqlite3 is built
// with it (a library without it fails to link, not at run time).
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "audit/recorder.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "core/clock.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::audit {

namespace {

// Bytes a change costs besides its text values (for the transaction's byte cap).
constexpr std::size_t change_overhead = 64;

bool same_value(sqlite3_value* a, sqlite3_value* b) {
    int type = sqlite3_value_type(a);
    if (type != sqlite3_value_type(b)) return false;
    switch (type) {
        case SQLITE_INTEGER:
            return sqlite3_value_int64(a) == sqlite3_value_int64(b);
        case SQLITE_FLOAT: {
            double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
            return std::memcmp(&x, &y, sizeof x) == 0;
        }
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
            const void* pa = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_value_text(a))
                                                 : sqlite3_value_blob(a);
            int na = sqlite3_value_bytes(a);
            const void* pb = type == SQLITE_TEXT ? static_cast<const void*>(sqlite3_value_text(b))
                                                 : sqlite3_value_blob(b);
            int nb = sqlite3_value_bytes(b);
            return na == nb && (na == 0 || std::memcmp(pa, pb, static_cast<std::size_t>(na)) == 0);
        }
        default:
            return true;
    }
}

}  // namespace

const char* to_string(operation op) noexcept {
    switch (op) {
        case operation::insert:
            return "INSERT";
        case operation::update:
            return "UPDATE";
        case operation::remove:
            return "DELETE";
    }
    return "";
}

schema_layout read_schema_layout(sqlite::connection& conn) {
    schema_layout out;
    std::vector<std::pair<std::string, table_layout>> tables;
    {
        auto st = conn.cached(
            "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' "
            "AND type IN ('table', 'shadow') AND " AIRSQL_SQL_USER_TABLE("name"));
        while (st->step()) {
            table_layout t;
            t.shadow = st->text(1) == "shadow";
            t.has_rowid = st->int64(2) == 0;
            tables.emplace_back(st->text(0), std::move(t));
        }
    }
    for (auto& [name, t] : tables) {
        if (!t.shadow) {
            // hidden: 0 plain, 1 hidden column of a virtual table, 2 VIRTUAL generated,
            // 3 STORED generated.
            auto st = conn.cached("SELECT name, hidden FROM pragma_table_xinfo(?) ORDER BY cid");
            st->bind(1, name);
            while (st->step()) {
                if (st->int64(1) == 2) {
                    t.storage_of_column.push_back(-1);
                } else {
                    t.storage_of_column.push_back(static_cast<int>(t.stored_columns.size()));
                    t.stored_columns.push_back(st->text(0));
                }
            }
        }
        out.emplace(std::move(name), std::move(t));
    }
    return out;
}

recorder::recorder(sqlite::connection& conn, std::shared_ptr<const schema_layout> layout,
                   limits lim)
    : conn_(conn), layout_(std::move(layout)), lim_(lim) {
    sqlite3* h = conn_.handle();
    sqlite3_preupdate_hook(h, &recorder::on_preupdate, this);
    sqlite3_wal_hook(h, &recorder::on_wal_commit, this);
    sqlite3_rollback_hook(h, &recorder::on_rollback, this);
}

recorder::~recorder() {
    sqlite3* h = conn_.handle();
    sqlite3_preupdate_hook(h, nullptr, nullptr);
    sqlite3_rollback_hook(h, nullptr, nullptr);
    sqlite3_wal_autocheckpoint(h, sqlite::wal_checkpoint_frames);  // also removes our WAL hook
}

std::vector<committed_transaction> recorder::take_committed() {
    std::vector<committed_transaction> out;
    out.swap(committed_);
    return out;
}

void recorder::reset_pending() noexcept {
    pending_.changes.clear();
    pending_.omitted = 0;
    pending_bytes_ = 0;
}

void recorder::on_preupdate(void* self, sqlite3* db, int op, const char* db_name,
                            const char* table, long long key1, long long key2) {
    auto* r = static_cast<recorder*>(self);
    if (std::strcmp(db_name, "main") != 0) return;
    try {
        r->record(db, op, table, key1, key2);
    } catch (...) {
        // Out of memory while copying values: the change is counted, not recorded.
        ++r->pending_.omitted;
    }
}

int recorder::on_wal_commit(void* self, sqlite3* db, const char* db_name, int frames) {
    auto* r = static_cast<recorder*>(self);
    // Called after the commit is in the WAL and the write lock is released: what is pending
    // now is committed.
    if (!r->pending_.changes.empty() || r->pending_.omitted > 0) {
        try {
            r->pending_.utc = core::now_iso_utc();
            r->committed_.push_back(std::move(r->pending_));
        } catch (...) {
            // Nothing sensible is left to do inside SQLite's callback.
        }
        r->pending_ = {};
        r->pending_bytes_ = 0;
    }
    if (frames >= sqlite::wal_checkpoint_frames) sqlite3_wal_checkpoint(db, db_name);
    return SQLITE_OK;
}

void recorder::on_rollback(void* self) { static_cast<recorder*>(self)->reset_pending(); }

captured_value recorder::capture(sqlite3_value* v) {
    captured_value c;
    switch (sqlite3_value_type(v)) {
        case SQLITE_INTEGER:
            c.type = sqlite::column_type::integer;
            c.integer = sqlite3_value_int64(v);
            break;
        case SQLITE_FLOAT:
            c.type = sqlite::column_type::real;
            c.real = sqlite3_value_double(v);
            break;
        case SQLITE_TEXT: {
            c.type = sqlite::column_type::text;
            const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
            c.size = static_cast<std::size_t>(sqlite3_value_bytes(v));
            std::size_t keep = c.size;
            if (keep > lim_.max_value_bytes) {
                c.truncated = true;
                keep = lim_.max_value_bytes;
                // Cut at a character boundary: back off over UTF-8 continuation bytes.
                while (keep > 0 && (static_cast<unsigned char>(p[keep]) & 0xC0) == 0x80) --keep;
            }
            c.text.assign(p, keep);
            pending_bytes_ += keep;
            break;
        }
        case SQLITE_BLOB:
            c.type = sqlite::column_type::blob;
            c.size = static_cast<std::size_t>(sqlite3_value_bytes(v));
            break;
        default:
            break;
    }
    return c;
}

void recorder::record(sqlite3* db, int op, const char* table, std::int64_t key1,
                      std::int64_t key2) {
    const table_layout* layout = nullptr;
    // The event queue of event triggers is airsql's bookkeeping, not the user's data.
    if (std::string_view(table) == AIRSQL_EVENT_QUEUE_TABLE) return;
    if (auto it = layout_->find(table); it != layout_->end()) {
        if (it->second.shadow) return;
        // The layout still describes this table if the hook counts the same columns.
        if (static_cast<int>(it->second.storage_of_column.size()) == sqlite3_preupdate_count(db)) {
            layout = &it->second;
        }
    }
    if (pending_.changes.size() >= lim_.max_entries || pending_bytes_ >= lim_.max_bytes) {
        ++pending_.omitted;
        return;
    }
    change c;
    c.table = table;
    c.layout = layout;
    bool has_rowid = layout ? layout->has_rowid : true;
    int blob_column = sqlite3_preupdate_blobwrite(db);
    // How many values the row has: SQLite 3.40 counts every declared column but reads them
    // by storage position, so positions past the stored ones answer SQLITE_RANGE.
    int count = layout ? static_cast<int>(layout->stored_columns.size())
                       : sqlite3_preupdate_count(db);
    auto values = [&](int (*read)(sqlite3*, int, sqlite3_value**), auto& into) {
        for (int i = 0; i < count; ++i) {
            sqlite3_value* v = nullptr;
            if (read(db, i, &v) != SQLITE_OK || v == nullptr) break;
            into.emplace_back(i, capture(v));
        }
    };
    if (op == SQLITE_DELETE && blob_column >= 0) {
        // sqlite3_blob_write: reported as a DELETE; the new bytes are not available, only
        // their size (a blob write never changes it).
        c.op = operation::update;
        int pos = layout && blob_column < static_cast<int>(layout->storage_of_column.size())
                      ? layout->storage_of_column[static_cast<std::size_t>(blob_column)]
                      : blob_column;
        sqlite3_value* v = nullptr;
        if (pos >= 0 && sqlite3_preupdate_old(db, pos, &v) == SQLITE_OK && v) {
            auto old = capture(v);
            captured_value now;
            now.type = sqlite::column_type::blob;
            now.size = old.size;
            c.old_values.emplace_back(pos, std::move(old));
            c.new_values.emplace_back(pos, std::move(now));
        }
        c.row_id = key1;
    } else if (op == SQLITE_INSERT) {
        c.op = operation::insert;
        values(&sqlite3_preupdate_new, c.new_values);
        if (has_rowid) c.row_id = key2;
    } else if (op == SQLITE_DELETE) {
        c.op = operation::remove;
        values(&sqlite3_preupdate_old, c.old_values);
        if (has_rowid) c.row_id = key1;
    } else {
        // UPDATE: the columns whose value changed, before and after.
        c.op = operation::update;
        for (int i = 0; i < count; ++i) {
            sqlite3_value* before = nullptr;
            sqlite3_value* after = nullptr;
            if (sqlite3_preupdate_old(db, i, &before) != SQLITE_OK || !before) break;
            if (sqlite3_preupdate_new(db, i, &after) != SQLITE_OK || !after) break;
            if (same_value(before, after)) continue;
            c.old_values.emplace_back(i, capture(before));
            c.new_values.emplace_back(i, capture(after));
        }
        if (has_rowid) c.row_id = key2;
    }
    pending_bytes_ += change_overhead + 16 * (c.old_values.size() + c.new_values.size());
    if (pending_.changes.capacity() == pending_.changes.size()) {
        // Grow in large steps: moving every change on each doubling showed in profiles.
        pending_.changes.reserve(std::min(lim_.max_entries,
                                          std::max<std::size_t>(64, pending_.changes.size() * 4)));
    }
    pending_.changes.push_back(std::move(c));
}

}  // namespace airsql::audit
