// A registry holding every kind of metric (counter, gauge, histogram, gauge callback), labelled
// and unlabelled, with values that need escaping and special numbers. promtool_sample.cpp prints
// it for `promtool check metrics`; prometheus_text_test.cpp pins its exact text.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "monitor/metrics.h"

namespace squall {

// Registers and fills the sample; returns the first registration error, if any.
inline Status FillSampleRegistry(MetricsRegistry& registry) {
  auto requests = registry.AddCounter("squall_http_requests_total",
                                      "HTTP requests handled, by function and status code.",
                                      {"function", "status"});
  if (!requests.ok()) return requests.status();
  (*requests)->With({"hello", "200"}).Inc(3);
  (*requests)->With({"hello", "500"}).Inc();
  (*requests)->With({"we\"ird\\name\nline2", "200"}).Inc();

  auto restarts = registry.AddCounter("squall_worker_restarts_total",
                                      "Worker restarts.\nBackslash \\ and \"quotes\" in help.");
  if (!restarts.ok()) return restarts.status();
  (*restarts)->With().Add(2);

  auto cpu = registry.AddCounter("squall_worker_cpu_seconds_total", "CPU time used by workers.",
                                 {"version"});
  if (!cpu.ok()) return cpu.status();
  (*cpu)->With({"4.1.0"}).Add(0.25);
  (*cpu)->With({"4.1.0"}).Add(1.5);

  auto in_flight = registry.AddGauge("squall_http_in_flight_requests",
                                     "Requests in flight, by function.", {"function"});
  if (!in_flight.ok()) return in_flight.status();
  (*in_flight)->With({"hello"}).Inc(3);
  (*in_flight)->With({"hello"}).Dec();
  (*in_flight)->With({"caf\xC3\xA9"}).Set(-1.5);
  (*in_flight)->With({"bad\xFFutf8"}).Set(0);  // rendered with U+FFFD, or promtool rejects it

  auto ratio = registry.AddGauge("squall_scale_target_ratio", "Load over target, per scale group.",
                                 {"group"});
  if (!ratio.ok()) return ratio.status();
  (*ratio)->With({"http"}).Set(0.1 + 0.2);
  (*ratio)->With({"queue"}).Set(std::numeric_limits<double>::quiet_NaN());
  (*ratio)->With({"timer"}).Set(std::numeric_limits<double>::infinity());

  auto duration = registry.AddHistogram("squall_http_request_duration_seconds",
                                        "Time from request to response.", {"function"},
                                        {0.005, 0.01, 0.1, 1, 2.5});
  if (!duration.ok()) return duration.status();
  Histogram& hello = (*duration)->With({"hello"});
  for (double v : {0.001, 0.005, 0.05, 0.5, 3.0}) hello.Observe(v);
  (*duration)->With({"slow"}).Observe(1.0);

  auto cold =
      registry.AddHistogram("squall_cold_start_seconds", "Cold start waits.", {}, {0.5, 1, 2});
  if (!cold.ok()) return cold.status();
  (*cold)->With().Observe(0.75);

  return registry.AddGaugeCallback(
      "squall_instances", "Instances of the app, by state.", {"state"}, [] {
        return std::vector<CallbackSample>{{{"ready"}, 2}, {{"draining"}, 1}, {{"starting"}, 0}};
      });
}

}  // namespace squall
