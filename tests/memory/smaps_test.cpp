#include "memory/smaps.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace squall {
namespace {

using ::testing::HasSubstr;

// Linux 6.x /proc/self/smaps_rollup, as read on the development machine.
constexpr const char* kRollup =
    "55a06f7c4000-7ffcc772a000 ---p 00000000 00:00 0                          [rollup]\n"
    "Rss:                1756 kB\n"
    "Pss:                 219 kB\n"
    "Pss_Dirty:           112 kB\n"
    "Pss_Anon:            112 kB\n"
    "Pss_File:            107 kB\n"
    "Pss_Shmem:             0 kB\n"
    "Shared_Clean:       1608 kB\n"
    "Shared_Dirty:          0 kB\n"
    "Private_Clean:        36 kB\n"
    "Private_Dirty:       112 kB\n"
    "Referenced:         1756 kB\n"
    "Anonymous:           112 kB\n"
    "KSM:                   0 kB\n"
    "LazyFree:              0 kB\n"
    "AnonHugePages:         0 kB\n"
    "ShmemPmdMapped:        0 kB\n"
    "FilePmdMapped:         0 kB\n"
    "Shared_Hugetlb:        0 kB\n"
    "Private_Hugetlb:       0 kB\n"
    "Swap:                  0 kB\n"
    "SwapPss:               0 kB\n"
    "Locked:                0 kB\n";

TEST(SmapsRollupTest, ParsesTheKernelsFormatInBytes) {
  auto r = ParseSmapsRollup(kRollup);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->rss, 1756 * 1024);
  EXPECT_EQ(r->pss, 219 * 1024);
  EXPECT_EQ(r->pss_anon, 112 * 1024);
  EXPECT_EQ(r->pss_file, 107 * 1024);
  EXPECT_EQ(r->shared_clean, 1608 * 1024);
  EXPECT_EQ(r->private_clean, 36 * 1024);
  EXPECT_EQ(r->private_dirty, 112 * 1024);
  EXPECT_EQ(r->anonymous, 112 * 1024);
  EXPECT_EQ(r->swap, 0);
}

TEST(SmapsRollupTest, OlderKernelsWithoutPssBreakdownAndWithoutHeaderParse) {
  // 4.14 had no Pss_Anon/File/Shmem; the header line is optional here.
  auto r = ParseSmapsRollup("Rss: 10 kB\nPss: 4 kB\nSwap: 1 kB\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->rss, 10240);
  EXPECT_EQ(r->pss, 4096);
  EXPECT_EQ(r->pss_anon, 0);
  EXPECT_EQ(r->swap, 1024);
}

TEST(SmapsRollupTest, UnknownFieldsOfAnyShapeAreIgnored) {
  auto r = ParseSmapsRollup("Rss: 1 kB\nPss: 1 kB\nVmFlags: rd wr mr\nFutureField: 7\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->rss, 1024);
}

TEST(SmapsRollupTest, MissingRssOrPssIsAnError) {
  auto no_pss = ParseSmapsRollup("Rss: 1 kB\n");
  ASSERT_FALSE(no_pss.ok());
  EXPECT_EQ(no_pss.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_pss.status().message(), HasSubstr("no Pss line"));
  EXPECT_FALSE(ParseSmapsRollup("").ok());
  EXPECT_FALSE(ParseSmapsRollup("Pss: 1 kB\n").ok());
}

TEST(SmapsRollupTest, MalformedKnownFieldsNameTheLine) {
  auto r = ParseSmapsRollup("Rss: 1 kB\nPss: lots\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("line 2: Pss"));
  EXPECT_FALSE(ParseSmapsRollup("Rss: 1 MB\nPss: 1 kB\n").ok());   // wrong unit
  EXPECT_FALSE(ParseSmapsRollup("Rss: -1 kB\nPss: 1 kB\n").ok());  // negative
  EXPECT_FALSE(ParseSmapsRollup("Rss: 1 kB extra\nPss: 1 kB\n").ok());
  EXPECT_FALSE(ParseSmapsRollup("Rss: 1kB\nPss: 1 kB\n").ok());  // no space before unit
  EXPECT_FALSE(ParseSmapsRollup("Rss: 1 kB\nPss: 1 kB\ngarbage\n").ok());
}

TEST(SmapsRollupTest, RepeatedFieldsAndSecondHeadersAreErrors) {
  EXPECT_THAT(ParseSmapsRollup("Rss: 1 kB\nRss: 2 kB\nPss: 1 kB\n").status().message(),
              HasSubstr("appears twice"));
  EXPECT_THAT(ParseSmapsRollup("00-10 r--p 0 00:00 0 a\nRss: 1 kB\nPss: 1 kB\n"
                               "10-20 r--p 0 00:00 0 b\nRss: 1 kB\n")
                  .status()
                  .message(),
              HasSubstr("second mapping header"));
}

TEST(SmapsRollupTest, ValuesThatWouldOverflowBytesAreRefused) {
  // 2^53 kB is 2^63 bytes: one more than an int64 holds.
  EXPECT_FALSE(ParseSmapsRollup("Rss: 9007199254740992 kB\nPss: 1 kB\n").ok());
  auto max = ParseSmapsRollup("Rss: 9007199254740991 kB\nPss: 1 kB\n");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->rss, std::int64_t{9007199254740991} * 1024);
}

constexpr const char* kSmaps =
    "5611c0a00000-5611c0a22000 r--p 00000000 fd:01 1234                       /usr/bin/squall\n"
    "Size:                136 kB\n"
    "KernelPageSize:        4 kB\n"
    "Rss:                 100 kB\n"
    "Pss:                  50 kB\n"
    "Private_Clean:        20 kB\n"
    "Private_Dirty:         0 kB\n"
    "Swap:                  0 kB\n"
    "THPeligible:    0\n"
    "VmFlags: rd mr mw me sd \n"
    "5611c0b00000-5611c0c00000 rw-p 00000000 00:00 0                          [heap]\n"
    "Rss:                 400 kB\n"
    "Pss:                 400 kB\n"
    "Private_Dirty:       400 kB\n"
    "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
    "Rss:                 300 kB\n"
    "Pss:                 300 kB\n"
    "Private_Dirty:       300 kB\n"
    "7f0000200000-7f0000300000 rw-p 00000000 00:00 0 \n"
    "Rss:                 200 kB\n"
    "Pss:                 200 kB\n"
    "Swap:                  8 kB\n"
    "7f0000400000-7f0000401000 r-xp 00000000 fd:01 99    /opt/my app/lib (deleted)\n"
    "Rss:                   4 kB\n"
    "Pss:                   4 kB\n";

TEST(SmapsTest, ParsesEveryMappingWithItsName) {
  auto r = ParseSmaps(kSmaps);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 5u);
  EXPECT_EQ((*r)[0].name, "/usr/bin/squall");
  EXPECT_EQ((*r)[0].perms, "r--p");
  EXPECT_EQ((*r)[0].start, 0x5611c0a00000u);
  EXPECT_EQ((*r)[0].end, 0x5611c0a22000u);
  EXPECT_EQ((*r)[0].pss, 50 * 1024);
  EXPECT_EQ((*r)[0].private_clean, 20 * 1024);
  EXPECT_EQ((*r)[1].name, "[heap]");
  EXPECT_EQ((*r)[2].name, "");
  EXPECT_EQ((*r)[3].swap, 8 * 1024);
  EXPECT_EQ((*r)[4].name, "/opt/my app/lib (deleted)");  // spaces in a path survive
}

TEST(SmapsTest, ReadableMappingsMakeTheCoreDumpEstimate) {
  auto r = ParseSmaps(
      "00001000-00003000 r--p 00000000 fd:01 1 /bin/x\n"
      "Size:                  8 kB\n"
      "Rss:                   4 kB\n"
      "VmFlags: rd mr\n"
      "00010000-00020000 rw-p 00000000 00:00 0 \n"
      "Size:                 64 kB\n"
      "VmFlags: rd wr mr dd\n"
      "00030000-00040000 ---p 00000000 00:00 0 \n"
      "Size:                 64 kB\n");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].size, 8 * 1024);
  // Readable: 8 + 64 kB, resident or not, do-not-dump or not (gcore writes them); the
  // unreadable guard is left out.
  EXPECT_EQ(CoreDumpEstimate(*r), 72 * 1024);
}

TEST(SmapsTest, GroupsByNameLargestPssFirst) {
  auto r = ParseSmaps(kSmaps);
  ASSERT_TRUE(r.ok());
  auto groups = GroupSmaps(*r);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].name, "[anon]");  // two anonymous mappings: 300 + 200
  EXPECT_EQ(groups[0].mappings, 2);
  EXPECT_EQ(groups[0].pss, 500 * 1024);
  EXPECT_EQ(groups[0].private_bytes, 300 * 1024);
  EXPECT_EQ(groups[0].swap, 8 * 1024);
  EXPECT_EQ(groups[1].name, "[heap]");
  EXPECT_EQ(groups[2].name, "/usr/bin/squall");
  EXPECT_EQ(groups[3].name, "/opt/my app/lib (deleted)");
}

TEST(SmapsTest, FieldsBeforeAnyMappingAndBrokenHeadersAreErrors) {
  EXPECT_THAT(ParseSmaps("Rss: 1 kB\n").status().message(), HasSubstr("before the first"));
  EXPECT_FALSE(ParseSmaps("10-20 r--p\nRss: 1 kB\n").ok());
  EXPECT_FALSE(ParseSmaps("20-10 r--p 0 00:00 0\n").ok());  // ends before it starts
  EXPECT_TRUE(ParseSmaps("").ok());                         // a process with no mappings
}

TEST(SmapsTest, GroupSumsSaturateInsteadOfOverflowing) {
  SmapsMapping big;
  big.name = "x";
  big.pss = big.rss = INT64_MAX - 1;
  auto groups = GroupSmaps({big, big, big});
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].pss, INT64_MAX);
}

}  // namespace
}  // namespace squall
