// Prints the sample registry (sample_metrics.h) in the Prometheus text format, for the ctest
// monitor_promtool_check: `monitor_promtool_sample | promtool check metrics`.
#include <cstdio>
#include <string>

#include "monitor/prometheus_text.h"
#include "sample_metrics.h"

int main() {
  squall::MetricsRegistry registry;
  if (squall::Status s = squall::FillSampleRegistry(registry); !s.ok()) {
    std::fprintf(stderr, "monitor_promtool_sample: %s\n", s.ToString().c_str());
    return 1;
  }
  std::string text = squall::RenderPrometheusText(registry);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
