// `squall diag memory INSTANCE [--app APP] [--port P] [--process host|worker] [--no-core]`:
// evidence for a memory question about one running instance, written to APP/.squall/diag/: the
// chosen process's /proc/<pid>/smaps (raw) and its breakdown by mapping (largest resident set
// first), and, where gdb's gcore is installed, a core dump of it. The instance's pid comes from
// the running platform (GET /admin/platform/instances, master key).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/app_loading.h"
#include "cli/commands.h"
#include "cli/memory_commands.h"
#include "core/event_loop.h"
#include "core/real_clock.h"
#include "http/http_client_pool.h"
#include "memory/smaps.h"
#include "memory/step_detector.h"
#include "platform/process_memory.h"

extern char** environ;

namespace squall::cli {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

StatusOr<HttpResponse> Get(int port, const std::string& key, const std::string& path) {
  EventLoop loop(1);
  HttpClientPool pool(loop, "127.0.0.1", port, 1, "the platform");
  HttpRequest r;
  r.method = "GET";
  r.target = path;
  r.headers.push_back({"x-functions-key", key});
  std::optional<StatusOr<HttpResponse>> out;
  pool.Send(std::move(r), [&](StatusOr<HttpResponse> result) {
    out.emplace(std::move(result));
    loop.Stop();
  });
  loop.Run(1);
  if (!out) return Unavailable("no answer");
  return std::move(*out);
}

std::optional<fs::path> FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// Runs argv to completion, its output appended to `log`, no file it writes larger than
// max_file_bytes (RLIMIT_FSIZE: the kernel stops it there). The exit status (-1: not started).
int Run(const std::vector<std::string>& argv, const fs::path& log, std::int64_t max_file_bytes) {
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::string log_path = log.string();
  pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {  // only async-signal-safe calls from here
    rlimit limit{static_cast<rlim_t>(max_file_bytes), static_cast<rlim_t>(max_file_bytes)};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in < 0 || out < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execve(cargs[0], cargs.data(), environ);
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Breakdown(const std::string& title, const std::vector<SmapsMapping>& mappings) {
  std::vector<SmapsGroup> groups = GroupSmaps(mappings);
  std::stable_sort(groups.begin(), groups.end(),
                   [](const SmapsGroup& a, const SmapsGroup& b) { return a.rss > b.rss; });
  std::int64_t rss = 0, pss = 0, priv = 0, swap = 0;
  for (const auto& g : groups) {
    rss += g.rss;
    pss += g.pss;
    priv += g.private_bytes;
    swap += g.swap;
  }
  std::string out = title;
  out += fmt::format("total: resident {}, proportional {}, private {}, swapped {}, {} mappings\n\n",
                     FormatMiB(rss), FormatMiB(pss), FormatMiB(priv), FormatMiB(swap),
                     mappings.size());
  out += fmt::format("{:>12} {:>12} {:>12} {:>10} {:>5}  {}\n", "resident", "proportional",
                     "private", "swapped", "maps", "mapping");
  for (const auto& g : groups) {
    out +=
        fmt::format("{:>12} {:>12} {:>12} {:>10} {:>5}  {}\n", FormatMiB(g.rss), FormatMiB(g.pss),
                    FormatMiB(g.private_bytes), FormatMiB(g.swap), g.mappings, g.name);
  }
  return out;
}

}  // namespace

int RunDiagMemory(const DiagCommandOptions& options) {
  auto app = LoadAppOrReport(options.app_dir);
  if (!app) return kExitConfig;
  int port = options.port;
  if (!options.port_given && app->settings.local_http_port) port = *app->settings.local_http_port;
  auto keys = LoadKeysOrReport(*app);
  if (!keys) return kExitConfig;
  auto answer = Get(port, keys->keys().master_key, "/admin/platform/instances");
  if (!answer.ok() || answer->status != 200) {
    fmt::print(stderr,
               "squall: the platform on 127.0.0.1:{} did not list its instances ({}); is "
               "`squall start {} --plan ...` running there?\n",
               port,
               answer.ok() ? "HTTP " + std::to_string(answer->status) : answer.status().message(),
               options.app_dir);
    return kExitFailure;
  }
  boost::system::error_code ec;
  json::value list = json::parse(answer->body, ec);
  int host_pid = 0;
  std::string version;
  std::vector<std::string> ids;
  if (!ec && list.is_array()) {
    for (const auto& v : list.as_array()) {
      if (!v.is_object()) continue;
      const auto& o = v.as_object();
      const json::value* id = o.if_contains("id");
      if (!id || !id->is_string()) continue;
      ids.emplace_back(id->as_string());
      if (id->as_string() != options.instance) continue;
      if (const auto* pid = o.if_contains("pid"); pid && pid->is_number())
        host_pid = pid->to_number<int>();
      if (const auto* hv = o.if_contains("hostVersion"); hv && hv->is_string())
        version = std::string(hv->as_string());
    }
  }
  if (host_pid <= 0) {
    std::string known;
    for (const auto& id : ids) known += (known.empty() ? "" : ", ") + id;
    fmt::print(stderr, "squall: no running instance {} (instances: {})\n", options.instance,
               known.empty() ? "none" : known);
    return kExitFailure;
  }
  // The worker: the host's largest descendant (the custom handler, or what it runs under).
  std::vector<ProcStat> tree = ReadProcessTree(host_pid);
  pid_t pid = host_pid;
  if (options.process == "worker") {
    auto biggest = std::max_element(
        tree.begin() + (tree.empty() ? 0 : 1), tree.end(),
        [](const ProcStat& a, const ProcStat& b) { return a.rss_pages < b.rss_pages; });
    if (tree.size() < 2 || biggest == tree.end()) {
      fmt::print(stderr, "squall: instance {} has no worker process right now\n", options.instance);
      return kExitFailure;
    }
    pid = biggest->pid;
  }

  std::string smaps = ReadText("/proc/" + std::to_string(pid) + "/smaps");
  auto mappings = ParseSmaps(smaps);
  if (smaps.empty() || !mappings.ok()) {
    fmt::print(stderr, "squall: cannot read /proc/{}/smaps{}\n", pid,
               mappings.ok() ? "" : ": " + mappings.status().message());
    return kExitFailure;
  }
  EventLoop loop(1);
  auto clock = MakeRealClock(loop);
  std::string stamp = FormatIso8601(clock->WallNow());
  std::replace(stamp.begin(), stamp.end(), ':', '-');
  fs::path dir = app->root / ".squall" / "diag";
  fs::create_directories(dir, ec);
  std::string base = fmt::format("{}-{}-{}-{}", options.instance, options.process, pid, stamp);
  fs::path raw = dir / (base + ".smaps");
  fs::path report = dir / (base + ".smaps.txt");
  std::string cmdline = ReadText("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  std::string title = fmt::format(
      "squall diag memory: instance {} ({}), {} process {}: {}\nhost version {}, taken {}\n\n",
      options.instance, app->root.string(), options.process, pid, cmdline,
      version.empty() ? "?" : version, FormatIso8601(clock->WallNow()));
  std::string text = Breakdown(title, *mappings);
  std::ofstream(raw, std::ios::binary) << smaps;
  std::ofstream(report) << text;
  fmt::print("{}",
             text.substr(0, std::min(text.size(), text.find('\n', text.find("mapping\n")) + 1)));
  std::size_t shown = 0;
  std::istringstream lines(text.substr(text.find("mapping\n") + 8));
  for (std::string line; shown < 10 && std::getline(lines, line); ++shown) fmt::print("{}\n", line);
  fmt::print("\nwritten: {}\n         {}\n", report.string(), raw.string());

  if (options.no_core) return kExitOk;
  auto gcore = FindInPath("gcore");
  if (!gcore) {
    fmt::print("no core dump: gcore (package gdb) is not installed\n");
    return kExitOk;
  }
  // gcore writes every readable mapping whole, resident or not: a sanitizer build reserves
  // terabytes (measured: it filled the disk). Refused when it would not fit the limit or the
  // disk (keeping 1 GiB free); the size limit is also enforced on gcore itself.
  std::int64_t estimate = CoreDumpEstimate(*mappings);
  std::int64_t limit = std::int64_t{options.core_limit_mb} << 20;
  struct statvfs fsinfo {};
  std::int64_t free_bytes =
      ::statvfs(dir.c_str(), &fsinfo) == 0
          ? static_cast<std::int64_t>(fsinfo.f_bavail) * static_cast<std::int64_t>(fsinfo.f_frsize)
          : 0;
  std::int64_t room = std::min(limit, free_bytes - (std::int64_t{1} << 30));
  if (estimate > room) {
    fmt::print(
        "no core dump: it would hold about {} (every readable mapping), more than {} ({}); "
        "--core-limit MB raises the limit\n",
        FormatMiB(estimate), FormatMiB(std::max<std::int64_t>(room, 0)),
        room < limit ? "the free disk space less 1 GiB" : "--core-limit");
    return kExitOk;
  }
  fs::path core_base = dir / (base + ".core");
  fs::path log = dir / (base + ".gcore.log");
  fmt::print("core dump: {} -o {} {} (the process is paused meanwhile)...\n", gcore->string(),
             core_base.string(), pid);
  std::fflush(stdout);
  int rc = Run({gcore->string(), "-o", core_base.string(), std::to_string(pid)}, log, room);
  fs::path core = core_base.string() + "." + std::to_string(pid);  // gcore appends the pid
  // gcore exits 0 even when it could not write everything: its messages say so.
  std::string said = ReadText(log);
  bool cut = said.find("File too large") != std::string::npos ||
             said.find("No space left") != std::string::npos;
  if (rc != 0 || cut || !fs::exists(core, ec)) {
    fs::remove(core, ec);  // a partial one (stopped at the size limit) is of no use
    fmt::print(stderr, "squall: gcore failed (exit {}); see {}\n", rc, log.string());
    return kExitFailure;
  }
  fmt::print("written: {} ({})\n", core.string(),
             FormatMiB(static_cast<std::int64_t>(fs::file_size(core, ec))));
  return kExitOk;
}

}  // namespace squall::cli
