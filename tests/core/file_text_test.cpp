#include "core/file_text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace squall {
namespace {

TEST(ReadFileTextTest, ReadsProcFilesWhoseSizeIsZero) {
  auto text = ReadFileText("/proc/self/stat");
  ASSERT_TRUE(text.has_value());
  EXPECT_GT(text->size(), 20u);
  EXPECT_EQ(std::filesystem::file_size("/proc/self/stat"), 0u) << "why read(2) is needed";
}

TEST(ReadFileTextTest, MissingIsNulloptEmptyIsEmpty) {
  EXPECT_FALSE(ReadFileText("/nonexistent/squall-file").has_value());
  auto path = std::filesystem::temp_directory_path() / "squall-file-text-test-empty";
  { std::ofstream(path).flush(); }
  auto text = ReadFileText(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "");
}

}  // namespace
}  // namespace squall
