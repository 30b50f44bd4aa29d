// Secrets and ids from a CSPRNG (OpenSSL RAND_bytes), and constant-time comparison.
#pragma once

#include <string>
#include <string_view>

namespace squall {

// `bytes` random bytes, base64url without padding. Aborts if the CSPRNG fails (never falls back).
std::string RandomKey(std::size_t bytes = 40);
// A random (version 4) UUID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301".
std::string RandomUuid();
// Constant-time in the length of `expected` (CRYPTO_memcmp); false on length mismatch.
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

}  // namespace squall
