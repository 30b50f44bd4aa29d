#include "core/random.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace squall {
namespace {

void FillRandom(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    fmt::print(stderr, "fatal: the CSPRNG failed; refusing to make a key\n");
    std::abort();
  }
}

}  // namespace

std::string RandomKey(std::size_t bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<unsigned char> raw(bytes);
  FillRandom(raw.data(), raw.size());
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : raw) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string RandomUuid() {
  std::array<unsigned char, 16> b;
  FillRandom(b.data(), b.size());
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return fmt::format("{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
                     "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                     b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                     b[12], b[13], b[14], b[15]);
}

std::string FastUuid() {
  // splitmix64 over a per-thread seed from RAND_bytes: unique and unpredictable enough for ids.
  thread_local std::uint64_t state = [] {
    std::uint64_t seed;
    FillRandom(reinterpret_cast<unsigned char*>(&seed), sizeof(seed));
    return seed;
  }();
  auto next = [] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t hi = next(), lo = next();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace squall
