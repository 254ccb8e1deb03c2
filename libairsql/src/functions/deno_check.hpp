// SPDX-License-Identifier: Apache-2.0
// Type-checking a module on save with `deno check`, and reading its messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "airsql/functions.hpp"
#include "airsql/options.hpp"

namespace airsql::functions {

/// The messages of `deno check` output (NO_COLOR): "TS2322 [ERROR]: …" type errors and
/// "error: …" failures (the module does not parse), each with the line and column of the
/// following "at file:///…:L:C". File paths in messages are replaced by `module_name`.
std::vector<function_diagnostic> parse_check_output(std::string_view output,
                                                    std::string_view module_path,
                                                    std::string_view module_name);

/// Imports of local files (`file:`, `/…`, `./…`, `../…` after `from`, `import`, `require`)
/// and triple-slash references, as syntax diagnostics: `deno check` would read those files.
std::vector<function_diagnostic> local_file_imports(std::string_view content);

/// Runs `deno check` on `content` (in a scratch folder under `<data_dir>/functions`). Throws
/// `unavailable` without Deno.
std::vector<function_diagnostic> check_module(const options& opts, const std::string& content);

}  // namespace airsql::functions
