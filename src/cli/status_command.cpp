// `squall status`: what a running platform is doing (plan, instances, recent scale decisions,
// requests, cold starts), from its admin API and /metrics.
#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <map>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "core/event_loop.h"
#include "host/key_store.h"
#include "http/http_client_pool.h"

namespace squall::cli {

namespace json = boost::json;

namespace {

// GETs every path from 127.0.0.1:port; runs the loop until all have answered.
std::map<std::string, StatusOr<HttpResponse>> FetchAll(int port, const std::string& key,
                                                       const std::vector<std::string>& paths) {
  EventLoop loop(1);
  HttpClientPool pool(loop, "127.0.0.1", port, 8, "the platform");
  std::map<std::string, StatusOr<HttpResponse>> out;
  std::size_t pending = paths.size();
  for (const auto& path : paths) {
    HttpRequest r;
    r.method = "GET";
    r.target = path;
    r.headers.push_back({"x-functions-key", key});
    pool.Send(std::move(r), [&, path](StatusOr<HttpResponse> result) {
      out.emplace(path, std::move(result));
      if (--pending == 0) loop.Stop();
    });
  }
  loop.Run(1);
  return out;
}

// Sums the samples of one metric in a Prometheus text body, by the value of one label ("" for
// none or a metric without it).
std::map<std::string, double> MetricByLabel(const std::string& text, const std::string& name,
                                            const std::string& label = "") {
  std::map<std::string, double> out;
  std::size_t pos = 0;
  while ((pos = text.find(name, pos)) != std::string::npos) {
    bool line_start = pos == 0 || text[pos - 1] == '\n';
    std::size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    pos += name.size();
    if (!line_start || line.size() <= name.size()) continue;
    char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    std::string value;
    if (!label.empty()) {
      auto at = line.find(label + "=\"");
      if (at != std::string::npos) {
        auto start = at + label.size() + 2;
        value = line.substr(start, line.find('"', start) - start);
      }
    }
    out[value] += std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr);
  }
  return out;
}

}  // namespace

int RunStatus(const std::string& app_dir, int port, bool port_given, bool as_json) {
  auto app = LoadAppOrReport(app_dir);
  if (!app) return kExitConfig;
  if (!port_given && app->settings.local_http_port) port = *app->settings.local_http_port;
  auto keys = LoadKeysOrReport(*app);
  if (!keys) return kExitConfig;
  auto results = FetchAll(port, keys->keys().master_key,
                          {"/admin/host/status", "/admin/platform/instances",
                           "/admin/platform/scale", "/metrics"});
  for (const auto& [path, r] : results) {
    if (!r.ok()) {
      fmt::print(stderr, "squall: nothing answers on 127.0.0.1:{} ({}); is `squall start {} "
                         "--plan ...` running there?\n", port, r.status().message(), app_dir);
      return kExitFailure;
    }
    if (r->status != 200) {
      fmt::print(stderr, "squall: GET {} answered {}: {}\n", path, r->status, r->body);
      return kExitFailure;
    }
  }
  boost::system::error_code ec;
  json::value status = json::parse(results.at("/admin/host/status")->body, ec);
  json::value instances = json::parse(results.at("/admin/platform/instances")->body, ec);
  json::value scale = json::parse(results.at("/admin/platform/scale")->body, ec);
  if (ec || !status.is_object() || !status.as_object().contains("plan")) {
    fmt::print(stderr, "squall: 127.0.0.1:{} is a single host, not the platform (start it with "
                       "--plan)\n", port);
    return kExitFailure;
  }
  const std::string& metrics = results.at("/metrics")->body;
  auto requests = MetricByLabel(metrics, "squall_http_requests_total", "code");
  auto cold_count = MetricByLabel(metrics, "squall_cold_start_wait_seconds_count");
  auto cold_sum = MetricByLabel(metrics, "squall_cold_start_wait_seconds_sum");

  if (as_json) {
    json::object o;
    o["status"] = status;
    o["instances"] = instances;
    o["scale"] = scale;
    json::object req;
    for (const auto& [code, n] : requests) req[code] = n;
    o["requests"] = std::move(req);
    json::object cold;
    cold["count"] = cold_count[""];
    cold["meanSeconds"] = cold_count[""] > 0 ? cold_sum[""] / cold_count[""] : 0.0;
    o["coldStarts"] = std::move(cold);
    fmt::print("{}\n", json::serialize(o));
    return kExitOk;
  }
  const auto& s = status.as_object();
  fmt::print("app {} on 127.0.0.1:{}: plan {}, up {:.0f}s, activation buffer {}\n",
             std::string(s.at("id").as_string()), port, std::string(s.at("plan").as_string()),
             s.at("processUptime").to_number<double>() / 1000.0,
             json::serialize(s.at("activationBuffer")));
  fmt::print("\ninstances:\n");
  if (instances.as_array().empty()) fmt::print("  (none)\n");
  for (const auto& v : instances.as_array()) {
    const auto& i = v.as_object();
    fmt::print("  {:<8} {:<10} {:<12} pid {:<7} in flight {:<4} memory {:.1f} MiB, cpu {:.0f}%\n",
               std::string(i.at("id").as_string()), std::string(i.at("state").as_string()),
               std::string(i.at("group").as_string()), i.at("pid").to_number<long>(),
               i.at("inflight").to_number<long>(),
               i.at("memoryBytes").to_number<double>() / 1048576.0,
               i.at("cpuPercent").to_number<double>());
  }
  fmt::print("\nrequests:");
  if (requests.empty()) fmt::print(" none");
  for (const auto& [code, n] : requests) fmt::print(" {} × {:.0f}", code, n);
  fmt::print("\ncold starts: {:.0f}", cold_count[""]);
  if (cold_count[""] > 0) fmt::print(", mean wait {:.0f} ms", 1000 * cold_sum[""] / cold_count[""]);
  fmt::print("\n\nrecent scale decisions:\n");
  const auto& decisions = scale.as_array();
  std::size_t from = decisions.size() > 5 ? decisions.size() - 5 : 0;
  if (decisions.empty()) fmt::print("  (none)\n");
  for (std::size_t k = from; k < decisions.size(); ++k) {
    const auto& d = decisions[k].as_object();
    fmt::print("  {} {}: {} → {}: {}\n", std::string(d.at("time").as_string()),
               std::string(d.at("group").as_string()), d.at("from").to_number<long>(),
               d.at("to").to_number<long>(), std::string(d.at("reason").as_string()));
  }
  return kExitOk;
}

}  // namespace squall::cli
