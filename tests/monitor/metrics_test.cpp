#include "monitor/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace squall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
T Must(StatusOr<T> v) {
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

// ---- values ----

TEST(CounterTest, CountsWholeAndFractionalAmounts) {
  Counter c;
  EXPECT_EQ(c.Value(), 0);
  c.Inc();
  c.Inc(4);
  c.Add(2);
  EXPECT_EQ(c.Value(), 7);
  c.Add(0.5);
  c.Add(0.25);
  EXPECT_EQ(c.Value(), 7.75);
}

TEST(CounterTest, NeverGoesDown) {
  Counter c;
  c.Inc(3);
  c.Add(-1);
  c.Add(kNaN);
  c.Add(0);
  EXPECT_EQ(c.Value(), 3);
}

TEST(GaugeTest, SetIncDec) {
  Gauge g;
  EXPECT_EQ(g.Value(), 0);
  g.Inc();
  g.Inc(2.5);
  g.Dec();
  EXPECT_EQ(g.Value(), 2.5);
  g.Dec(4);
  EXPECT_EQ(g.Value(), -1.5);
  g.Set(42);
  EXPECT_EQ(g.Value(), 42);
}

TEST(HistogramTest, BoundsAreInclusiveAndBucketsCumulative) {
  std::vector<double> bounds = {0.1, 1, 10};
  Histogram h(bounds);
  h.Observe(0.1);   // le 0.1 (inclusive)
  h.Observe(0.05);  // le 0.1
  h.Observe(0.5);   // le 1
  h.Observe(10);    // le 10
  h.Observe(11);    // +Inf only
  h.Observe(-3);    // below every bound: first bucket
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(3, 4, 5, 6));
  EXPECT_EQ(h.Count(), 6u);
  EXPECT_DOUBLE_EQ(h.Sum(), 0.1 + 0.05 + 0.5 + 10 + 11 - 3);
}

TEST(HistogramTest, NaNCountsInInfOnlyAndInfinityToo) {
  std::vector<double> bounds = {1};
  Histogram h(bounds);
  h.Observe(kInf);
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(0, 1));
  h.Observe(kNaN);
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(0, 2));
  EXPECT_TRUE(std::isnan(h.Sum()));
}

TEST(HistogramTest, ObservesDurationsInSeconds) {
  std::vector<double> bounds = {0.01, 0.1};
  Histogram h(bounds);
  h.Observe(std::chrono::milliseconds(10));
  h.Observe(std::chrono::milliseconds(50));
  h.Observe(std::chrono::seconds(2));
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(1, 2, 3));
  EXPECT_DOUBLE_EQ(h.Sum(), 2.06);
}

TEST(HistogramTest, NoBoundsIsJustCountAndSum) {
  Histogram h({});
  h.Observe(5);
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(1));
  EXPECT_EQ(h.Sum(), 5);
}

TEST(BucketsTest, Helpers) {
  EXPECT_THAT(DefaultLatencyBuckets(),
              ElementsAre(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10));
  EXPECT_THAT(ExponentialBuckets(0.001, 2, 4), ElementsAre(0.001, 0.002, 0.004, 0.008));
  EXPECT_THAT(LinearBuckets(1, 0.5, 3), ElementsAre(1, 1.5, 2));
  EXPECT_TRUE(ExponentialBuckets(0, 2, 3).empty());
  EXPECT_TRUE(ExponentialBuckets(1, 1, 3).empty());
  EXPECT_TRUE(LinearBuckets(1, 0, 3).empty());
  EXPECT_TRUE(LinearBuckets(1, 1, 0).empty());
}

// ---- families and children ----

TEST(FamilyTest, WithReturnsOneChildPerLabelValues) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("requests_total", "Requests.", {"function", "status"}));
  Counter& a = f->With({"hello", "200"});
  Counter& b = f->With({"hello", "500"});
  EXPECT_NE(&a, &b);
  EXPECT_EQ(&a, &f->With({"hello", "200"}));
  a.Inc();
  f->With({"hello", "200"}).Inc();
  EXPECT_EQ(a.Value(), 2);
  EXPECT_EQ(b.Value(), 0);
  EXPECT_EQ(Must(f->Get({"hello", "200"})), &a);
}

TEST(FamilyTest, ChildrenStayPutWhileOthersAreAdded) {
  MetricsRegistry r;
  Family<Gauge>* f = Must(r.AddGauge("in_flight", "In flight.", {"function"}));
  Gauge& first = f->With({"f0"});
  for (int i = 1; i < 1000; ++i) f->With({"f" + std::to_string(i)}).Set(i);
  first.Set(7);
  EXPECT_EQ(&first, &f->With({"f0"}));
  EXPECT_EQ(f->With({"f0"}).Value(), 7);
}

TEST(FamilyTest, GetRejectsWrongNumberOfValues) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("requests_total", "Requests.", {"function", "status"}));
  StatusOr<Counter*> c = f->Get({"hello"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("{function,status}, got 1 value(s)"));
  EXPECT_FALSE(f->Get({"a", "b", "c"}).ok());
}

TEST(FamilyDeathTest, WithAbortsOnWrongNumberOfValues) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("requests_total", "Requests.", {"function"}));
  EXPECT_DEATH(f->With({"a", "b"}), "has 1 label name\\(s\\) but With\\(\\) got 2");
}

TEST(FamilyTest, UnlabelledFamilyHasOneSeriesFromTheStart) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("restarts_total", "Restarts."));
  Must(r.AddGauge("labelled", "Not exported until a child exists.", {"x"}));
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].name, "restarts_total");
  ASSERT_EQ(snap[0].series.size(), 1u);
  EXPECT_TRUE(snap[0].series[0].label_values.empty());
  EXPECT_EQ(snap[0].series[0].value, 0);
  EXPECT_EQ(&f->With(), &f->With({}));
}

TEST(FamilyTest, CollectOrdersByNameThenLabelValues) {
  MetricsRegistry r;
  Family<Gauge>* b = Must(r.AddGauge("b_metric", "B.", {"x", "y"}));
  Must(r.AddGauge("a_metric", "A."));
  Must(r.AddGauge("B_metric", "Upper case sorts first (byte order)."));
  b->With({"z", "1"}).Set(1);
  b->With({"a", "2"}).Set(2);
  b->With({"a", "10"}).Set(3);
  b->With({"", "9"}).Set(4);
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 3u);
  EXPECT_EQ(snap[0].name, "B_metric");
  EXPECT_EQ(snap[1].name, "a_metric");
  EXPECT_EQ(snap[2].name, "b_metric");
  std::vector<LabelValues> order;
  for (const MetricSeries& s : snap[2].series) order.push_back(s.label_values);
  EXPECT_THAT(order, ElementsAre(LabelValues{"", "9"}, LabelValues{"a", "10"},
                                 LabelValues{"a", "2"}, LabelValues{"z", "1"}));
}

TEST(FamilyTest, HistogramSnapshot) {
  MetricsRegistry r;
  Family<Histogram>* f =
      Must(r.AddHistogram("latency_seconds", "Latency.", {"function"}, {0.1, 1, kInf}));
  EXPECT_THAT(f->bucket_bounds(), ElementsAre(0.1, 1));  // trailing +Inf dropped
  f->With({"a"}).Observe(0.5);
  f->With({"a"}).Observe(2);
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].type, MetricType::kHistogram);
  EXPECT_THAT(snap[0].bucket_bounds, ElementsAre(0.1, 1));
  ASSERT_EQ(snap[0].series.size(), 1u);
  const HistogramValue& h = snap[0].series[0].histogram;
  EXPECT_THAT(h.cumulative_counts, ElementsAre(0, 1, 2));
  EXPECT_EQ(h.count, 2u);
  EXPECT_EQ(h.sum, 2.5);
}

// ---- registration ----

TEST(ValidationTest, MetricNames) {
  for (const char* good : {"a", "_", ":", "squall_http_requests_total", "a:b_c9", "A1", "__x"}) {
    EXPECT_TRUE(ValidateMetricName(good).ok()) << good;
  }
  for (const char* bad : {"", "9a", "a-b", "a b", "a.b", "é", "a\n"}) {
    Status s = ValidateMetricName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ValidateMetricName("a-b").message(),
            "metric name 'a-b': character 1 is not allowed (names match "
            "[a-zA-Z_:][a-zA-Z0-9_:]*)");
}

TEST(ValidationTest, LabelNames) {
  for (const char* good : {"a", "_", "function", "_x", "A9_b"}) {
    EXPECT_TRUE(ValidateLabelName(good).ok()) << good;
  }
  for (const char* bad : {"", "9a", "a:b", "a-b", "__name__", "__x"}) {
    EXPECT_EQ(ValidateLabelName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(ValidateLabelName("__x").message(), HasSubstr("reserved"));
}

TEST(RegistryTest, RejectsBadDefinitions) {
  MetricsRegistry r;
  auto code = [](const auto& result) { return result.status().code(); };
  constexpr auto kInvalid = StatusCode::kInvalidArgument;
  EXPECT_EQ(code(r.AddGauge("bad-name", "Help.")), kInvalid);
  EXPECT_EQ(code(r.AddGauge("ok", "")), kInvalid);
  EXPECT_EQ(code(r.AddGauge("ok", "Help.", {"bad-label"})), kInvalid);
  EXPECT_EQ(code(r.AddGauge("ok", "Help.", {"__reserved"})), kInvalid);
  EXPECT_EQ(code(r.AddGauge("ok", "Help.", {"a", "b", "a"})), kInvalid);
  EXPECT_EQ(code(r.AddCounter("requests", "Help.")), kInvalid);
  EXPECT_EQ(code(r.AddCounter("_total", "Help.")), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {"le"}, {1})), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {}, {1, 1})), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {}, {2, 1})), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {}, {kNaN})), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {}, {-kInf, 1})), kInvalid);
  EXPECT_EQ(code(r.AddHistogram("h", "Help.", {}, {1, kInf, 2})), kInvalid);
  EXPECT_TRUE(r.Collect().empty());  // nothing was registered

  EXPECT_EQ(r.AddCounter("requests", "Help.").status().message(),
            "counter 'requests': a counter's name must end in _total");
  EXPECT_EQ(r.AddGauge("ok", "Help.", {"a", "a"}).status().message(),
            "metric 'ok': label name 'a' is repeated");
  EXPECT_EQ(r.AddGauge("ok", "").status().message(), "metric 'ok': help text is empty");
}

TEST(RegistryTest, SameDefinitionReturnsTheSameFamily) {
  MetricsRegistry r;
  Family<Counter>* a = Must(r.AddCounter("requests_total", "Requests.", {"function"}));
  Family<Counter>* b = Must(r.AddCounter("requests_total", "Requests.", {"function"}));
  EXPECT_EQ(a, b);
  Family<Histogram>* h1 = Must(r.AddHistogram("d_seconds", "D.", {}, {1, 2}));
  Family<Histogram>* h2 = Must(r.AddHistogram("d_seconds", "D.", {}, {1, 2, kInf}));
  EXPECT_EQ(h1, h2);
}

TEST(RegistryTest, DifferentDefinitionOfATakenNameIsAlreadyExists) {
  MetricsRegistry r;
  Must(r.AddCounter("requests_total", "Requests.", {"function"}));
  Must(r.AddHistogram("d_seconds", "D.", {}, {1, 2}));
  auto code = [](const auto& result) { return result.status().code(); };
  constexpr auto kExists = StatusCode::kAlreadyExists;
  EXPECT_EQ(code(r.AddCounter("requests_total", "Other help.", {"function"})), kExists);
  EXPECT_EQ(code(r.AddCounter("requests_total", "Requests.", {"status"})), kExists);
  EXPECT_EQ(code(r.AddCounter("requests_total", "Requests.")), kExists);
  EXPECT_EQ(code(r.AddGauge("requests_total", "Requests.", {"function"})), kExists);
  EXPECT_EQ(code(r.AddHistogram("d_seconds", "D.", {}, {1, 3})), kExists);
  EXPECT_EQ(r.AddGauge("requests_total", "Requests.", {"function"}).status().message(),
            "metric 'requests_total' is already registered as a counter with labels {function}");
}

TEST(RegistryTest, HistogramSeriesNamesAreTaken) {
  MetricsRegistry r;
  Must(r.AddHistogram("d_seconds", "D.", {}, {1}));
  for (const char* taken : {"d_seconds_bucket", "d_seconds_sum", "d_seconds_count"}) {
    StatusOr<Family<Gauge>*> g = r.AddGauge(taken, "G.");
    EXPECT_EQ(g.status().code(), StatusCode::kAlreadyExists) << taken;
  }
  EXPECT_EQ(r.AddGauge("d_seconds_count", "G.").status().message(),
            "metric 'd_seconds_count': the name 'd_seconds_count' is already used by histogram "
            "'d_seconds'");
  // And the other way round: a histogram whose series would shadow an existing gauge.
  Must(r.AddGauge("x_sum", "G."));
  EXPECT_EQ(r.AddHistogram("x", "H.", {}, {1}).status().code(), StatusCode::kAlreadyExists);
}

// ---- callbacks ----

TEST(CallbackTest, ComputedAtEveryCollect) {
  MetricsRegistry r;
  int calls = 0;
  int ready = 1;
  ASSERT_TRUE(r.AddGaugeCallback("instances", "Instances by state.", {"state"}, [&] {
                 ++calls;
                 return std::vector<CallbackSample>{{{"ready"}, double(ready)}, {{"draining"}, 1}};
               }).ok());
  EXPECT_EQ(calls, 0);
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].type, MetricType::kGauge);
  EXPECT_THAT(snap[0].label_names, ElementsAre("state"));
  ASSERT_EQ(snap[0].series.size(), 2u);
  EXPECT_THAT(snap[0].series[0].label_values, ElementsAre("draining"));  // sorted
  EXPECT_EQ(snap[0].series[0].value, 1);
  EXPECT_THAT(snap[0].series[1].label_values, ElementsAre("ready"));
  EXPECT_EQ(snap[0].series[1].value, 1);
  ready = 5;
  snap = r.Collect();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(snap[0].series[1].value, 5);
}

TEST(CallbackTest, DropsWrongArityAndRepeatedLabels) {
  MetricsRegistry r;
  ASSERT_TRUE(r.AddGaugeCallback("g", "G.", {"a"}, [] {
                 return std::vector<CallbackSample>{
                     {{"x"}, 1}, {{"x", "y"}, 2}, {{}, 3}, {{"x"}, 4}, {{"w"}, 5}};
               }).ok());
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 1u);
  ASSERT_EQ(snap[0].series.size(), 2u);
  EXPECT_THAT(snap[0].series[0].label_values, ElementsAre("w"));
  EXPECT_EQ(snap[0].series[0].value, 5);
  EXPECT_THAT(snap[0].series[1].label_values, ElementsAre("x"));
  EXPECT_EQ(snap[0].series[1].value, 1);  // the first of the repeated ones
}

TEST(CallbackTest, NoSamplesNoFamilyInTheOutput) {
  MetricsRegistry r;
  ASSERT_TRUE(r.AddGaugeCallback("g", "G.", {}, [] { return std::vector<CallbackSample>{}; }).ok());
  EXPECT_TRUE(r.Collect().empty());
}

TEST(CallbackTest, CounterCallbackIsACounter) {
  MetricsRegistry r;
  EXPECT_EQ(
      r.AddCounterCallback("cpu_seconds", "CPU.", {}, [] { return std::vector<CallbackSample>{}; })
          .code(),
      StatusCode::kInvalidArgument);  // must end in _total
  ASSERT_TRUE(r.AddCounterCallback("cpu_seconds_total", "CPU.", {}, [] {
                 return std::vector<CallbackSample>{{{}, 1.5}};
               }).ok());
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].type, MetricType::kCounter);
  EXPECT_EQ(snap[0].series[0].value, 1.5);
}

TEST(CallbackTest, RegistrationErrors) {
  MetricsRegistry r;
  auto none = [] { return std::vector<CallbackSample>{}; };
  EXPECT_EQ(r.AddGaugeCallback("bad name", "G.", {}, none).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddGaugeCallback("g", "G.", {"__x"}, none).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.AddGaugeCallback("g", "G.", {}, nullptr).code(), StatusCode::kInvalidArgument);
  Must(r.AddGauge("taken", "T."));
  EXPECT_EQ(r.AddGaugeCallback("taken", "T.", {}, none).code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(r.AddGaugeCallback("cb", "C.", {}, none).ok());
  // A callback name is never shared, even with the same definition.
  EXPECT_EQ(r.AddGaugeCallback("cb", "C.", {}, none).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.AddGauge("cb", "C.").status().code(), StatusCode::kAlreadyExists);
}

TEST(CallbackTest, RemoveStopsCallsAndFreesTheName) {
  MetricsRegistry r;
  int calls = 0;
  auto fn = [&] {
    ++calls;
    return std::vector<CallbackSample>{{{}, 1}};
  };
  ASSERT_TRUE(r.AddGaugeCallback("cb", "C.", {}, fn).ok());
  Must(r.AddGauge("plain", "P."));
  r.Collect();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(r.RemoveCallback("plain"));  // only callbacks can be removed
  EXPECT_FALSE(r.RemoveCallback("unknown"));
  EXPECT_TRUE(r.RemoveCallback("cb"));
  EXPECT_FALSE(r.RemoveCallback("cb"));
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].name, "plain");
  EXPECT_TRUE(r.AddGaugeCallback("cb", "C.", {}, fn).ok());
}

// ---- concurrency (real threads; no sleeping, the joins are the synchronization) ----

constexpr int kThreads = 8;
constexpr int kPerThread = 50000;

TEST(ConcurrencyTest, PreResolvedCounterIsExact) {
  MetricsRegistry r;
  Counter& c = Must(r.AddCounter("hits_total", "Hits.", {"function"}))->With({"hello"});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) c.Inc();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(c.Value(), double(kThreads) * kPerThread);
}

TEST(ConcurrencyTest, WithFromManyThreadsResolvesOneChild) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("hits_total", "Hits.", {"function", "status"}));
  std::vector<std::thread> threads;
  std::vector<Counter*> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        Counter& c = f->With({"hello", "200"});
        c.Inc();
        c.Add(0.5);
        seen[t] = &c;
        f->With({"t" + std::to_string(t), std::to_string(i % 10)}).Inc();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<Counter*>(seen.begin(), seen.end()).size(), 1u);
  EXPECT_EQ(f->With({"hello", "200"}).Value(), kThreads * 2000 * 1.5);
  EXPECT_EQ(f->With({"t0", "0"}).Value(), 200);
  std::vector<MetricFamilySnapshot> snap = r.Collect();
  ASSERT_EQ(snap.size(), 1u);
  EXPECT_EQ(snap[0].series.size(), 1u + kThreads * 10u);
}

TEST(ConcurrencyTest, HistogramAndGaugeAreExact) {
  MetricsRegistry r;
  Histogram& h = Must(r.AddHistogram("d_seconds", "D.", {}, {1, 2}))->With();
  Gauge& g = Must(r.AddGauge("in_flight", "In flight."))->With();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        h.Observe(double(t % 3));  // 0, 1 or 2: whole numbers keep the sum exact
        g.Inc();
        g.Dec(0.5);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(h.Count(), std::uint64_t(kThreads) * kPerThread);
  // threads 0,3,6 observe 0; 1,4,7 observe 1; 2,5 observe 2
  EXPECT_THAT(h.CumulativeCounts(), ElementsAre(6u * kPerThread, 8u * kPerThread, 8u * kPerThread));
  EXPECT_EQ(h.Sum(), (3.0 * 1 + 2.0 * 2) * kPerThread);
  EXPECT_EQ(g.Value(), kThreads * kPerThread * 0.5);
}

TEST(ConcurrencyTest, CollectWhileUpdatingSeesMonotonicConsistentValues) {
  MetricsRegistry r;
  Family<Counter>* f = Must(r.AddCounter("hits_total", "Hits.", {"function"}));
  Family<Histogram>* hf = Must(r.AddHistogram("d_seconds", "D.", {"function"}, {1}));
  ASSERT_TRUE(r.AddGaugeCallback("cb", "C.", {}, [] {
                 return std::vector<CallbackSample>{{{}, 1}};
               }).ok());
  Counter& c = f->With({"a"});
  Histogram& h = hf->With({"a"});
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        c.Inc();
        h.Observe(i % 2 == 0 ? 0.5 : 5);
        if (i % 1000 == 0) f->With({"t" + std::to_string(t) + "_" + std::to_string(i)});
      }
    });
  }
  double last = 0;
  for (int scrape = 0; scrape < 200; ++scrape) {
    std::vector<MetricFamilySnapshot> snap = r.Collect();
    ASSERT_EQ(snap.size(), 3u);
    EXPECT_EQ(snap[0].name, "cb");
    const MetricFamilySnapshot& hist = snap[1];
    const HistogramValue& hv = hist.series.at(0).histogram;
    EXPECT_EQ(hv.count, hv.cumulative_counts.back());
    EXPECT_LE(hv.cumulative_counts[0], hv.cumulative_counts[1]);
    double now = snap[2].series.at(0).value;
    EXPECT_GE(now, last);
    last = now;
  }
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(c.Value(), 80000);
  EXPECT_EQ(h.Count(), 80000u);
}

TEST(ConcurrencyTest, RemoveCallbackWhileCollecting) {
  // Each callback reads an object that is deleted right after RemoveCallback returns: a call
  // after the removal would be a use after free, which AddressSanitizer reports.
  MetricsRegistry r;
  std::thread scraper;
  auto add = [&](int i) {
    auto* state = new int(i);
    EXPECT_TRUE(r.AddGaugeCallback("cb", "C.", {}, [state] {
                   return std::vector<CallbackSample>{{{}, double(*state)}};
                 }).ok());
    return state;
  };
  int* state = add(0);
  scraper = std::thread([&] {
    for (int i = 0; i < 3000; ++i) r.Collect();
  });
  for (int i = 1; i <= 500; ++i) {
    ASSERT_TRUE(r.RemoveCallback("cb"));
    delete state;
    state = add(i);
  }
  scraper.join();
  EXPECT_TRUE(r.RemoveCallback("cb"));
  delete state;
}

}  // namespace
}  // namespace squall
