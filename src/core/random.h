// Secrets and ids from a CSPRNG (OpenSSL RAND_bytes), and constant-time comparison.
#pragma once

#include <string>
#include <string_view>

namespace squall {

// `bytes` random bytes, base64url without padding. Aborts if the CSPRNG fails (never falls back).
std::string RandomKey(std::size_t bytes = 40);
// A random (version 4) UUID: "3f2504e0-4f89-41d3-9a0c-0305e82c3301".
std::string RandomUuid();
// A version-4-formatted UUID for ids that must be unique but need not be secret (invocation ids,
// sys.RandGuid): a per-thread generator seeded from the CSPRNG, ~20x cheaper than RandomUuid.
std::string FastUuid();
// Constant-time in the length of `expected` (CRYPTO_memcmp); false on length mismatch.
bool ConstantTimeEquals(std::string_view given, std::string_view expected);

}  // namespace squall
