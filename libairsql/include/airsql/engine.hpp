// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "airsql/options.hpp"

namespace airsql {

/// Owns all state of one airsql instance: the data directory, the catalog, the open database
/// files and their caches. Every other library call takes an `engine&`.
///
/// Thread-safety: all free functions taking `engine&` may be called from any number of
/// threads at once. Construction and destruction are not concurrent with anything else.
/// Two engines cannot share a data directory: the second is refused (see below).
class engine {
public:
    /// Opens (or creates) `opts.data_dir`, creates or migrates `catalog.sqlite`.
    /// Holds an exclusive lock on `data_dir/airsql.lock` until destroyed.
    /// Throws `error` with `errc::unavailable` when the directory cannot be used,
    /// `errc::failed_precondition` when another engine (in any process) holds the folder, and
    /// `errc::internal` when the catalog is damaged or from a newer airsql.
    explicit engine(options opts);
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    /// The options this engine runs with (as given, with `data_dir` made absolute).
    const options& config() const noexcept;

    /// Library-internal state. The type is complete only inside libairsql.
    class impl;
    impl& internals() noexcept { return *impl_; }

private:
    std::unique_ptr<impl> impl_;
};

}  // namespace airsql
