#include "scale/rollover_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace squall {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

RolloverView Ready(const std::string& id, const std::string& version, int started_s) {
  RolloverView v;
  v.id = id;
  v.group = "app";
  v.host_version = version;
  v.state = InstanceState::kReady;
  v.started_at = MonoTime{} + std::chrono::seconds(started_s);
  v.ready = true;
  return v;
}

TEST(RolloverPolicyTest, NothingToDoWhenEveryInstanceRunsTheTarget) {
  auto a = NextRolloverStep("2.0.0", {Ready("i-1", "2.0.0", 0), Ready("i-2", "2.0.0", 1)});
  EXPECT_EQ(a.kind, RolloverActionKind::kNone);
  EXPECT_EQ(a.reason, "");
  EXPECT_EQ(NextRolloverStep("", {Ready("i-1", "1.0.0", 0)}).kind, RolloverActionKind::kNone);
}

TEST(RolloverPolicyTest, OneInstanceAtATimeReplacementFirstThenDrain) {
  std::vector<RolloverView> v = {Ready("i-2", "1.0.0", 5), Ready("i-1", "1.0.0", 0)};
  // 1. The oldest serving instance gets a replacement.
  auto a = NextRolloverStep("2.0.0", v);
  ASSERT_EQ(a.kind, RolloverActionKind::kStartReplacement);
  EXPECT_EQ(a.instance_id, "i-1");
  EXPECT_EQ(a.group, "app");
  EXPECT_THAT(a.reason, HasSubstr("starting a replacement for i-1 (1.0.0)"));
  // 2. While it starts: wait.
  RolloverView r = Ready("i-3", "2.0.0", 10);
  r.state = InstanceState::kStarting;
  r.ready = false;
  r.replaces = "i-1";
  v.push_back(r);
  a = NextRolloverStep("2.0.0", v);
  EXPECT_EQ(a.kind, RolloverActionKind::kNone);
  EXPECT_THAT(a.reason, HasSubstr("waiting for i-3 to be ready"));
  // 3. Ready: the old one is drained.
  v[2].state = InstanceState::kReady;
  v[2].ready = true;
  a = NextRolloverStep("2.0.0", v);
  ASSERT_EQ(a.kind, RolloverActionKind::kDrain);
  EXPECT_EQ(a.instance_id, "i-1");
  EXPECT_THAT(a.reason, HasSubstr("i-3 (2.0.0) is ready; draining i-1 (1.0.0)"));
  // 4. While it drains, the next outdated one waits.
  v[1].state = InstanceState::kDraining;
  a = NextRolloverStep("2.0.0", v);
  EXPECT_EQ(a.kind, RolloverActionKind::kNone);
  EXPECT_THAT(a.reason, HasSubstr("waiting for i-1 (1.0.0) to finish draining"));
  // 5. Gone: the next one.
  v.erase(v.begin() + 1);
  a = NextRolloverStep("2.0.0", v);
  ASSERT_EQ(a.kind, RolloverActionKind::kStartReplacement);
  EXPECT_EQ(a.instance_id, "i-2");
}

TEST(RolloverPolicyTest, InstancesThatServeNothingAreDrainedAtOnce) {
  RolloverView pre = Ready("i-1", "1.0.0", 0);
  pre.state = InstanceState::kPrewarmed;
  auto a = NextRolloverStep("2.0.0", {pre, Ready("i-2", "2.0.0", 3)});
  ASSERT_EQ(a.kind, RolloverActionKind::kDrain);
  EXPECT_EQ(a.instance_id, "i-1");
  EXPECT_THAT(a.reason, HasSubstr("serves nothing yet"));
  RolloverView starting = Ready("i-4", "1.0.0", 0);
  starting.state = InstanceState::kStarting;
  starting.ready = false;
  EXPECT_EQ(NextRolloverStep("2.0.0", {starting}).kind, RolloverActionKind::kDrain);
}

TEST(RolloverPolicyTest, AReplacementThatWasDrainedDoesNotBlockANewStep) {
  // The scale policy drained the replacement before it was ready: the step starts over.
  RolloverView r = Ready("i-3", "2.0.0", 10);
  r.state = InstanceState::kDraining;
  r.ready = false;
  r.replaces = "i-1";
  auto a = NextRolloverStep("2.0.0", {Ready("i-1", "1.0.0", 0), r});
  ASSERT_EQ(a.kind, RolloverActionKind::kStartReplacement);
  EXPECT_EQ(a.instance_id, "i-1");
}

TEST(RolloverPolicyTest, PinningBackIsARolloverToo) {
  auto a = NextRolloverStep("1.0.0", {Ready("i-7", "2.0.0", 0)});
  ASSERT_EQ(a.kind, RolloverActionKind::kStartReplacement);
  EXPECT_EQ(a.instance_id, "i-7");
}

}  // namespace
}  // namespace squall
