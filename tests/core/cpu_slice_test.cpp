#include "core/cpu_slice.h"

#include <gtest/gtest.h>

#include <thread>

namespace squall {
namespace {

using std::chrono::microseconds;

// Each test runs on a thread of its own: the slice is per thread, and the test runner's main
// thread keeps the default.
template <typename F>
void OnOwnThread(F f) {
  std::thread t(f);
  t.join();
}

bool KernelHasCustomSlices() {
  bool has = false;
  OnOwnThread([&] {
    auto before = ThreadCpuSlice();
    has = before.ok() && *before != Duration{0};
  });
  return has;
}

TEST(CpuSliceTest, OutOfTheKernelsBoundsIsRefused) {
  OnOwnThread([] {
    EXPECT_EQ(SetThreadCpuSlice(microseconds(99)).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(SetThreadCpuSlice(std::chrono::milliseconds(101)).code(),
              StatusCode::kInvalidArgument);
  });
}

TEST(CpuSliceTest, SetReadInheritAndReset) {
  if (!KernelHasCustomSlices()) GTEST_SKIP() << "this kernel reports no slice (before 6.12)";
  OnOwnThread([] {
    auto initial = ThreadCpuSlice();
    ASSERT_TRUE(initial.ok());
    ASSERT_TRUE(SetThreadCpuSlice(microseconds(300)).ok());
    EXPECT_EQ(*ThreadCpuSlice(), microseconds(300));
    // A thread created afterwards inherits it.
    Duration child{0};
    std::thread([&] { child = *ThreadCpuSlice(); }).join();
    EXPECT_EQ(child, microseconds(300));
    ResetCpuSliceInChild();
    EXPECT_EQ(*ThreadCpuSlice(), *initial);
    ASSERT_TRUE(SetThreadCpuSlice(microseconds(200)).ok());
    ASSERT_TRUE(SetThreadCpuSlice(Duration{0}).ok());
    EXPECT_EQ(*ThreadCpuSlice(), *initial);
  });
}

}  // namespace
}  // namespace squall
