// SPDX-License-Identifier: Apache-2.0
#include "core/ids.hpp"

#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdint>

namespace airsql::core {

namespace {

constexpr std::string_view crockford = "0123456789abcdefghjkmnpqrstvwxyz";

std::string random_from(std::string_view alphabet, std::size_t n) {
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))]);
    }
    return out;
}

}  // namespace

std::string make_ulid() {
    using namespace std::chrono;
    auto ms = static_cast<std::uint64_t>(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
    std::string out(26, '0');
    // 48-bit timestamp in the first 10 characters (5 bits each, most significant first).
    for (int i = 9; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = crockford[ms & 31u];
        ms >>= 5;
    }
    // 80 random bits in the last 16 characters.
    std::array<unsigned char, 10> rnd{};
    randombytes_buf(rnd.data(), rnd.size());
    std::uint64_t hi = 0;  // first 40 bits
    std::uint64_t lo = 0;  // last 40 bits
    for (int i = 0; i < 5; ++i) hi = (hi << 8) | rnd[static_cast<std::size_t>(i)];
    for (int i = 5; i < 10; ++i) lo = (lo << 8) | rnd[static_cast<std::size_t>(i)];
    for (int i = 17; i >= 10; --i) {
        out[static_cast<std::size_t>(i)] = crockford[hi & 31u];
        hi >>= 5;
    }
    for (int i = 25; i >= 18; --i) {
        out[static_cast<std::size_t>(i)] = crockford[lo & 31u];
        lo >>= 5;
    }
    return out;
}

std::string random_base62(std::size_t n) {
    return random_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", n);
}

std::string make_readonly_id() { return random_from("0123456789abcdefghijklmnopqrstuvwxyz", 16); }

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(data.data()),
                       data.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace airsql::core
