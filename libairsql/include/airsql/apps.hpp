// SPDX-License-Identifier: Apache-2.0
// Apps of a database (`/api/dbs/:dbId/apps`, served at `/dbs/:dbId/apps/:appId`): static
// bundles (a zip, or one HTML file) that Editors upload and whoever may read the database
// opens. The files are unpacked (zip bombs, unsafe names, symlinks and duplicates refused),
// checked and stored under the data folder, never the zip.
//
// An app must not act with its visitor's full rights: a transport serves it sandboxed (its own
// opaque origin, no cookies), and `open_app` gives the page a short-lived session scoped to
// this one database (principal_kind::app_session) with at most the visitor's rights there,
// plus an asset key that lets the sandboxed page load the app's other files. See
// docs/security.md.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/streams.hpp"

namespace airsql {

class engine;
class principal;

/// A stored app: `GET /api/dbs/:dbId/apps` items.
struct app_info {
    std::string id;     ///< a ULID
    std::string name;   ///< unique in the database: letters, digits, '-', '_', '.'
    std::string title;  ///< free text (may be empty)
    std::uint64_t file_count = 0;
    std::uint64_t size_bytes = 0;    ///< the unpacked files together
    std::uint64_t upload_bytes = 0;  ///< the bundle as uploaded
    std::string created_utc;
    std::string updated_utc;
    bool operator==(const app_info&) const = default;
};

/// An upload (`POST …/apps`, `PUT …/apps/:appId`): the bundle, and for POST the name
/// (default: the bundle's file name without extension, else "app") and title.
struct app_upload {
    byte_source bundle;
    std::optional<std::string> name;
    std::optional<std::string> title;
};

/// `PATCH …/apps/:appId`: absent fields stay.
struct app_changes {
    std::optional<std::string> name;
    std::optional<std::string> title;
};

/// One stored file of an app, to send.
struct app_file {
    std::filesystem::path path;  ///< on disk
    std::string media_type;      ///< from the name's extension
    std::string etag;            ///< strong, quoted: the content's SHA-256
    std::uint64_t size = 0;
};

/// What opening an app gives its visitor: the index page with the app's context injected.
struct app_launch {
    /// index.html with, right after `<head>` (or at the start), a
    /// `<meta name="airsql-app" content="{…}">` holding JSON {db, app, graphql, token,
    /// expiresUtc} and a `<base href>` to the app's asset folder (with the asset key).
    std::string html;
    /// The database-scoped session for a signed-in visitor (empty for anonymous visitors of
    /// public databases: they use the API without credentials, read-only).
    std::string token;
    std::string expires_utc;
    std::string asset_key;  ///< the path segment (`~…`) under which the other files load
    /// A fresh nonce given to every `<script` tag of index.html (`nonce=…`): a transport's
    /// CSP allows those inline scripts, and no script injected later.
    std::string script_nonce;
};

/// The database's apps, oldest first (read access).
std::vector<app_info> list_apps(engine& eng, const principal& who, std::string_view db_id);

/// Stores a new app (Editor rights: team Editor/Admin or a write token). Limits in `options`
/// (`max_app_*`, `max_apps_per_database`); `payload_too_large` for an oversize bundle or one
/// that unpacks to too much, `invalid_argument` for anything else wrong with it.
app_info create_app(engine& eng, const principal& who, std::string_view db_id,
                    const app_upload& upload);

/// Replaces an app's files with a new bundle (Editor rights); name and title change when
/// given. Visitors see either the old or the new files, never a mix.
app_info replace_app(engine& eng, const principal& who, std::string_view db_id,
                     std::string_view app_id, const app_upload& upload);

/// Renames or retitles an app (Editor rights).
app_info update_app(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view app_id, const app_changes& changes);

/// Deletes an app and its files (Editor rights).
void delete_app(engine& eng, const principal& who, std::string_view db_id, std::string_view app_id);

/// Opens an app (read access): for a signed-in user, mints the database-scoped session
/// (`options::app_session_lifetime`; a user keeps the newest 20 per database, older ones end). An app's own session cannot open apps
/// (`permission_denied`): it cannot renew itself.
app_launch open_app(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view app_id);

/// One file of an app. `path` is the path under the app; when it starts with an asset key
/// segment (`~…`, from open_app) the key is checked instead of `who`'s rights, else `who` needs
/// read access. `not_found` for unknown files and bad or expired keys.
app_file read_app_file(engine& eng, const principal& who, std::string_view db_id,
                       std::string_view app_id, std::string_view path);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const app_info& v);
app_changes tag_invoke(boost::json::value_to_tag<app_changes>, const boost::json::value& jv);

}  // namespace airsql
