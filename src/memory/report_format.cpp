#include "memory/report_format.h"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace squall {

namespace json = boost::json;

namespace {

json::object KeyJson(const VersionKey& k) {
  json::object o;
  o["hostVersion"] = k.host_version;
  o["contentHash"] = k.content_hash;
  return o;
}

json::array SampleList(const VersionKey& key, const ReportExtras& extras) {
  json::array out;
  if (!extras.samples) return out;
  for (const auto& s : *extras.samples) {
    if (s.key != key) continue;
    json::object o;
    o["time"] = FormatIso8601(s.at);
    o["instance"] = s.instance;
    o["steady"] = s.steady;
    o["workingSetBytes"] = WorkingSet(s);
    o["hostRssBytes"] = s.host.rss;
    o["hostPssBytes"] = s.host.pss;
    o["workerRssBytes"] = s.worker.rss;
    o["workerPssBytes"] = s.worker.pss;
    o["workerProcesses"] = s.worker.processes;
    o["cgroupBytes"] = s.cgroup_bytes;
    out.emplace_back(std::move(o));
  }
  return out;
}

std::string Installed(const std::string& version, const ReportExtras& extras) {
  if (!extras.installed) return "";
  return extras.installed->count(version) ? " (installed)" : " (not installed here)";
}

std::string Short(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 1) + "~";
}

}  // namespace

std::string MemoryReportJson(const MemoryReport& report, const ReportExtras& extras) {
  json::object o;
  o["samples"] = report.samples;
  o["current"] = report.current ? json::value(KeyJson(*report.current)) : json::value(nullptr);
  json::array baselines;
  for (const auto& b : report.baselines) {
    json::object j = KeyJson(b.key);
    j["ready"] = b.ready;
    j["baselineBytes"] = b.median;
    j["hostBytes"] = b.host_median;
    j["workerBytes"] = b.worker_median;
    j["minBytes"] = b.min;
    j["maxBytes"] = b.max;
    j["steadySamples"] = b.steady_samples;
    j["samples"] = b.samples;
    j["instances"] = b.instances;
    j["firstSeen"] = FormatIso8601(b.first_seen);
    j["lastSeen"] = FormatIso8601(b.last_seen);
    if (extras.samples) j["sampleList"] = SampleList(b.key, extras);
    baselines.emplace_back(std::move(j));
  }
  o["baselines"] = std::move(baselines);
  json::array changes;
  int regressions = 0;
  for (const auto& s : report.steps) {
    json::object j;
    j["from"] = KeyJson(s.from);
    j["to"] = KeyJson(s.to);
    j["cause"] = s.cause;
    j["deltaBytes"] = s.delta;
    j["thresholdBytes"] = s.threshold;
    j["regression"] = s.regression;
    j["fromSamples"] = s.from_samples;
    j["toSamples"] = s.to_samples;
    json::array pins;
    for (const auto& v : s.pin_back) {
      json::object p;
      p["hostVersion"] = v;
      if (extras.installed) p["installed"] = extras.installed->count(v) > 0;
      pins.emplace_back(std::move(p));
    }
    j["pinBack"] = std::move(pins);
    j["description"] = DescribeStep(s);
    regressions += s.regression ? 1 : 0;
    changes.emplace_back(std::move(j));
  }
  o["changes"] = std::move(changes);
  o["regressions"] = regressions;
  return json::serialize(o);
}

std::string MemoryReportText(const MemoryReport& report, const ReportExtras& extras) {
  if (report.samples == 0) return "no memory samples yet\n";
  std::string out = fmt::format("{} samples", report.samples);
  if (report.current) {
    out += fmt::format("; latest: host version {}, app content {}", report.current->host_version,
                       report.current->content_hash);
  }
  out += "\n\nbaselines (steady-state median of host + worker resident set, after warm-up):\n";
  out +=
      fmt::format("  {:<16} {:<12} {:>11} {:>11} {:>11}  {:>13} {:>9}  {}\n", "host version",
                  "content", "baseline", "host", "worker", "steady/all", "instances", "first seen");
  for (const auto& b : report.baselines) {
    out += fmt::format(
        "  {:<16} {:<12} {:>11} {:>11} {:>11}  {:>13} {:>9}  {}{}\n", Short(b.key.host_version, 16),
        Short(b.key.content_hash, 12), b.steady_samples ? FormatMiB(b.median) : "-",
        b.steady_samples ? FormatMiB(b.host_median) : "-",
        b.steady_samples ? FormatMiB(b.worker_median) : "-",
        fmt::format("{}/{}", b.steady_samples, b.samples), b.instances, FormatIso8601(b.first_seen),
        b.ready ? "" : "  (warming up: not compared yet)");
  }
  out += "\nchanges:\n";
  if (report.steps.empty()) out += "  (none: fewer than two versions with enough steady samples)\n";
  for (const auto& s : report.steps) {
    out += fmt::format("  {} {}\n", s.regression ? "REGRESSION:" : "ok:", DescribeStep(s));
    if (s.regression && !s.pin_back.empty()) {
      out += "    pin back: set SQUALL_HOST_VERSION in local.settings.json Values to";
      for (std::size_t k = 0; k < s.pin_back.size(); ++k) {
        out +=
            fmt::format("{} {}{}", k ? "," : "", s.pin_back[k], Installed(s.pin_back[k], extras));
      }
      out += "\n";
    }
  }
  if (extras.samples) {
    out += "\nsamples:\n";
    out += fmt::format("  {:<24} {:<10} {:<16} {:>11} {:>11} {:>11}  {}\n", "time", "instance",
                       "host version", "working set", "host", "worker", "steady");
    for (const auto& s : *extras.samples) {
      out += fmt::format("  {:<24} {:<10} {:<16} {:>11} {:>11} {:>11}  {}\n", FormatIso8601(s.at),
                         Short(s.instance, 10), Short(s.key.host_version, 16),
                         FormatMiB(WorkingSet(s)), FormatMiB(HostWorkingSet(s)),
                         FormatMiB(WorkerWorkingSet(s)), s.steady ? "yes" : "no");
    }
  }
  return out;
}

}  // namespace squall
