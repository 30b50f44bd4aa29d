#include "versions/version_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace squall {
namespace {

TEST(VersionNameTest, PlainTokensOnly) {
  EXPECT_EQ(VersionNameProblem("1.2.3"), "");
  EXPECT_EQ(VersionNameProblem("2.0.0-rc.1+local_build"), "");
  EXPECT_NE(VersionNameProblem(""), "");
  EXPECT_NE(VersionNameProblem(".hidden"), "");
  EXPECT_NE(VersionNameProblem("-x"), "");
  EXPECT_NE(VersionNameProblem("a/b"), "");
  EXPECT_NE(VersionNameProblem("a b"), "");
  EXPECT_NE(VersionNameProblem(std::string(65, '1')), "");
}

TEST(CompareVersionsTest, SemanticVersionPrecedence) {
  std::vector<std::string> sorted = {"0.9",
                                     "1.0.0-alpha",
                                     "1.0.0-alpha.1",
                                     "1.0.0-alpha.beta",
                                     "1.0.0-beta",
                                     "1.0.0-beta.2",
                                     "1.0.0-beta.11",
                                     "1.0.0-rc.1",
                                     "1.0.0",
                                     "1.0.1",
                                     "1.2.0",
                                     "1.10.0",
                                     "2.0.0",
                                     "10.0.0",
                                     "99999999999999999999.0"};
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      int c = CompareVersions(sorted[i], sorted[j]);
      EXPECT_EQ(c < 0, i < j) << sorted[i] << " vs " << sorted[j];
      EXPECT_EQ(c == 0, i == j) << sorted[i] << " vs " << sorted[j];
    }
  }
}

TEST(CompareVersionsTest, NamesThatAreNotVersionsSortBelowVersions) {
  EXPECT_LT(CompareVersions("nightly", "0.0.1"), 0);
  EXPECT_LT(CompareVersions("alpha", "beta"), 0);
  EXPECT_GT(CompareVersions("1.0.0+b", "1.0.0+a"), 0);  // build metadata breaks ties
  EXPECT_NE(CompareVersions("1.0", "1.0.0"), 0);        // distinct names, never equal
  EXPECT_EQ(CompareVersions("1.0.0", "1.0.0"), 0);
}

}  // namespace
}  // namespace squall
