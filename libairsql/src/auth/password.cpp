// SPDX-License-Identifier: Apache-2.0
#include "auth/password.hpp"

#include <sodium.h>

#include "airsql/error.hpp"
#include "core/blocking.hpp"

namespace airsql::auth {

std::string hash_password(std::string_view password, std::uint64_t ops, std::size_t memory) {
    core::about_to_block();
    std::string out(crypto_pwhash_STRBYTES, '\0');
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), ops, memory,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        throw error(errc::resource_exhausted, "not enough memory to hash the password");
    }
    out.resize(std::char_traits<char>::length(out.c_str()));
    return out;
}

bool verify_password(std::string_view encoded_hash, std::string_view password) {
    core::about_to_block();
    std::string h(encoded_hash);  // needs NUL termination
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace airsql::auth
