#include "platform/host_version_watcher.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;

TEST(HostVersionWatcherTest, FollowsThePinEveryIntervalAndIgnoresWhatCannotBeResolved) {
  SimulatedClock clock;
  StatusOr<std::string> answer = std::string("1.0.0");
  std::vector<std::string> changes;
  HostVersionWatcher w(
      clock, "1.0.0", [&] { return answer; }, [&](const std::string& v) { changes.push_back(v); },
      2s);
  w.Start();
  clock.Advance(10s);
  EXPECT_TRUE(changes.empty());
  answer = std::string("2.0.0");
  clock.Advance(1s);
  EXPECT_TRUE(changes.empty());  // not before the next check
  clock.Advance(1s);
  EXPECT_EQ(changes, std::vector<std::string>{"2.0.0"});
  answer = NotFound("host version 3.0.0 is not installed");
  clock.Advance(10s);
  EXPECT_EQ(changes.size(), 1u);
  EXPECT_EQ(w.current(), "2.0.0");
  answer = std::string("1.0.0");  // pinned back
  clock.Advance(2s);
  EXPECT_EQ(changes, (std::vector<std::string>{"2.0.0", "1.0.0"}));
  w.Stop();
  answer = std::string("9.0.0");
  clock.Advance(10s);
  EXPECT_EQ(changes.size(), 2u);
}

}  // namespace
}  // namespace squall
