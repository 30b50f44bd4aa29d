// MemoryMonitor on a simulated clock: what it samples and tags, retention, and the regression
// announced once (also across runs sharing a store), flat steps never as regressions.
#include "platform/memory_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core/simulated_clock.h"
#include "monitor/prometheus_text.h"
#include "platform_fakes.h"

namespace squall {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

constexpr std::int64_t kMiB = 1024 * 1024;

// Instances whose memory the test sets.
class MemoryInstances : public FakeInstances {
 public:
  std::vector<InstanceMemoryReading> SampleMemory() const override {
    ++passes;
    std::vector<InstanceMemoryReading> out;
    for (const auto& [id, worker] : worker_pss) {
      InstanceMemoryReading r;
      r.id = id;
      r.host = {30 * kMiB, 20 * kMiB, 1};
      r.worker = {worker + 5 * kMiB, worker, 1};
      r.cgroup_bytes = 90 * kMiB;
      out.push_back(r);
    }
    return out;
  }
  std::map<std::string, std::int64_t> worker_pss;
  mutable int passes = 0;
};

// A store that answers at once and keeps everything in memory.
class MemoryStoreFake : public MemorySampleStore {
 public:
  void Append(std::vector<MemorySample> samples, WallTime, const MemoryRetention&,
              std::function<void(Status)> done) override {
    stored.insert(stored.end(), samples.begin(), samples.end());
    done(Status::Ok());
  }
  void Load(std::function<void(StatusOr<std::vector<MemorySample>>)> done) override {
    done(stored);
  }
  void MarkReported(const VersionKey& from, const VersionKey& to, WallTime,
                    std::function<void(StatusOr<bool>)> done) override {
    done(reported.insert({from, to}).second);
  }
  std::vector<MemorySample> stored;
  std::set<std::pair<VersionKey, VersionKey>> reported;
};

struct Announced {
  std::vector<std::string> regressions, changes;
};

class MemoryMonitorTest : public ::testing::Test {
 protected:
  std::unique_ptr<MemoryMonitor> Monitor(MemorySampleStore* store, Announced& out,
                                         MemoryRetention retention = {}) {
    MemoryMonitorOptions o;
    o.retention = retention;
    o.interval = 10s;
    o.warmup = 30s;
    o.content_hash = "c0ffee";
    o.announce = [&out](bool regression, const std::string& line) {
      (regression ? out.regressions : out.changes).push_back(line);
    };
    return std::make_unique<MemoryMonitor>(
        clock_, instances_,
        [this] {
          std::vector<MemoryInstanceTag> tags;
          for (const auto& [id, version] : versions_) tags.push_back({id, version, started_[id]});
          return tags;
        },
        store, o);
  }
  void Run(const std::string& id, const std::string& version, std::int64_t worker) {
    versions_[id] = version;
    started_[id] = clock_.Now();
    instances_.worker_pss[id] = worker;
  }
  void End(const std::string& id) {
    versions_.erase(id);
    instances_.worker_pss.erase(id);
  }

  SimulatedClock clock_;
  MemoryInstances instances_;
  std::map<std::string, std::string> versions_;
  std::map<std::string, MonoTime> started_;
};

TEST_F(MemoryMonitorTest, SamplesEveryIntervalTaggedAndSteadyAfterWarmUp) {
  MemoryStoreFake store;
  Announced said;
  auto m = Monitor(&store, said);
  Run("i-1", "1.0.0", 50 * kMiB);
  m->Start();
  clock_.Advance(9s);
  EXPECT_EQ(instances_.passes, 0);
  clock_.Advance(1s);
  EXPECT_EQ(instances_.passes, 1);
  clock_.Advance(30s);
  EXPECT_EQ(instances_.passes, 4);
  ASSERT_THAT(store.stored, SizeIs(4));
  const MemorySample& first = store.stored[0];
  EXPECT_EQ(first.instance, "i-1");
  EXPECT_EQ(first.key, (VersionKey{"1.0.0", "c0ffee"}));
  EXPECT_EQ(first.host.pss, 20 * kMiB);
  EXPECT_EQ(first.worker.pss, 50 * kMiB);
  EXPECT_EQ(first.cgroup_bytes, 90 * kMiB);
  EXPECT_EQ(first.instance_age, 10s);
  EXPECT_FALSE(first.steady);
  EXPECT_FALSE(store.stored[1].steady);  // 20 s
  EXPECT_TRUE(store.stored[2].steady);   // 30 s: warm-up over
  EXPECT_EQ(store.stored[2].at, clock_.WallNow() - 10s);
  m->Stop();
  clock_.Advance(60s);
  EXPECT_EQ(instances_.passes, 4);
}

TEST_F(MemoryMonitorTest, InstancesThePlatformDoesNotKnowAreNotSampled) {
  MemoryStoreFake store;
  Announced said;
  auto m = Monitor(&store, said);
  instances_.worker_pss["stray"] = kMiB;
  m->SampleNow();
  EXPECT_THAT(store.stored, IsEmpty());
}

TEST_F(MemoryMonitorTest, FiftyMiBMoreUnderANewVersionIsAnnouncedOnceEvenAcrossRuns) {
  MemoryStoreFake store;
  Announced said;
  {
    auto m = Monitor(&store, said);
    m->Start();
    Run("i-1", "1.0.0", 50 * kMiB);
    clock_.Advance(120s);  // 12 samples, 10 steady... after 30 s: 9 steady
    End("i-1");
    Run("i-2", "2.0.0", 100 * kMiB);
    clock_.Advance(60s);
    EXPECT_THAT(said.regressions, IsEmpty());  // 2.0.0 has 3 steady samples: not ready
    clock_.Advance(60s);
    ASSERT_THAT(said.regressions, SizeIs(1));
    EXPECT_THAT(said.regressions[0], HasSubstr("rose by 50.0 MiB"));
    EXPECT_THAT(said.regressions[0], HasSubstr("from host version 1.0.0 to 2.0.0"));
    EXPECT_THAT(said.regressions[0], HasSubstr("SQUALL_HOST_VERSION=1.0.0"));
    clock_.Advance(120s);
    EXPECT_THAT(said.regressions, SizeIs(1));  // once
    MemoryReport r = m->Report();
    ASSERT_THAT(r.steps, SizeIs(1));
    EXPECT_TRUE(r.steps[0].regression);
    EXPECT_EQ(r.current, (VersionKey{"2.0.0", "c0ffee"}));
  }
  // The platform restarts on the same storage: the step is history, not announced again.
  Announced again;
  auto m = Monitor(&store, again);
  m->Start();
  clock_.Advance(60s);
  EXPECT_THAT(again.regressions, IsEmpty());
  ASSERT_THAT(m->Report().steps, SizeIs(1));
  EXPECT_TRUE(m->Report().steps[0].regression);
}

TEST_F(MemoryMonitorTest, AFlatMoveToANewVersionIsAChangeNotARegression) {
  Announced said;
  auto m = Monitor(nullptr, said);
  m->Start();
  Run("i-1", "1.0.0", 50 * kMiB);
  clock_.Advance(120s);
  End("i-1");
  Run("i-2", "1.0.1", 53 * kMiB);
  clock_.Advance(300s);
  EXPECT_THAT(said.regressions, IsEmpty());
  ASSERT_THAT(said.changes, SizeIs(1));
  EXPECT_THAT(said.changes[0], HasSubstr("rose by 3.0 MiB"));
}

TEST_F(MemoryMonitorTest, MetricsShowHostAndWorkerPerInstanceAndTheBaselines) {
  Announced said;
  auto m = Monitor(nullptr, said);
  MetricsRegistry registry;
  m->RegisterMetrics(registry);
  Run("i-1", "1.0.0", 50 * kMiB);
  m->Start();
  clock_.Advance(100s);
  std::string text = RenderPrometheusText(registry);
  EXPECT_THAT(text, HasSubstr("squall_instance_process_memory_bytes{instance=\"i-1\",process="
                              "\"worker\",kind=\"pss\",host_version=\"1.0.0\"} 52428800"));
  EXPECT_THAT(text, HasSubstr("squall_instance_process_memory_bytes{instance=\"i-1\",process="
                              "\"host\",kind=\"rss\",host_version=\"1.0.0\"} 31457280"));
  EXPECT_THAT(text, HasSubstr("squall_instance_cgroup_memory_bytes{instance=\"i-1\"} 94371840"));
  // Host RSS 30 MiB + worker RSS 55 MiB.
  EXPECT_THAT(text, HasSubstr("squall_memory_baseline_bytes{host_version=\"1.0.0\",content_hash="
                              "\"c0ffee\"} 89128960"));
  EXPECT_THAT(text, HasSubstr("squall_memory_samples_total 10"));
  EXPECT_THAT(text, HasSubstr("squall_memory_regressions 0"));
  EXPECT_THAT(text, HasSubstr("squall_memory_sampling_seconds_count 10"));
  m.reset();  // removes its callbacks: the registry outlives it
  EXPECT_THAT(RenderPrometheusText(registry), Not(HasSubstr("squall_memory_baseline_bytes")));
}

TEST_F(MemoryMonitorTest, HistoryIsBoundedLikeTheStore) {
  Announced said;
  MemoryRetention r;
  r.max_per_key = 50;
  r.max_total = 70;
  auto m = Monitor(nullptr, said, r);
  Run("i-1", "1.0.0", 50 * kMiB);
  for (int k = 0; k < 60; ++k) m->SampleNow();
  EXPECT_THAT(m->History(), SizeIs(50));  // the newest 50 of the key
  End("i-1");
  Run("i-2", "2.0.0", 50 * kMiB);
  for (int k = 0; k < 30; ++k) m->SampleNow();
  auto h = m->History();
  ASSERT_THAT(h, SizeIs(70));  // in total: the oldest of 1.0.0 went
  EXPECT_EQ(h.front().key.host_version, "1.0.0");
  EXPECT_EQ(h.back().key.host_version, "2.0.0");
  EXPECT_EQ(h.back().key.content_hash, "c0ffee");
}

}  // namespace
}  // namespace squall
