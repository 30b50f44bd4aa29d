// The live dynamic-concurrency manager on a simulated clock: scripted CPU readings drive its
// health checks; a fake store holds snapshots.
#include "host/concurrency_manager.h"

#include <gtest/gtest.h>

#include "core/simulated_clock.h"

namespace squall {
namespace {

using namespace std::chrono_literals;
using Admission = RequestGate::Admission;

class FakeSnapshotStore : public ConcurrencySnapshotStore {
 public:
  void Read(std::function<void(StatusOr<std::optional<std::string>>)> done) override {
    done(stored);
  }
  void Write(std::string json, std::function<void(Status)> done) override {
    stored = json;
    ++writes;
    done(Status::Ok());
  }
  void TryLead(std::function<void(bool)> done) override { done(lead); }
  std::optional<std::string> stored;
  int writes = 0;
  bool lead = true;
};

class ConcurrencyManagerTest : public ::testing::Test {
 protected:
  void Make(bool dynamic = true, int cores = 1) {
    ConcurrencyManagerOptions o;
    o.policy.dynamic_concurrency_enabled = dynamic;
    o.cores = cores;
    o.http_queue_limit = 2;
    HealthThresholds t = HealthThresholdsFor(o.policy, 0);
    auto health = std::make_unique<HostHealthMonitor>(clock_, t, cores, [this] {
      cpu_seconds_ += busy_;  // read once a second
      return ProcessUsageSample{cpu_seconds_, 100 << 20, true};
    });
    manager_ = std::make_unique<ConcurrencyManager>(
        clock_, o, std::move(health),
        std::vector<std::pair<std::string, bool>>{{"Api", true}, {"Work", false}});
  }
  // Keeps Work's level fully used: as many in flight as its level allows.
  void FillWork() {
    while (manager_->AvailableInvocations("Work", in_flight_) > 0) {
      manager_->Started("Work");
      ++in_flight_;
    }
  }
  int Level(const std::string& name) {
    for (const auto& f : manager_->Describe().functions) {
      if (f.name == name) return f.level;
    }
    return -1;
  }

  SimulatedClock clock_;
  double cpu_seconds_ = 0;
  double busy_ = 0.1;  // of one core, per second
  int in_flight_ = 0;
  FakeSnapshotStore store_;
  std::unique_ptr<ConcurrencyManager> manager_;
};

TEST_F(ConcurrencyManagerTest, LevelsRiseWhileHealthyAndFullyUsed) {
  Make();
  manager_->Start(nullptr);
  EXPECT_EQ(Level("Work"), 1);
  for (int s = 0; s < 60; ++s) {
    FillWork();
    clock_.Advance(1s);
  }
  EXPECT_GT(Level("Work"), 4) << "no rise in a healthy minute";
  EXPECT_EQ(Level("Api"), 1) << "Api had no load: its level was never fully used";
  // Held where it is while not fully used.
  int level = Level("Work");
  for (int i = 0; i < in_flight_; ++i) manager_->Finished("Work", 10ms);
  clock_.Advance(60s);
  EXPECT_EQ(Level("Work"), level);
}

TEST_F(ConcurrencyManagerTest, CpuThrottleStopsNewWorkAndLowersTheLevel) {
  Make();
  manager_->Start(nullptr);
  for (int s = 0; s < 60; ++s) {
    FillWork();
    clock_.Advance(1s);
  }
  int high = Level("Work");
  busy_ = 0.95;  // over cpuThreshold 0.80 of the one core
  clock_.Advance(6s);
  EXPECT_EQ(manager_->Describe().health.state, HealthState::kThrottled);
  EXPECT_EQ(manager_->AvailableInvocations("Work", 2), 0) << "a throttled host takes no batch";
  EXPECT_EQ(manager_->AvailableInvocations("Work", 0), 1) << "but keeps one running";
  clock_.Advance(20s);
  EXPECT_LT(Level("Work"), high);
}

TEST_F(ConcurrencyManagerTest, HttpRequestsOverTheLevelWaitThenGet429) {
  Make();
  manager_->Start(nullptr);
  std::vector<int> started;
  EXPECT_EQ(manager_->AdmitHttp("Api", [] {}), Admission::kRunNow);
  EXPECT_EQ(manager_->AdmitHttp("Api", [&] { started.push_back(2); }), Admission::kQueued);
  EXPECT_EQ(manager_->AdmitHttp("Api", [&] { started.push_back(3); }), Admission::kQueued);
  EXPECT_EQ(manager_->AdmitHttp("Api", [] {}), Admission::kRejected)
      << "the waiting queue (2 in this test) is bounded";
  manager_->LeaveHttp("Api");
  EXPECT_EQ(started, std::vector<int>{2});
  EXPECT_EQ(manager_->AdmitHttp("Unknown", [] {}), Admission::kRunNow);
}

TEST_F(ConcurrencyManagerTest, WithoutDynamicConcurrencyEverythingIsAdmittedAndCounted) {
  Make(/*dynamic=*/false);
  manager_->Start(&store_);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(manager_->AdmitHttp("Api", [] {}), Admission::kRunNow);
  EXPECT_EQ(manager_->AvailableInvocations("Work", 100), -1);
  manager_->Started("Work");
  auto view = manager_->Describe();
  EXPECT_FALSE(view.dynamic);
  ASSERT_EQ(view.functions.size(), 2u);
  EXPECT_EQ(view.functions[1].name, "Work");
  EXPECT_EQ(view.functions[1].in_flight, 1);
  EXPECT_FALSE(store_.stored.has_value()) << "no snapshots without dynamic concurrency";
}

TEST_F(ConcurrencyManagerTest, StartsFromTheStoredSnapshotScaledByCores) {
  store_.stored = R"({"Timestamp":"2026-01-02T03:04:05.000Z","NumberOfCores":4,
                     "FunctionSnapshots":{"work":{"Concurrency":12}}})";
  Make(true, /*cores=*/2);
  manager_->Start(&store_);
  EXPECT_EQ(Level("Work"), 6) << "12 on 4 cores is 6 on 2, matched ignoring case";
  EXPECT_EQ(Level("Api"), 1);
  EXPECT_EQ(manager_->AvailableInvocations("Work", 2), 4);
}

TEST_F(ConcurrencyManagerTest, ABadSnapshotIsIgnored) {
  store_.stored = R"({"NumberOfCores":"four"})";
  Make();
  manager_->Start(&store_);
  EXPECT_EQ(Level("Work"), 1);
}

TEST_F(ConcurrencyManagerTest, WritesTheSnapshotWhenLevelsChangeAndOnlyAsLeader) {
  Make();
  manager_->Start(&store_);
  clock_.Advance(10s);
  EXPECT_EQ(store_.writes, 1) << "the first levels are written";
  clock_.Advance(10s);
  EXPECT_EQ(store_.writes, 1) << "unchanged levels are not written again";
  for (int s = 0; s < 40; ++s) {
    FillWork();
    clock_.Advance(1s);
  }
  ASSERT_GT(Level("Work"), 1);
  // The load ends; the level stays; the next write has it, and then nothing changes.
  for (; in_flight_ > 0; --in_flight_) manager_->Finished("Work", 10ms);
  clock_.Advance(10s);
  int writes = store_.writes;
  EXPECT_GT(writes, 1);
  EXPECT_NE(store_.stored->find("\"Work\":{\"Concurrency\":" + std::to_string(Level("Work"))),
            std::string::npos)
      << *store_.stored;
  clock_.Advance(30s);
  EXPECT_EQ(store_.writes, writes);

  store_.lead = false;
  for (int s = 0; s < 40; ++s) {
    FillWork();
    clock_.Advance(1s);
  }
  EXPECT_EQ(store_.writes, writes) << "another instance leads: it writes, this one does not";
}

}  // namespace
}  // namespace squall
