#include "monitor/prometheus_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sample_metrics.h"

namespace squall {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <typename T>
T Must(StatusOr<T> v) {
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return *v;
}

TEST(FormatMetricValueTest, IntegersAsIntegers) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(-0.0), "0");
  EXPECT_EQ(FormatMetricValue(1), "1");
  EXPECT_EQ(FormatMetricValue(-3), "-3");
  EXPECT_EQ(FormatMetricValue(1e6), "1000000");
  EXPECT_EQ(FormatMetricValue(1e15), "1000000000000000");
  EXPECT_EQ(FormatMetricValue(9007199254740992.0), "9007199254740992");  // 2^53
  EXPECT_EQ(FormatMetricValue(-9007199254740992.0), "-9007199254740992");
}

TEST(FormatMetricValueTest, OthersShortestRoundTrip) {
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(1.5), "1.5");
  EXPECT_EQ(FormatMetricValue(-2.25), "-2.25");
  EXPECT_EQ(FormatMetricValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatMetricValue(1e-9), "1e-09");
  EXPECT_EQ(FormatMetricValue(18014398509481984.0), "18014398509481984");  // 2^54: shortest
  EXPECT_EQ(FormatMetricValue(1e20), "1e+20");
  EXPECT_EQ(FormatMetricValue(1.0 / 3), "0.3333333333333333");
  for (double v : {0.1, 1.0 / 3, 2.5e-300, 6.02214076e23, 123456.789}) {
    EXPECT_EQ(std::stod(FormatMetricValue(v)), v);
  }
}

TEST(FormatMetricValueTest, SpecialValues) {
  EXPECT_EQ(FormatMetricValue(kInf), "+Inf");
  EXPECT_EQ(FormatMetricValue(-kInf), "-Inf");
  EXPECT_EQ(FormatMetricValue(kNaN), "NaN");
  EXPECT_EQ(FormatMetricValue(-kNaN), "NaN");
}

TEST(EscapeTest, LabelValues) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue("tab\tstays"), "tab\tstays");
  EXPECT_EQ(EscapeLabelValue(""), "");
}

TEST(EscapeTest, HelpEscapesBackslashAndNewlineNotQuotes) {
  EXPECT_EQ(EscapeHelp("say \"hi\"\nC:\\path"), "say \"hi\"\\nC:\\\\path");
}

TEST(EscapeTest, ValidUtf8IsKeptInvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(EscapeLabelValue("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(EscapeLabelValue("a\xFF-z"), "a" + r + "-z");
  EXPECT_EQ(EscapeLabelValue("\xC3"), r);                          // truncated
  EXPECT_EQ(EscapeLabelValue("\xC0\xAF"), r + r);                  // overlong
  EXPECT_EQ(EscapeLabelValue("\xED\xA0\x80"), r + r + r);          // surrogate
  EXPECT_EQ(EscapeLabelValue("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(EscapeHelp("x\x80\n"), "x" + r + "\\n");
}

TEST(RenderTest, EmptyRegistryIsEmptyText) {
  MetricsRegistry r;
  EXPECT_EQ(RenderPrometheusText(r), "");
  Must(r.AddCounter("c_total", "C.", {"x"}));  // no child yet: left out
  EXPECT_EQ(RenderPrometheusText(r), "");
}

TEST(RenderTest, CounterAndGauge) {
  MetricsRegistry r;
  Family<Counter>* c = Must(r.AddCounter("requests_total", "Requests.", {"function", "status"}));
  c->With({"hello", "200"}).Inc(2);
  c->With({"a\"b", "500"}).Inc();
  Must(r.AddGauge("up", "Whether the host is up."))->With().Set(1);
  EXPECT_EQ(RenderPrometheusText(r),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{function=\"a\\\"b\",status=\"500\"} 1\n"
            "requests_total{function=\"hello\",status=\"200\"} 2\n"
            "# HELP up Whether the host is up.\n"
            "# TYPE up gauge\n"
            "up 1\n");
}

TEST(RenderTest, HistogramWithoutLabels) {
  MetricsRegistry r;
  Histogram& h = Must(r.AddHistogram("d_seconds", "D.", {}, {0.25, 1}))->With();
  h.Observe(0.25);
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(RenderPrometheusText(r),
            "# HELP d_seconds D.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{le=\"0.25\"} 1\n"
            "d_seconds_bucket{le=\"1\"} 2\n"
            "d_seconds_bucket{le=\"+Inf\"} 3\n"
            "d_seconds_sum 7.75\n"
            "d_seconds_count 3\n");
}

TEST(RenderTest, HistogramWithNoBoundsHasOnlyInf) {
  MetricsRegistry r;
  Must(r.AddHistogram("d_seconds", "D.", {"f"}, {}))->With({"x"}).Observe(2);
  EXPECT_EQ(RenderPrometheusText(r),
            "# HELP d_seconds D.\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{f=\"x\",le=\"+Inf\"} 1\n"
            "d_seconds_sum{f=\"x\"} 2\n"
            "d_seconds_count{f=\"x\"} 1\n");
}

TEST(RenderTest, OrderIsByNameThenLabelValuesWhateverTheRegistrationOrder) {
  MetricsRegistry r;
  Family<Gauge>* z = Must(r.AddGauge("z", "Z.", {"k"}));
  Family<Gauge>* a = Must(r.AddGauge("a", "A.", {"k"}));
  z->With({"2"}).Set(2);
  z->With({"1"}).Set(1);
  a->With({"b"}).Set(4);
  a->With({"a"}).Set(3);
  EXPECT_EQ(RenderPrometheusText(r),
            "# HELP a A.\n# TYPE a gauge\na{k=\"a\"} 3\na{k=\"b\"} 4\n"
            "# HELP z Z.\n# TYPE z gauge\nz{k=\"1\"} 1\nz{k=\"2\"} 2\n");
}

TEST(RenderTest, CallbackValues) {
  MetricsRegistry r;
  ASSERT_TRUE(r.AddGaugeCallback("instances", "Instances by state.", {"state"}, [] {
                 return std::vector<CallbackSample>{{{"ready"}, 3}, {{"draining\n"}, 0.5}};
               }).ok());
  EXPECT_EQ(RenderPrometheusText(r),
            "# HELP instances Instances by state.\n"
            "# TYPE instances gauge\n"
            "instances{state=\"draining\\n\"} 0.5\n"
            "instances{state=\"ready\"} 3\n");
}

TEST(RenderTest, SnapshotsRenderWithoutARegistry) {
  MetricFamilySnapshot f;
  f.name = "x";
  f.help = "X.";
  f.type = MetricType::kGauge;
  f.label_names = {"a"};
  f.series.push_back({{"v"}, 1.25, {}});
  MetricFamilySnapshot empty = f;
  empty.name = "y";
  empty.series.clear();
  EXPECT_EQ(RenderPrometheusText(std::vector<MetricFamilySnapshot>{f, empty}),
            "# HELP x X.\n# TYPE x gauge\nx{a=\"v\"} 1.25\n");
}

TEST(RenderTest, ContentType) {
  EXPECT_EQ(kPrometheusTextContentType, "text/plain; version=0.0.4; charset=utf-8");
}

// The sample that monitor_promtool_check feeds to `promtool check metrics`, pinned exactly.
TEST(RenderTest, PromtoolSample) {
  MetricsRegistry r;
  ASSERT_TRUE(FillSampleRegistry(r).ok());
  EXPECT_EQ(
      RenderPrometheusText(r),
      "# HELP squall_cold_start_seconds Cold start waits.\n"
      "# TYPE squall_cold_start_seconds histogram\n"
      "squall_cold_start_seconds_bucket{le=\"0.5\"} 0\n"
      "squall_cold_start_seconds_bucket{le=\"1\"} 1\n"
      "squall_cold_start_seconds_bucket{le=\"2\"} 1\n"
      "squall_cold_start_seconds_bucket{le=\"+Inf\"} 1\n"
      "squall_cold_start_seconds_sum 0.75\n"
      "squall_cold_start_seconds_count 1\n"
      "# HELP squall_http_in_flight_requests Requests in flight, by function.\n"
      "# TYPE squall_http_in_flight_requests gauge\n"
      "squall_http_in_flight_requests{function=\"bad\xEF\xBF\xBDutf8\"} 0\n"
      "squall_http_in_flight_requests{function=\"caf\xC3\xA9\"} -1.5\n"
      "squall_http_in_flight_requests{function=\"hello\"} 2\n"
      "# HELP squall_http_request_duration_seconds Time from request to response.\n"
      "# TYPE squall_http_request_duration_seconds histogram\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"0.005\"} 2\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"0.01\"} 2\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"0.1\"} 3\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"1\"} 4\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"2.5\"} 4\n"
      "squall_http_request_duration_seconds_bucket{function=\"hello\",le=\"+Inf\"} 5\n"
      "squall_http_request_duration_seconds_sum{function=\"hello\"} 3.556\n"
      "squall_http_request_duration_seconds_count{function=\"hello\"} 5\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"0.005\"} 0\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"0.01\"} 0\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"0.1\"} 0\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"1\"} 1\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"2.5\"} 1\n"
      "squall_http_request_duration_seconds_bucket{function=\"slow\",le=\"+Inf\"} 1\n"
      "squall_http_request_duration_seconds_sum{function=\"slow\"} 1\n"
      "squall_http_request_duration_seconds_count{function=\"slow\"} 1\n"
      "# HELP squall_http_requests_total HTTP requests handled, by function and status code.\n"
      "# TYPE squall_http_requests_total counter\n"
      "squall_http_requests_total{function=\"hello\",status=\"200\"} 3\n"
      "squall_http_requests_total{function=\"hello\",status=\"500\"} 1\n"
      "squall_http_requests_total{function=\"we\\\"ird\\\\name\\nline2\",status=\"200\"} 1\n"
      "# HELP squall_instances Instances of the app, by state.\n"
      "# TYPE squall_instances gauge\n"
      "squall_instances{state=\"draining\"} 1\n"
      "squall_instances{state=\"ready\"} 2\n"
      "squall_instances{state=\"starting\"} 0\n"
      "# HELP squall_scale_target_ratio Load over target, per scale group.\n"
      "# TYPE squall_scale_target_ratio gauge\n"
      "squall_scale_target_ratio{group=\"http\"} 0.30000000000000004\n"
      "squall_scale_target_ratio{group=\"queue\"} NaN\n"
      "squall_scale_target_ratio{group=\"timer\"} +Inf\n"
      "# HELP squall_worker_cpu_seconds_total CPU time used by workers.\n"
      "# TYPE squall_worker_cpu_seconds_total counter\n"
      "squall_worker_cpu_seconds_total{version=\"4.1.0\"} 1.75\n"
      "# HELP squall_worker_restarts_total Worker restarts.\\nBackslash \\\\ and \"quotes\" in "
      "help.\n"
      "# TYPE squall_worker_restarts_total counter\n"
      "squall_worker_restarts_total 2\n");
}

}  // namespace
}  // namespace squall
