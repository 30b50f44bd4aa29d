#include "monitor/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <type_traits>
#include <utility>

namespace squall {
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

Status AlreadyExists(std::string message) {
  return {StatusCode::kAlreadyExists, std::move(message)};
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string JoinLabels(const std::vector<std::string>& names) {
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ",";
    out += names[i];
  }
  return out + "}";
}

// The names a family puts in the exposition: its own (HELP/TYPE) and its sample names.
std::vector<std::string> ExposedNames(const std::string& name, MetricType type) {
  if (type == MetricType::kHistogram) {
    return {name, name + "_bucket", name + "_sum", name + "_count"};
  }
  return {name};
}

Status ValidateDefinition(const std::string& name, const std::string& help, MetricType type,
                          const std::vector<std::string>& label_names) {
  if (Status s = ValidateMetricName(name); !s.ok()) return s;
  if (help.empty()) return InvalidArgument("metric " + Quoted(name) + ": help text is empty");
  if (type == MetricType::kCounter &&
      (name.size() <= 6 || name.compare(name.size() - 6, 6, "_total") != 0)) {
    return InvalidArgument("counter " + Quoted(name) + ": a counter's name must end in _total");
  }
  std::set<std::string_view> seen;
  for (const std::string& label : label_names) {
    if (Status s = ValidateLabelName(label); !s.ok()) {
      return InvalidArgument("metric " + Quoted(name) + ": " + s.message());
    }
    if (!seen.insert(label).second) {
      return InvalidArgument("metric " + Quoted(name) + ": label name " + Quoted(label) +
                             " is repeated");
    }
    if (type == MetricType::kHistogram && label == "le") {
      return InvalidArgument("histogram " + Quoted(name) +
                             ": label name 'le' is reserved for bucket bounds");
    }
  }
  return Status::Ok();
}

Status NormalizeBounds(const std::string& name, std::vector<double>& bounds) {
  if (!bounds.empty() && bounds.back() == std::numeric_limits<double>::infinity()) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return InvalidArgument("histogram " + Quoted(name) + ": bucket bound " + std::to_string(i) +
                             " is not a finite number");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      return InvalidArgument("histogram " + Quoted(name) +
                             ": bucket bounds must be strictly increasing (bound " +
                             std::to_string(i) + ")");
    }
  }
  return Status::Ok();
}

[[noreturn]] void DieWrongArity(const std::string& name, std::size_t want, std::size_t got) {
  std::fprintf(stderr, "squall: metric '%s' has %zu label name(s) but With() got %zu value(s)\n",
               name.c_str(), want, got);
  std::abort();
}

class CallbackFamily final : public MetricFamily {
 public:
  CallbackFamily(std::string name, std::string help, MetricType type,
                 std::vector<std::string> label_names, CallbackFn fn)
      : MetricFamily(std::move(name), std::move(help), type, std::move(label_names)),
        fn_(std::move(fn)) {}

  bool is_callback() const override { return true; }

  // Waits for a running fn to return; fn is never called again.
  void Disable() {
    std::lock_guard lock(mu_);
    fn_ = nullptr;
  }

  MetricFamilySnapshot Collect() const override {
    MetricFamilySnapshot snapshot = EmptySnapshot();
    std::vector<CallbackSample> samples;
    {
      std::lock_guard lock(mu_);
      if (!fn_) return snapshot;
      samples = fn_();
    }
    std::stable_sort(samples.begin(), samples.end(),
                     [](const CallbackSample& a, const CallbackSample& b) {
                       return a.label_values < b.label_values;
                     });
    for (CallbackSample& sample : samples) {
      if (sample.label_values.size() != label_names().size()) continue;
      if (!snapshot.series.empty() && snapshot.series.back().label_values == sample.label_values) {
        continue;
      }
      MetricSeries series;
      series.label_values = std::move(sample.label_values);
      series.value = sample.value;
      snapshot.series.push_back(std::move(series));
    }
    return snapshot;
  }

 private:
  mutable std::mutex mu_;
  CallbackFn fn_;
};

bool SameDefinition(const MetricFamily& a, const MetricFamily& b) {
  if (a.is_callback() || b.is_callback()) return false;
  std::span<const double> ab = a.bucket_bounds();
  std::span<const double> bb = b.bucket_bounds();
  return a.type() == b.type() && a.help() == b.help() && a.label_names() == b.label_names() &&
         std::equal(ab.begin(), ab.end(), bb.begin(), bb.end());
}

std::string Describe(const MetricFamily& f) {
  std::string out = f.is_callback() ? "a callback " : "a ";
  out += MetricTypeName(f.type());
  out += " with labels " + JoinLabels(f.label_names());
  return out;
}

}  // namespace

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

Status ValidateMetricName(std::string_view name) {
  if (name.empty()) return InvalidArgument("metric name is empty");
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsAsciiLetter(c) || c == '_' || c == ':' || (i > 0 && IsAsciiDigit(c));
    if (!ok) {
      return InvalidArgument("metric name " + Quoted(name) + ": character " + std::to_string(i) +
                             " is not allowed (names match [a-zA-Z_:][a-zA-Z0-9_:]*)");
    }
  }
  return Status::Ok();
}

Status ValidateLabelName(std::string_view name) {
  if (name.empty()) return InvalidArgument("label name is empty");
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = IsAsciiLetter(c) || c == '_' || (i > 0 && IsAsciiDigit(c));
    if (!ok) {
      return InvalidArgument("label name " + Quoted(name) + ": character " + std::to_string(i) +
                             " is not allowed (names match [a-zA-Z_][a-zA-Z0-9_]*)");
    }
  }
  if (name.starts_with("__")) {
    return InvalidArgument("label name " + Quoted(name) +
                           ": names starting with '__' are reserved for Prometheus");
  }
  return Status::Ok();
}

// ---- Counter ----

void Counter::Add(double amount) {
  if (!(amount > 0)) return;  // negative, zero and NaN
  if (amount < kMaxExactInteger && amount == std::floor(amount)) {
    whole_.fetch_add(static_cast<std::uint64_t>(amount), std::memory_order_relaxed);
    return;
  }
  fractional_.fetch_add(amount, std::memory_order_relaxed);
}

double Counter::Value() const {
  return static_cast<double>(whole_.load(std::memory_order_relaxed)) +
         fractional_.load(std::memory_order_relaxed);
}

// ---- Histogram ----

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {}

void Histogram::Observe(double v) {
  // The first bound >= v; NaN compares false with everything and lands in +Inf.
  auto it = std::partition_point(bounds_.begin(), bounds_.end(),
                                 [v](double bound) { return !(v <= bound); });
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

void Histogram::Observe(Duration d) { Observe(std::chrono::duration<double>(d).count()); }

std::vector<std::uint64_t> Histogram::CumulativeCounts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

std::uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  if (!(start > 0) || !(factor > 1) || count < 1) return out;
  double bound = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(bound);
    bound *= factor;
  }
  return out;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> out;
  if (!std::isfinite(start) || !(width > 0) || count < 1) return out;
  for (int i = 0; i < count; ++i) out.push_back(start + width * i);
  return out;
}

// ---- families ----

MetricFamily::MetricFamily(std::string name, std::string help, MetricType type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

MetricFamilySnapshot MetricFamily::EmptySnapshot() const {
  MetricFamilySnapshot snapshot;
  snapshot.name = name_;
  snapshot.help = help_;
  snapshot.type = type_;
  snapshot.label_names = label_names_;
  return snapshot;
}

Status MetricFamily::CheckArity(const LabelValues& values) const {
  if (values.size() == label_names_.size()) return Status::Ok();
  return InvalidArgument("metric " + Quoted(name_) + " has " + std::to_string(label_names_.size()) +
                         " label name(s) " + JoinLabels(label_names_) + ", got " +
                         std::to_string(values.size()) + " value(s)");
}

template <typename T>
constexpr MetricType TypeOf() {
  if constexpr (std::is_same_v<T, Counter>) {
    return MetricType::kCounter;
  } else if constexpr (std::is_same_v<T, Gauge>) {
    return MetricType::kGauge;
  } else {
    return MetricType::kHistogram;
  }
}

template <typename T>
Family<T>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), TypeOf<T>(), std::move(label_names)),
      bounds_(std::move(bounds)) {
  // A family without labels has exactly one series, exported from the start (at zero).
  if (this->label_names().empty()) With({});
}

template <typename T>
T& Family<T>::With(const LabelValues& values) {
  if (values.size() != label_names().size()) {
    DieWrongArity(name(), label_names().size(), values.size());
  }
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) {
    std::unique_ptr<T> child;
    if constexpr (std::is_same_v<T, Histogram>) {
      child = std::make_unique<Histogram>(bounds_);
    } else {
      child = std::make_unique<T>();
    }
    it = children_.emplace(values, std::move(child)).first;
  }
  return *it->second;
}

template <typename T>
StatusOr<T*> Family<T>::Get(const LabelValues& values) {
  if (Status s = CheckArity(values); !s.ok()) return s;
  return &With(values);
}

template <typename T>
MetricFamilySnapshot Family<T>::Collect() const {
  MetricFamilySnapshot snapshot = EmptySnapshot();
  snapshot.bucket_bounds = bounds_;
  std::lock_guard lock(mu_);
  snapshot.series.reserve(children_.size());
  for (const auto& [values, child] : children_) {
    MetricSeries series;
    series.label_values = values;
    if constexpr (std::is_same_v<T, Histogram>) {
      series.histogram.cumulative_counts = child->CumulativeCounts();
      series.histogram.count = series.histogram.cumulative_counts.back();
      series.histogram.sum = child->Sum();
    } else {
      series.value = child->Value();
    }
    snapshot.series.push_back(std::move(series));
  }
  return snapshot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry ----

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

template <typename F>
StatusOr<F*> MetricsRegistry::Register(std::shared_ptr<F> family) {
  std::lock_guard lock(mu_);
  if (auto it = families_.find(family->name()); it != families_.end()) {
    if (auto* existing = dynamic_cast<F*>(it->second.get());
        existing != nullptr && SameDefinition(*existing, *family)) {
      return existing;
    }
    return AlreadyExists("metric " + Quoted(family->name()) + " is already registered as " +
                         Describe(*it->second));
  }
  std::vector<std::string> mine = ExposedNames(family->name(), family->type());
  for (const auto& [other_name, other] : families_) {
    for (const std::string& theirs : ExposedNames(other_name, other->type())) {
      if (std::find(mine.begin(), mine.end(), theirs) != mine.end()) {
        return AlreadyExists("metric " + Quoted(family->name()) + ": the name " + Quoted(theirs) +
                             " is already used by " + MetricTypeName(other->type()) + " " +
                             Quoted(other_name));
      }
    }
  }
  F* raw = family.get();
  families_.emplace(family->name(), std::move(family));
  return raw;
}

StatusOr<Family<Counter>*> MetricsRegistry::AddCounter(std::string name, std::string help,
                                                       std::vector<std::string> label_names) {
  if (Status s = ValidateDefinition(name, help, MetricType::kCounter, label_names); !s.ok()) {
    return s;
  }
  return Register(
      std::make_shared<Family<Counter>>(std::move(name), std::move(help), std::move(label_names)));
}

StatusOr<Family<Gauge>*> MetricsRegistry::AddGauge(std::string name, std::string help,
                                                   std::vector<std::string> label_names) {
  if (Status s = ValidateDefinition(name, help, MetricType::kGauge, label_names); !s.ok()) {
    return s;
  }
  return Register(
      std::make_shared<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names)));
}

StatusOr<Family<Histogram>*> MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                           std::vector<std::string> label_names,
                                                           std::vector<double> bounds) {
  if (Status s = ValidateDefinition(name, help, MetricType::kHistogram, label_names); !s.ok()) {
    return s;
  }
  if (Status s = NormalizeBounds(name, bounds); !s.ok()) return s;
  return Register(std::make_shared<Family<Histogram>>(std::move(name), std::move(help),
                                                      std::move(label_names), std::move(bounds)));
}

Status MetricsRegistry::AddCallback(std::string name, std::string help, MetricType type,
                                    std::vector<std::string> label_names, CallbackFn fn) {
  if (Status s = ValidateDefinition(name, help, type, label_names); !s.ok()) return s;
  if (!fn) return InvalidArgument("metric " + Quoted(name) + ": callback is empty");
  StatusOr<CallbackFamily*> added = Register(std::make_shared<CallbackFamily>(
      std::move(name), std::move(help), type, std::move(label_names), std::move(fn)));
  return added.status();
}

Status MetricsRegistry::AddGaugeCallback(std::string name, std::string help,
                                         std::vector<std::string> label_names, CallbackFn fn) {
  return AddCallback(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names),
                     std::move(fn));
}

Status MetricsRegistry::AddCounterCallback(std::string name, std::string help,
                                           std::vector<std::string> label_names, CallbackFn fn) {
  return AddCallback(std::move(name), std::move(help), MetricType::kCounter, std::move(label_names),
                     std::move(fn));
}

bool MetricsRegistry::RemoveCallback(std::string_view name) {
  std::shared_ptr<MetricFamily> removed;
  {
    std::lock_guard lock(mu_);
    auto it = families_.find(name);
    if (it == families_.end() || !it->second->is_callback()) return false;
    removed = std::move(it->second);
    families_.erase(it);
  }
  // A Collect() that copied the family before the erase may still be inside fn: wait for it.
  static_cast<CallbackFamily&>(*removed).Disable();
  return true;
}

std::vector<MetricFamilySnapshot> MetricsRegistry::Collect() const {
  std::vector<std::shared_ptr<MetricFamily>> families;
  {
    std::lock_guard lock(mu_);
    families.reserve(families_.size());
    for (const auto& [name, family] : families_) families.push_back(family);
  }
  std::vector<MetricFamilySnapshot> out;
  out.reserve(families.size());
  for (const auto& family : families) {
    MetricFamilySnapshot snapshot = family->Collect();
    if (!snapshot.series.empty()) out.push_back(std::move(snapshot));
  }
  return out;
}

}  // namespace squall
