// SPDX-License-Identifier: Apache-2.0
// Catalog rows describing and ordering the tables and columns of hosted databases.
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

std::vector<object_metadata> read_metadata(sqlite::statement& st) {
    std::vector<object_metadata> out;
    while (st.step()) {
        out.push_back({st.text(0), st.optional_text(1), st.int64(2) != 0, st.optional_text(3)});
    }
    return out;
}

}  // namespace

std::vector<object_metadata> catalog::table_metadata(std::string_view db_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT table_name, description, placed, follows FROM table_metadata WHERE db_id = ?");
    st->bind(1, std::string(db_id));
    return read_metadata(*st);
}

std::vector<object_metadata> catalog::column_metadata(std::string_view db_id,
                                                      std::string_view table) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT column_name, description, placed, follows FROM column_metadata "
        "WHERE db_id = ? AND table_name = ?");
    st->bind(1, std::string(db_id)).bind(2, std::string(table));
    return read_metadata(*st);
}

std::vector<std::tuple<std::string, std::string, std::string>> catalog::column_descriptions(
    std::string_view db_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT table_name, column_name, description FROM column_metadata "
        "WHERE db_id = ? AND description IS NOT NULL");
    st->bind(1, std::string(db_id));
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    while (st->step()) out.emplace_back(st->text(0), st->text(1), st->text(2));
    return out;
}

void catalog::set_description(std::string_view db_id, std::string_view table,
                              std::string_view column,
                              const std::optional<std::string>& description) {
    auto w = writer_.acquire();
    if (column.empty()) {
        auto st = w->cached(
            "INSERT INTO table_metadata (db_id, table_name, description) VALUES (?, ?, ?) "
            "ON CONFLICT (db_id, table_name) DO UPDATE SET description = excluded.description");
        st->bind(1, std::string(db_id)).bind(2, std::string(table)).bind(3, description);
        st->run();
    } else {
        auto st = w->cached(
            "INSERT INTO column_metadata (db_id, table_name, column_name, description) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (db_id, table_name, column_name) "
            "DO UPDATE SET description = excluded.description");
        st->bind(1, std::string(db_id))
            .bind(2, std::string(table))
            .bind(3, std::string(column))
            .bind(4, description);
        st->run();
    }
    wrote();
}

void catalog::set_order(std::string_view db_id, std::optional<std::string_view> table,
                        const std::vector<std::string>& ordered) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    if (!table) {
        auto clear =
            w->cached("UPDATE table_metadata SET placed = 0, follows = NULL WHERE db_id = ?");
        clear->bind(1, std::string(db_id));
        clear->run();
    } else {
        auto clear = w->cached(
            "UPDATE column_metadata SET placed = 0, follows = NULL "
            "WHERE db_id = ? AND table_name = ?");
        clear->bind(1, std::string(db_id)).bind(2, std::string(*table));
        clear->run();
    }
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        std::optional<std::string> follows;
        if (i > 0) follows = ordered[i - 1];
        if (!table) {
            auto st = w->cached(
                "INSERT INTO table_metadata (db_id, table_name, placed, follows) "
                "VALUES (?, ?, 1, ?) ON CONFLICT (db_id, table_name) "
                "DO UPDATE SET placed = 1, follows = excluded.follows");
            st->bind(1, std::string(db_id)).bind(2, ordered[i]).bind(3, follows);
            st->run();
        } else {
            auto st = w->cached(
                "INSERT INTO column_metadata (db_id, table_name, column_name, placed, follows) "
                "VALUES (?, ?, ?, 1, ?) ON CONFLICT (db_id, table_name, column_name) "
                "DO UPDATE SET placed = 1, follows = excluded.follows");
            st->bind(1, std::string(db_id))
                .bind(2, std::string(*table))
                .bind(3, ordered[i])
                .bind(4, follows);
            st->run();
        }
    }
    // Rows that say nothing any more.
    auto prune = w->cached(
        "DELETE FROM table_metadata WHERE db_id = ? AND placed = 0 AND description IS NULL");
    prune->bind(1, std::string(db_id));
    prune->run();
    auto prune_columns = w->cached(
        "DELETE FROM column_metadata WHERE db_id = ? AND placed = 0 AND description IS NULL");
    prune_columns->bind(1, std::string(db_id));
    prune_columns->run();
    tx.commit();
    wrote();
}

void catalog::rename_metadata(std::string_view db_id, std::string_view table,
                              std::string_view column, std::string_view new_name) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    auto run = [&](const std::string& sql, std::initializer_list<std::string_view> params) {
        auto st = w->cached(sql);
        int i = 1;
        for (auto p : params) st->bind(i++, std::string(p));
        st->run();
    };
    auto lower = [](std::string_view v) {
        std::string out(v);
        for (auto& c : out) {
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        return out;
    };
    // A change of case only: the rows are found under either spelling already.
    bool same = lower(column.empty() ? table : column) == lower(new_name);
    if (column.empty()) {
        // A row left under the new name (a table dropped behind the catalog's back) goes.
        if (!same) {
            run("DELETE FROM table_metadata WHERE db_id = ? AND table_name = ?", {db_id, new_name});
            run("DELETE FROM column_metadata WHERE db_id = ? AND table_name = ?",
                {db_id, new_name});
        }
        run("UPDATE table_metadata SET table_name = ? WHERE db_id = ? AND table_name = ?",
            {new_name, db_id, table});
        run("UPDATE table_metadata SET follows = ? WHERE db_id = ? AND follows = ?",
            {new_name, db_id, table});
        run("UPDATE column_metadata SET table_name = ? WHERE db_id = ? AND table_name = ?",
            {new_name, db_id, table});
    } else {
        if (!same) {
            run("DELETE FROM column_metadata WHERE db_id = ? AND table_name = ? AND "
                "column_name = ?",
                {db_id, table, new_name});
        }
        run("UPDATE column_metadata SET column_name = ? "
            "WHERE db_id = ? AND table_name = ? AND column_name = ?",
            {new_name, db_id, table, column});
        run("UPDATE column_metadata SET follows = ? "
            "WHERE db_id = ? AND table_name = ? AND follows = ?",
            {new_name, db_id, table, column});
    }
    tx.commit();
    wrote();
}

void catalog::copy_metadata(std::string_view from, std::string_view to) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    for (const char* sql :
         {"INSERT OR REPLACE INTO table_metadata (db_id, table_name, description, placed, follows) "
          "SELECT ?2, table_name, description, placed, follows FROM table_metadata "
          "WHERE db_id = ?1",
          "INSERT OR REPLACE INTO column_metadata (db_id, table_name, column_name, description, "
          "placed, follows) SELECT ?2, table_name, column_name, description, placed, follows "
          "FROM column_metadata WHERE db_id = ?1",
          // A duplicate's file cells hold the same bytes: their names and types stay valid
          // (they are served only while size and hash match).
          "INSERT OR REPLACE INTO file_metadata (db_id, table_name, column_name, row_id, "
          "file_name, media_type, size, content_hash, uploaded_utc) SELECT ?2, table_name, "
          "column_name, row_id, file_name, media_type, size, content_hash, uploaded_utc "
          "FROM file_metadata WHERE db_id = ?1"}) {
        auto st = w->cached(sql);
        st->bind(1, std::string(from)).bind(2, std::string(to));
        st->run();
    }
    tx.commit();
    wrote();
}

void catalog::drop_metadata(std::string_view db_id, std::string_view table,
                            std::string_view column) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    auto run = [&](const std::string& sql, std::initializer_list<std::string_view> params) {
        auto st = w->cached(sql);
        int i = 1;
        for (auto p : params) st->bind(i++, std::string(p));
        st->run();
    };
    if (column.empty()) {
        // The successor takes the dropped table's place in the chain.
        run("UPDATE table_metadata SET follows = (SELECT follows FROM table_metadata "
            "WHERE db_id = ?1 AND table_name = ?2) WHERE db_id = ?1 AND follows = ?2 AND EXISTS "
            "(SELECT 1 FROM table_metadata WHERE db_id = ?1 AND table_name = ?2 AND placed)",
            {db_id, table});
        run("DELETE FROM table_metadata WHERE db_id = ? AND table_name = ?", {db_id, table});
        run("DELETE FROM column_metadata WHERE db_id = ? AND table_name = ?", {db_id, table});
    } else {
        run("UPDATE column_metadata SET follows = (SELECT follows FROM column_metadata "
            "WHERE db_id = ?1 AND table_name = ?2 AND column_name = ?3) "
            "WHERE db_id = ?1 AND table_name = ?2 AND follows = ?3 AND EXISTS (SELECT 1 FROM "
            "column_metadata WHERE db_id = ?1 AND table_name = ?2 AND column_name = ?3 AND placed)",
            {db_id, table, column});
        run("DELETE FROM column_metadata WHERE db_id = ? AND table_name = ? AND column_name = ?",
            {db_id, table, column});
    }
    tx.commit();
    wrote();
}

}  // namespace airsql::catalog
