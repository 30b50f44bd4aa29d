#include "core/random.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace squall {
namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool AllBase64Url(const std::string& s) {
  return s.find_first_not_of(kBase64Url) == std::string::npos;
}

// Index of c in the base64url alphabet.
int SextetOf(char c) { return static_cast<int>(kBase64Url.find(c)); }

TEST(RandomKeyTest, DefaultIs40BytesAs54Base64UrlChars) {
  std::string key = RandomKey();
  EXPECT_EQ(key.size(), 54u);  // ceil(40 * 8 / 6), no padding
  EXPECT_TRUE(AllBase64Url(key)) << key;
  EXPECT_EQ(key.find('='), std::string::npos);
}

TEST(RandomKeyTest, LengthIsCeilOfEightBitsPerSixForEachSize) {
  for (std::size_t bytes : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 16u, 32u, 33u, 64u}) {
    std::string key = RandomKey(bytes);
    EXPECT_EQ(key.size(), (bytes * 8 + 5) / 6) << "bytes=" << bytes;
    EXPECT_TRUE(AllBase64Url(key)) << key;
  }
}

TEST(RandomKeyTest, TrailingPartialSextetIsZeroPadded) {
  // 1 byte = 8 bits -> 2 chars, the second carries 2 data bits + 4 zero bits.
  // 2 bytes = 16 bits -> 3 chars, the last carries 4 data bits + 2 zero bits.
  for (int i = 0; i < 50; ++i) {
    std::string one = RandomKey(1);
    ASSERT_EQ(one.size(), 2u);
    EXPECT_EQ(SextetOf(one[1]) & 0x0f, 0) << one;
    std::string two = RandomKey(2);
    ASSERT_EQ(two.size(), 3u);
    EXPECT_EQ(SextetOf(two[2]) & 0x03, 0) << two;
    std::string forty = RandomKey(40);  // 320 bits = 53 sextets + 2 bits
    EXPECT_EQ(SextetOf(forty.back()) & 0x0f, 0) << forty;
  }
}

TEST(RandomKeyTest, KeysDiffer) {
  std::set<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.insert(RandomKey());
  EXPECT_EQ(keys.size(), 100u);
}

TEST(RandomKeyTest, UsesTheWholeAlphabetOverManyKeys) {
  // 64 symbols; ~5400 draws make missing any symbol astronomically unlikely unless the encoder
  // never produces it (e.g. a wrong alphabet or a wrong shift).
  std::set<char> seen;
  for (int i = 0; i < 100; ++i)
    for (char c : RandomKey()) seen.insert(c);
  EXPECT_EQ(seen.size(), 64u);
}

TEST(RandomUuidTest, HasCanonicalVersion4Format) {
  for (int i = 0; i < 100; ++i) {
    std::string u = RandomUuid();
    ASSERT_EQ(u.size(), 36u) << u;
    for (std::size_t p = 0; p < u.size(); ++p) {
      if (p == 8 || p == 13 || p == 18 || p == 23) {
        EXPECT_EQ(u[p], '-') << u;
      } else {
        EXPECT_NE(std::string_view("0123456789abcdef").find(u[p]), std::string_view::npos)
            << "position " << p << " of " << u;
      }
    }
    EXPECT_EQ(u[14], '4') << u;  // version 4
    EXPECT_NE(std::string_view("89ab").find(u[19]), std::string_view::npos) << u;  // RFC 4122
  }
}

TEST(RandomUuidTest, UuidsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) ids.insert(RandomUuid());
  EXPECT_EQ(ids.size(), 100u);
}

TEST(ConstantTimeEqualsTest, TruthTable) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "Abc"));  // case matters
  EXPECT_FALSE(ConstantTimeEquals("xbc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));  // prefix
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
}

TEST(ConstantTimeEqualsTest, ComparesEmbeddedNulBytes) {
  std::string a("a\0b", 3);
  std::string b("a\0c", 3);
  std::string c("a\0b", 3);
  EXPECT_FALSE(ConstantTimeEquals(a, b));
  EXPECT_TRUE(ConstantTimeEquals(a, c));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a"), a));
}

TEST(ConstantTimeEqualsTest, GeneratedKeyEqualsOnlyItself) {
  std::string key = RandomKey();
  std::string copy = key;
  EXPECT_TRUE(ConstantTimeEquals(copy, key));
  copy.back() = copy.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ConstantTimeEquals(copy, key));
}

}  // namespace
}  // namespace squall
