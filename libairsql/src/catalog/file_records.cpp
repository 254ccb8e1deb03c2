// SPDX-License-Identifier: Apache-2.0
#include "catalog/catalog.hpp"

namespace airsql::catalog {

void catalog::put_file_metadata(const file_metadata_record& m) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "INSERT OR REPLACE INTO file_metadata (db_id, table_name, column_name, row_id, file_name, "
        "media_type, size, content_hash, uploaded_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st->bind(1, m.db_id)
        .bind(2, m.table_name)
        .bind(3, m.column_name)
        .bind(4, m.row_id)
        .bind(5, m.file_name)
        .bind(6, m.media_type)
        .bind(7, static_cast<std::int64_t>(m.size))
        .bind(8, m.content_hash)
        .bind(9, m.uploaded_utc);
    st->run();
}

std::optional<file_metadata_record> catalog::find_file_metadata(std::string_view db_id,
                                                                std::string_view table_name,
                                                                std::string_view column_name,
                                                                std::int64_t row_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT file_name, media_type, size, content_hash, uploaded_utc FROM file_metadata "
        "WHERE db_id = ? AND table_name = ? AND column_name = ? AND row_id = ?");
    st->bind(1, std::string(db_id))
        .bind(2, std::string(table_name))
        .bind(3, std::string(column_name))
        .bind(4, row_id);
    if (!st->step()) return std::nullopt;
    return file_metadata_record{std::string(db_id),  std::string(table_name),
                                std::string(column_name), row_id,
                                st->optional_text(0), st->optional_text(1),
                                static_cast<std::uint64_t>(st->int64(2)), st->text(3),
                                st->text(4)};
}

}  // namespace airsql::catalog
