// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

[[noreturn]] void no_such_object(std::string_view what, std::string_view ulid) {
    throw error(errc::not_found, fmt::format("there is no {} \"{}\"", what, ulid));
}

}  // namespace

std::vector<object_record> catalog::objects(std::string_view db_id, std::string_view kind) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT ulid, body FROM database_objects WHERE db_id = ? AND kind = ? ORDER BY ulid");
    st->bind(1, std::string(db_id)).bind(2, std::string(kind));
    std::vector<object_record> out;
    while (st->step()) out.push_back({st->text(0), st->text(1)});
    return out;
}

std::optional<object_record> catalog::find_object(std::string_view db_id, std::string_view kind,
                                                  std::string_view ulid) {
    auto r = readers_.acquire();
    auto st =
        r->cached("SELECT body FROM database_objects WHERE db_id = ? AND kind = ? AND ulid = ?");
    st->bind(1, std::string(db_id)).bind(2, std::string(kind)).bind(3, std::string(ulid));
    if (!st->step()) return std::nullopt;
    return object_record{std::string(ulid), st->text(0)};
}

void catalog::insert_object(std::string_view db_id, std::string_view kind, const object_record& obj,
                            std::size_t max_count) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    {
        auto st = w->cached("SELECT count(*) FROM database_objects WHERE db_id = ? AND kind = ?");
        st->bind(1, std::string(db_id)).bind(2, std::string(kind));
        if (st->step() && static_cast<std::size_t>(st->int64(0)) >= max_count) {
            throw error(errc::failed_precondition,
                        fmt::format("a database may have at most {} {}s", max_count, kind));
        }
    }
    auto st =
        w->cached("INSERT INTO database_objects (db_id, kind, ulid, body) VALUES (?, ?, ?, ?)");
    st->bind(1, std::string(db_id)).bind(2, std::string(kind)).bind(3, obj.ulid).bind(4, obj.body);
    st->run();
    tx.commit();
}

void catalog::update_object(std::string_view db_id, std::string_view kind, const object_record& obj,
                            std::string_view what) {
    auto w = writer_.acquire();
    auto st =
        w->cached("UPDATE database_objects SET body = ? WHERE db_id = ? AND kind = ? AND ulid = ?");
    st->bind(1, obj.body).bind(2, std::string(db_id)).bind(3, std::string(kind)).bind(4, obj.ulid);
    st->run();
    if (w->changes() == 0) no_such_object(what, obj.ulid);
}

void catalog::delete_object(std::string_view db_id, std::string_view kind, std::string_view ulid,
                            std::string_view what) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM database_objects WHERE db_id = ? AND kind = ? AND ulid = ?");
    st->bind(1, std::string(db_id)).bind(2, std::string(kind)).bind(3, std::string(ulid));
    st->run();
    if (w->changes() == 0) no_such_object(what, ulid);
}

}  // namespace airsql::catalog
