// Prometheus text exposition format 0.0.4 (what `GET /metrics` answers and promtool checks).
//
//   # HELP name help text (backslash and newline escaped)
//   # TYPE name counter|gauge|histogram
//   name{label="value",...} 42
//
// Families by name, series by label values (as Collect() orders them); families without series
// are left out. Label values escape backslash, double quote and newline; bytes that are not
// UTF-8 become U+FFFD (one bad value must not make the whole scrape unparsable). Numbers:
// whole numbers up to 2^53 as integers, others in the shortest form that reads back to the same
// double, and +Inf, -Inf, NaN. Histograms: cumulative name_bucket{le="..."} lines ending with
// le="+Inf", then name_sum and name_count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "monitor/metrics.h"

namespace squall {

inline constexpr std::string_view kPrometheusTextContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheusText(const MetricsRegistry& registry);
std::string RenderPrometheusText(const std::vector<MetricFamilySnapshot>& families);

// The pieces, for tests and for other renderers.
std::string FormatMetricValue(double v);
std::string EscapeLabelValue(std::string_view value);
std::string EscapeHelp(std::string_view help);

}  // namespace squall
