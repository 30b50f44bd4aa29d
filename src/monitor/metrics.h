// Metrics registry: counters, gauges and histograms with labels, and values computed at scrape.
//
// Why pre-resolved children. A family (name, help, label names) holds one child per tuple of
// label values. The request path costs ~20 µs of CPU per invocation (BENCHMARKS.md), so a metric
// update there must be one atomic add: no map lookup keyed by label strings, no allocation, no
// lock. A caller resolves the child once (when a function is registered, when an instance
// starts) and keeps the reference; children are never moved or freed while the registry lives:
//
//     Family<Counter>* requests = *registry.AddCounter("squall_http_requests_total", "...",
//                                                      {"function", "status"});
//     Counter& hello_ok = requests->With({"hello", "200"});   // setup: lock + map lookup
//     hello_ok.Inc();                                         // hot path: one relaxed atomic add
//
// With() is also fine on the request path for rare labels (errors), at the price of a lock.
//
// Why callbacks. Some values are state another component already owns (instances per state,
// queue length, live workers). Mirroring that state into gauges on every transition duplicates
// it and drifts when one transition is missed; a callback reads the owner when scraped, and a
// series whose labels no longer exist (a removed instance) disappears with it. Callbacks run on
// the scraping thread, so they must be thread-safe and must not call back into the registry.
//
// Registration validates as Prometheus does (metric name [a-zA-Z_:][a-zA-Z0-9_:]*, label name
// [a-zA-Z_][a-zA-Z0-9_]* without a "__" prefix) plus what promtool's linter demands (help text,
// counters end in "_total"), and returns a Status. Registering the same definition again returns
// the existing family, so components may each register what they use. Collect() snapshots the
// registry (by name, then label values); prometheus_text.h turns a snapshot into text.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace squall {

using LabelValues = std::vector<std::string>;

enum class MetricType { kCounter, kGauge, kHistogram };
const char* MetricTypeName(MetricType type);  // "counter", "gauge", "histogram"

Status ValidateMetricName(std::string_view name);
Status ValidateLabelName(std::string_view name);

// A monotonically increasing value. Inc() is one relaxed atomic add on an integer; Add() of a
// fractional amount is a compare-exchange loop on a double.
class Counter {
 public:
  void Inc() { whole_.fetch_add(1, std::memory_order_relaxed); }
  void Inc(std::uint64_t n) { whole_.fetch_add(n, std::memory_order_relaxed); }
  // Negative and NaN amounts are ignored: a counter never goes down.
  void Add(double amount);
  double Value() const;

 private:
  std::atomic<std::uint64_t> whole_{0};
  std::atomic<double> fractional_{0};  // amounts that are not whole numbers
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void Dec(double amount = 1) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Upper bounds are inclusive (Prometheus "le"); +Inf is implicit. Observe() is a binary search
// over the bounds, one atomic add on the bucket and one compare-exchange loop on the sum. The
// count is the sum of the buckets, so _count always equals the +Inf bucket in a snapshot.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);

  void Observe(double v);    // NaN counts in +Inf only (and makes the sum NaN, as Prometheus does)
  void Observe(Duration d);  // in seconds

  std::span<const double> bounds() const { return bounds_; }
  std::vector<std::uint64_t> CumulativeCounts() const;  // one per bound, then +Inf
  std::uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::span<const double> bounds_;                        // owned by the family
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Bucket helpers (seconds). Default: 5 ms .. 10 s, as the Prometheus client libraries.
std::vector<double> DefaultLatencyBuckets();
std::vector<double> ExponentialBuckets(double start, double factor, int count);
std::vector<double> LinearBuckets(double start, double width, int count);

// ---- snapshots (what a scrape sees) ----

struct HistogramValue {
  std::vector<std::uint64_t> cumulative_counts;  // one per bound, then +Inf (== count)
  double sum = 0;
  std::uint64_t count = 0;
};

struct MetricSeries {
  LabelValues label_values;  // one per label name of the family
  double value = 0;          // counter, gauge
  HistogramValue histogram;  // histogram
};

struct MetricFamilySnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names;
  std::vector<double> bucket_bounds;  // histogram, without +Inf
  std::vector<MetricSeries> series;   // sorted by label values
};

// What a collect-time callback returns: one value per tuple of label values.
struct CallbackSample {
  LabelValues label_values;
  double value = 0;
};
using CallbackFn = std::function<std::vector<CallbackSample>()>;

// ---- families ----

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, MetricType type,
               std::vector<std::string> label_names);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual bool is_callback() const { return false; }
  virtual std::span<const double> bucket_bounds() const { return {}; }

  virtual MetricFamilySnapshot Collect() const = 0;

 protected:
  MetricFamilySnapshot EmptySnapshot() const;
  Status CheckArity(const LabelValues& values) const;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// T is Counter, Gauge or Histogram.
template <typename T>
class Family final : public MetricFamily {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {});

  // The child for these label values (one per label name; {} when the family has none), created
  // at zero on first use. The reference stays valid as long as the registry. A wrong number of
  // values is a programming error and aborts, like a failed assertion in every build type; use
  // Get() when the values come from outside.
  T& With(const LabelValues& values = {});
  // Same, but InvalidArgument on a wrong number of values.
  StatusOr<T*> Get(const LabelValues& values);

  std::span<const double> bucket_bounds() const override { return bounds_; }
  MetricFamilySnapshot Collect() const override;

 private:
  std::vector<double> bounds_;  // histograms only; children point into it
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<T>> children_;
};

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// ---- the registry ----

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // InvalidArgument for a bad name, label name or help (empty), a counter not ending in
  // "_total", histogram bounds not strictly increasing or a histogram label "le"; AlreadyExists
  // when the name (or a series name it produces: x_bucket, x_sum, x_count for a histogram x) is
  // taken by a different definition. The same definition again returns the existing family.
  StatusOr<Family<Counter>*> AddCounter(std::string name, std::string help,
                                        std::vector<std::string> label_names = {});
  StatusOr<Family<Gauge>*> AddGauge(std::string name, std::string help,
                                    std::vector<std::string> label_names = {});
  // Bounds in seconds (or whatever the name's unit is), strictly increasing; a trailing +Inf
  // is accepted and dropped (it is always there).
  StatusOr<Family<Histogram>*> AddHistogram(std::string name, std::string help,
                                            std::vector<std::string> label_names,
                                            std::vector<double> bounds);

  // A gauge (or counter) family whose series are computed by fn at every Collect(). fn runs on
  // the collecting thread, under a lock of its own (never two calls at once). Samples with the
  // wrong number of label values are dropped, and so are repeated label values (first wins).
  // Names are validated as for AddGauge/AddCounter; a callback name is never shared.
  Status AddGaugeCallback(std::string name, std::string help, std::vector<std::string> label_names,
                          CallbackFn fn);
  Status AddCounterCallback(std::string name, std::string help,
                            std::vector<std::string> label_names, CallbackFn fn);
  // Unregisters a callback family: when this returns, fn is not running and will not run again
  // (call it before destroying what fn reads). False when no callback has that name.
  bool RemoveCallback(std::string_view name);

  // Every family with at least one series, by name; series by label values.
  std::vector<MetricFamilySnapshot> Collect() const;

 private:
  template <typename F>
  StatusOr<F*> Register(std::shared_ptr<F> family);
  Status AddCallback(std::string name, std::string help, MetricType type,
                     std::vector<std::string> label_names, CallbackFn fn);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<MetricFamily>, std::less<>> families_;
};

}  // namespace squall
