// SPDX-License-Identifier: Apache-2.0
#include "apps/bundle.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>
#include <set>
#include <vector>

#include "airsql/error.hpp"
#include "json/utf8.hpp"

namespace airsql::apps {

namespace {

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }
[[noreturn]] void too_large(const std::string& message) {
    throw error(errc::payload_too_large, message);
}

// A path for messages: valid UTF-8, at most 100 bytes.
std::string shown(std::string_view path) {
    return json::to_valid_utf8(std::string(path.substr(0, 100)));
}

struct archive_deleter {
    void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using archive_ptr = std::unique_ptr<archive, archive_deleter>;

archive_ptr open_zip(std::string_view bytes) {
    archive_ptr a(archive_read_new());
    if (!a) throw error(errc::resource_exhausted, "out of memory");
    // Zip only, read through its central directory (the list of entries that unzip tools
    // use); no other formats, no compression filters around the zip.
    archive_read_support_format_zip_seekable(a.get());
    if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        bad(fmt::format("the bundle is not a readable zip ({})",
                        json::to_valid_utf8(
                            archive_error_string(a.get()) ? archive_error_string(a.get()) : "")));
    }
    return a;
}

[[noreturn]] void broken_zip(archive* a) {
    const char* why = archive_error_string(a);
    std::string text = why ? std::string(why).substr(0, 200) : std::string("unknown error");
    bad(fmt::format("the bundle is not a readable zip ({})", json::to_valid_utf8(text)));
}

// The entry's name as stored (bytes), without a directory's trailing '/'.
std::string entry_name(archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    if (!raw) raw = archive_entry_pathname_utf8(e);
    if (!raw) bad("the zip has an entry whose name cannot be read");
    return raw;
}

struct entry_plan {
    std::string name;  // as stored
    bool directory = false;
};

std::uint32_t le(std::string_view b, std::size_t at, int n) {
    std::uint32_t v = 0;
    for (int i = n - 1; i >= 0; --i) {
        v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    }
    return v;
}

// libarchive hands out names as C strings, cut at a NUL: a name "a\0b" would arrive as "a".
// So the stored names are looked at here, in the central directory and in each entry's local
// header: one holding a NUL is refused. Anything that does not parse is left to libarchive.
void refuse_nul_in_names(std::string_view b) {
    constexpr std::size_t eocd_size = 22;
    if (b.size() < eocd_size) return;
    auto from = b.size() > eocd_size + 65535 ? b.size() - eocd_size - 65535 : 0;
    auto eocd = b.rfind(std::string_view("PK\x05\x06", 4));
    if (eocd == std::string_view::npos || eocd < from || eocd + eocd_size > b.size()) return;
    std::size_t count = le(b, eocd + 10, 2);
    std::size_t at = le(b, eocd + 16, 4);
    auto has_nul = [&](std::size_t start, std::size_t n) {
        return start + n <= b.size() && b.substr(start, n).find('\0') != std::string_view::npos;
    };
    for (std::size_t i = 0; i < count; ++i) {
        if (at + 46 > b.size() || b.substr(at, 4) != std::string_view("PK\x01\x02", 4)) return;
        std::size_t name = le(b, at + 28, 2);
        std::size_t extra = le(b, at + 30, 2);
        std::size_t comment = le(b, at + 32, 2);
        std::size_t local = le(b, at + 42, 4);
        bool nul = has_nul(at + 46, name);
        if (!nul && local + 30 <= b.size() &&
            b.substr(local, 4) == std::string_view("PK\x03\x04", 4)) {
            nul = has_nul(local + 30, le(b, local + 26, 2));
        }
        if (nul) bad("a zip entry's name holds a NUL byte");
        at += 46 + name + extra + comment;
    }
}

// Pass 1: every entry's name and type, before any byte is unpacked.
std::vector<entry_plan> list_entries(std::string_view bytes, const bundle_limits& limits) {
    auto a = open_zip(bytes);
    std::vector<entry_plan> out;
    std::set<std::string> names;
    std::set<std::string> folders;
    archive_entry* e = nullptr;
    for (;;) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) broken_zip(a.get());
        if (out.size() >= limits.max_files) {
            too_large(fmt::format("the zip has more than {} entries", limits.max_files));
        }
        entry_plan p;
        p.name = entry_name(e);
        auto type = archive_entry_filetype(e);
        if (archive_entry_symlink(e) || type == AE_IFLNK) {
            bad(fmt::format("the zip entry \"{}\" is a symbolic link; apps hold plain files only",
                            shown(p.name)));
        }
        if (archive_entry_hardlink(e)) {
            bad(fmt::format("the zip entry \"{}\" is a hard link; apps hold plain files only",
                            shown(p.name)));
        }
        if (type == AE_IFDIR) {
            p.directory = true;
        } else if (type != AE_IFREG) {
            bad(fmt::format("the zip entry \"{}\" is not a plain file", shown(p.name)));
        }
        if (archive_entry_is_encrypted(e)) {
            bad(fmt::format("the zip entry \"{}\" is encrypted", shown(p.name)));
        }
        std::string path = p.name;
        if (p.directory && !path.empty() && path.back() == '/') path.pop_back();
        if (auto why = path_problem(path); !why.empty()) {
            bad(fmt::format("the zip entry \"{}\" has an unsafe name: {}", shown(p.name), why));
        }
        if (p.directory) {
            if (names.count(path)) {
                bad(fmt::format("the zip has \"{}\" as a file and as a folder", shown(path)));
            }
            folders.insert(path);
        } else if (!names.insert(path).second) {
            bad(fmt::format("the zip has two entries named \"{}\"", shown(path)));
        } else if (folders.count(path)) {
            bad(fmt::format("the zip has \"{}\" as a file and as a folder", shown(path)));
        }
        p.name = path;
        out.push_back(std::move(p));
    }
    // A file may not also be a folder of another file ("a" and "a/b").
    for (const auto& n : names) {
        for (auto slash = n.find('/'); slash != std::string::npos; slash = n.find('/', slash + 1)) {
            if (names.count(n.substr(0, slash))) {
                bad(fmt::format("the zip has \"{}\" as a file and as a folder",
                                shown(n.substr(0, slash))));
            }
        }
    }
    return out;
}

// The folder every file sits in, when there is exactly one and no top-level index.html.
std::string common_top_folder(const std::vector<entry_plan>& entries) {
    std::string top;
    bool any_file = false;
    for (const auto& p : entries) {
        if (p.directory) continue;
        any_file = true;
        if (p.name == "index.html") return {};
        auto slash = p.name.find('/');
        if (slash == std::string::npos) return {};
        auto folder = p.name.substr(0, slash + 1);
        if (top.empty()) {
            top = folder;
        } else if (top != folder) {
            return {};
        }
    }
    return any_file ? top : std::string();
}

bundle_summary read_zip(std::string_view bytes, const bundle_limits& limits,
                        const bundle_sink& sink) {
    refuse_nul_in_names(bytes);
    auto entries = list_entries(bytes, limits);
    auto strip = common_top_folder(entries);
    bool has_index = false;
    for (const auto& p : entries) {
        if (p.directory) continue;
        auto name = p.name.substr(strip.size());
        if (name == "index.html") has_index = true;
        // Without its folder, a name may start with the reserved '~'.
        if (auto why = path_problem(name); !why.empty()) {
            bad(fmt::format("the zip entry \"{}\" has an unsafe name: {}", shown(p.name), why));
        }
    }
    if (!has_index) bad("the zip has no index.html (at the top, or in its only folder)");

    // Pass 2: unpack, counting the bytes actually produced.
    auto a = open_zip(bytes);
    bundle_summary out;
    out.zip = true;
    std::uint64_t ratio_cap = limits.max_ratio * static_cast<std::uint64_t>(bytes.size());
    std::string content;
    std::vector<char> buffer(64 * 1024);
    archive_entry* e = nullptr;
    for (std::size_t i = 0;; ++i) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) broken_zip(a.get());
        // The same entries in the same order as in pass 1 (the same bytes, the same reader).
        if (i >= entries.size()) bad("the zip's entries changed between readings");
        const auto& plan = entries[i];
        if (plan.directory) continue;
        content.clear();
        for (;;) {
            auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
            if (n == 0) break;
            if (n < 0) broken_zip(a.get());
            content.append(buffer.data(), static_cast<std::size_t>(n));
            out.unpacked_bytes += static_cast<std::uint64_t>(n);
            if (content.size() > limits.max_file_bytes) {
                too_large(fmt::format("the zip entry \"{}\" unpacks to more than {} bytes",
                                      shown(plan.name), limits.max_file_bytes));
            }
            if (out.unpacked_bytes > limits.max_unpacked_bytes) {
                too_large(fmt::format("the zip unpacks to more than {} bytes",
                                      limits.max_unpacked_bytes));
            }
            if (out.unpacked_bytes > limits.ratio_floor_bytes && out.unpacked_bytes > ratio_cap) {
                too_large(
                    fmt::format("the zip unpacks to more than {} times its size (a zip bomb?)",
                                limits.max_ratio));
            }
        }
        sink(plan.name.substr(strip.size()), content);
        ++out.files;
    }
    return out;
}

}  // namespace

std::string path_problem(std::string_view path) {
    if (path.empty()) return "empty name";
    if (path.size() > max_path_bytes) return fmt::format("longer than {} bytes", max_path_bytes);
    if (json::first_invalid_utf8(path) != path.size()) return "not UTF-8";
    if (path.front() == '/') return "an absolute path";
    std::size_t depth = 0;
    std::size_t start = 0;
    for (;;) {
        auto end = path.find('/', start);
        auto segment = path.substr(start, end == std::string_view::npos ? path.npos : end - start);
        if (segment.empty()) return "an empty folder name (\"//\")";
        if (segment == "." || segment == "..") return "\".\" or \"..\" in the path";
        if (start == 0 && segment.front() == '~') return "a top-level name starting with '~'";
        if (++depth > max_path_depth) {
            return fmt::format("more than {} folders deep", max_path_depth);
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    for (unsigned char ch : path) {
        if (ch == '\\') return "a backslash";
        if (ch == ':') return "a ':' (drive letters are not paths here)";
        if (ch < 0x20 || ch == 0x7f) return "a control character";
    }
    return {};
}

bundle_summary read_bundle(std::string_view bytes, const bundle_limits& limits,
                           const bundle_sink& sink) {
    if (bytes.size() > limits.max_bundle_bytes) {
        too_large(fmt::format("the bundle is larger than {} bytes", limits.max_bundle_bytes));
    }
    if (bytes.empty()) bad("the bundle is empty: send a zip or an HTML file");
    if (bytes.starts_with("PK")) return read_zip(bytes, limits, sink);
    // One HTML file.
    if (bytes.find('\0') != std::string_view::npos ||
        json::first_invalid_utf8(bytes) != bytes.size()) {
        bad("the bundle is neither a zip nor an HTML file (UTF-8 text)");
    }
    if (bytes.size() > limits.max_file_bytes) {
        too_large(fmt::format("the HTML file is larger than {} bytes", limits.max_file_bytes));
    }
    sink("index.html", bytes);
    return {1, bytes.size(), false};
}

}  // namespace airsql::apps
