// SPDX-License-Identifier: Apache-2.0
#include "functions/deno_check.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <charconv>
#include <fstream>

#include "airsql/error.hpp"
#include "core/ids.hpp"
#include "functions/child_process.hpp"
#include "functions/deno_host.hpp"
#include "json/utf8.hpp"

namespace airsql::functions {

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    if (from.empty()) return s;
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
    return s;
}

bool to_int(std::string_view s, std::int64_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

// "at file:///x/mod.ts:12:5" → (12, 5).
bool location(std::string_view line, std::int64_t& l, std::int64_t& c) {
    if (line.substr(0, 3) != "at ") return false;
    auto last = line.rfind(':');
    if (last == std::string_view::npos) return false;
    auto before = line.rfind(':', last - 1);
    if (before == std::string_view::npos) return false;
    return to_int(line.substr(before + 1, last - before - 1), l) &&
           to_int(line.substr(last + 1), c);
}

// 1-based line and column of `at` in `text`.
std::pair<std::int64_t, std::int64_t> place_of(std::string_view text, std::size_t at) {
    std::int64_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

}  // namespace

std::vector<function_diagnostic> local_file_imports(std::string_view content) {
    // `deno check` reads what a module imports, with no permission system: a module importing
    // /etc/passwd would get pieces of it quoted back in diagnostics. Such imports would fail at
    // run time anyway (the Worker may read its own module only), so they are refused on save.
    std::vector<function_diagnostic> out;
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    for (std::string_view keyword : {"from", "import", "require", "reference"}) {
        for (auto at = content.find(keyword); at != std::string_view::npos;
             at = content.find(keyword, at + 1)) {
            auto i = at + keyword.size();
            if (keyword == "reference") {
                out.push_back({"triple-slash reference directives are not allowed in functions",
                               std::nullopt, place_of(content, at).first,
                               place_of(content, at).second, true});
                break;
            }
            while (i < content.size() && is_space(content[i])) ++i;
            if (i < content.size() && content[i] == '(') ++i;
            while (i < content.size() && is_space(content[i])) ++i;
            if (i >= content.size() ||
                (content[i] != '"' && content[i] != '\'' && content[i] != '`')) {
                continue;
            }
            auto spec = content.substr(i + 1, 8);
            bool local = spec.substr(0, 5) == "file:" || spec.substr(0, 1) == "/" ||
                         spec.substr(0, 1) == "." || spec.substr(0, 1) == "\\";
            if (local && out.size() < 100) {
                auto [line, column] = place_of(content, i);
                out.push_back({"a function is one module: imports of local files are not allowed",
                               std::nullopt, line, column, true});
            }
        }
    }
    return out;
}

std::vector<function_diagnostic> parse_check_output(std::string_view output,
                                                    std::string_view module_path,
                                                    std::string_view module_name) {
    std::vector<function_diagnostic> out;
    bool located = true;
    std::string url = "file://" + std::string(module_path);
    while (!output.empty()) {
        auto nl = output.find('\n');
        auto raw = output.substr(0, nl);
        output = nl == std::string_view::npos ? std::string_view() : output.substr(nl + 1);
        auto line = trimmed(raw);
        if (out.size() >= 100) break;
        // "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'."
        if (line.size() > 2 && line.substr(0, 2) == "TS") {
            auto bracket = line.find(" [");
            auto colon = line.find("]: ");
            if (bracket != std::string_view::npos && colon != std::string_view::npos &&
                bracket < colon) {
                function_diagnostic d;
                d.code = std::string(line.substr(0, bracket));
                d.message = std::string(line.substr(colon + 3));
                out.push_back(std::move(d));
                located = false;
                continue;
            }
        }
        if (line.substr(0, 7) == "error: ") {
            auto message = line.substr(7);
            if (message == "Type checking failed.") continue;
            function_diagnostic d;
            d.message = std::string(message);
            d.syntax = true;
            out.push_back(std::move(d));
            located = false;
            continue;
        }
        std::int64_t l = 0, c = 0;
        if (!located && location(line, l, c)) {
            out.back().line = l;
            out.back().column = c;
            located = true;
        }
    }
    for (auto& d : out) {
        d.message = json::to_valid_utf8(
            replace_all(replace_all(d.message, url, module_name), module_path, module_name));
        if (d.message.size() > 2000) d.message.resize(2000);
        d.message = json::to_valid_utf8(d.message);
    }
    return out;
}

std::vector<function_diagnostic> check_module(const options& opts, const std::string& content) {
    if (opts.deno_executable.empty()) {
        throw error(errc::unavailable, "functions are not available: no Deno is configured");
    }
    if (auto refused = local_file_imports(content); !refused.empty()) return refused;
    auto folder = opts.data_dir / "functions";
    auto dir = folder / "checks" / core::make_ulid();
    std::filesystem::create_directories(dir);
    std::filesystem::create_directories(folder / "deno_dir");
    struct cleanup {
        std::filesystem::path dir;
        ~cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    } remove{dir};
    auto file = dir / "mod.ts";
    {
        std::ofstream f(file, std::ios::binary);
        f.write(content.data(), static_cast<std::streamsize>(content.size()));
        // Functions take an untyped `context`: implicit any is not worth a message.
        std::ofstream config(dir / "deno.json");
        config << R"({"compilerOptions": {"noImplicitAny": false}})";
        if (!f || !config) throw error(errc::unavailable, "cannot write the module to check it");
    }
    child_limits limits;
    limits.max_open_files = opts.function_max_open_files;
    limits.max_file_bytes = 64u * 1024 * 1024;  // Deno's own cache
    auto result =
        run_to_end(opts.deno_executable,
                   {"check", "--no-lock", "--no-remote", "--no-npm", "--config",
                    (dir / "deno.json").string(), file.string()},
                   deno_environment(folder), limits, std::chrono::milliseconds(60'000), 256 * 1024);
    if (result.timed_out) {
        return {{"type checking took longer than 60 s and was stopped", std::nullopt, 0, 0, false}};
    }
    auto diagnostics = parse_check_output(result.output, file.string(), "mod.ts");
    bool failed = !(WIFEXITED(result.wait_status) && WEXITSTATUS(result.wait_status) == 0);
    if (failed && diagnostics.empty()) {
        // A failure without a message we know: keep the module out of service, say why.
        auto text = result.output.substr(0, 2000);
        diagnostics.push_back({"deno check failed: " + text, std::nullopt, 0, 0, true});
    }
    return diagnostics;
}

}  // namespace airsql::functions
