#include "versions/host_versions.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/file_text.h"
#include "versions/version_order.h"

extern char** environ;

namespace squall {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

bool SameBytes(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  char bx[65536], by[65536];
  while (x && y) {
    x.read(bx, sizeof(bx));
    y.read(by, sizeof(by));
    if (x.gcount() != y.gcount() || std::memcmp(bx, by, static_cast<std::size_t>(x.gcount())) != 0)
      return false;
  }
  return x.eof() && y.eof();
}

std::optional<HostVersion> ReadInstalled(const fs::path& dir) {
  HostVersion v;
  v.executable = dir / "squall";
  std::error_code ec;
  if (!fs::is_regular_file(v.executable, ec)) return std::nullopt;
  v.name = dir.filename().string();
  if (auto text = ReadFileText(dir / "version.json")) {
    boost::system::error_code jec;
    json::value j = json::parse(*text, jec);
    if (!jec && j.is_object()) {
      auto str = [&](const char* key) -> std::string {
        const json::value* f = j.as_object().if_contains(key);
        return f && f->is_string() ? std::string(f->as_string()) : "";
      };
      v.reported = str("reported");
      v.installed_at = str("installedAt");
      v.source = str("source");
    }
  }
  return v;
}

}  // namespace

StatusOr<fs::path> HostVersionsRoot() {
  if (const char* home = std::getenv("SQUALL_HOME"); home && *home)
    return fs::path(home) / "versions";
  if (const char* home = std::getenv("HOME"); home && *home) {
    return fs::path(home) / ".squall" / "versions";
  }
  return FailedPrecondition("neither SQUALL_HOME nor HOME is set: nowhere to install host builds");
}

std::string ParseVersionOutput(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  constexpr std::string_view kPrefix = "squall ";
  if (line.substr(0, kPrefix.size()) != kPrefix) return "";
  std::string_view v = line.substr(kPrefix.size());
  if (!VersionNameProblem(v).empty()) return "";
  return std::string(v);
}

StatusOr<std::string> RunVersionFlag(const fs::path& binary) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string path = binary.string();
  std::string flag = "--version";
  char* argv[] = {path.data(), flag.data(), nullptr};
  pid_t pid = 0;
  int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return FailedPrecondition(path + ": cannot run it: " + std::strerror(rc));
  }
  std::string text;
  bool timed_out = false;
  while (text.size() < 4096) {
    pollfd p{out[0], POLLIN, 0};
    int ready = ::poll(&p, 1, 10000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buf[1024];
    ssize_t n = ::read(out[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return DeadlineExceeded(path + " --version: no answer within 10 s");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return FailedPrecondition(path + " --version failed (is it a squall binary?)");
  }
  return text;
}

HostVersions::HostVersions(fs::path root, HostVersion running)
    : root_(std::move(root)), running_(std::move(running)) {
  running_.builtin = true;
}

StatusOr<HostVersion> HostVersions::Install(const fs::path& binary, const std::string& as_name,
                                            WallTime now) {
  std::error_code ec;
  fs::path source = fs::absolute(binary, ec);
  if (ec || !fs::is_regular_file(source, ec)) {
    return InvalidArgument(binary.string() + ": not a file");
  }
  auto output = RunVersionFlag(source);
  if (!output.ok()) return output.status();
  std::string reported = ParseVersionOutput(*output);
  if (reported.empty()) {
    return FailedPrecondition(source.string() +
                              " --version did not answer \"squall <version>\" "
                              "(it printed \"" +
                              output->substr(0, 60) + "\"): not a squall build");
  }
  std::string name = as_name.empty() ? reported : as_name;
  if (std::string problem = VersionNameProblem(name); !problem.empty()) {
    return InvalidArgument("version name \"" + name + "\": " + problem);
  }
  fs::path dir = root_ / name;
  if (fs::exists(dir / "squall", ec)) {
    if (SameBytes(source, dir / "squall")) {
      if (auto v = ReadInstalled(dir)) return *v;
    }
    return Status(StatusCode::kAlreadyExists,
                  "version " + name + " is already installed from another build (" + dir.string() +
                      "); install this one under another name (--as NAME)");
  }
  fs::create_directories(root_, ec);
  if (ec) return Unavailable("cannot create " + root_.string() + ": " + ec.message());
  // Built aside and renamed into place: a half-copied build is never listed.
  fs::path tmp = root_ / ("." + name + ".installing." + std::to_string(::getpid()));
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Unavailable("cannot create " + tmp.string() + ": " + ec.message());
  auto fail = [&](const std::string& what) -> Status {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    return Unavailable(what);
  };
  fs::copy_file(source, tmp / "squall", ec);
  if (ec) return fail("cannot copy " + source.string() + ": " + ec.message());
  fs::permissions(tmp / "squall", fs::perms(0755), ec);
  HostVersion v;
  v.name = name;
  v.reported = reported;
  v.installed_at = FormatIso8601(now);
  v.source = source.string();
  json::object meta;
  meta["name"] = v.name;
  meta["reported"] = v.reported;
  meta["installedAt"] = v.installed_at;
  meta["source"] = v.source;
  {
    std::ofstream f(tmp / "version.json");
    f << json::serialize(meta) << "\n";
    if (!f) return fail("cannot write " + (tmp / "version.json").string());
  }
  fs::rename(tmp, dir, ec);
  if (ec) return fail("cannot move " + tmp.string() + " to " + dir.string() + ": " + ec.message());
  v.executable = dir / "squall";
  return v;
}

std::vector<HostVersion> HostVersions::List() const {
  std::vector<HostVersion> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    std::string name = entry.path().filename().string();
    if (!VersionNameProblem(name).empty() || !entry.is_directory(ec)) continue;  // .installing
    if (auto v = ReadInstalled(entry.path())) out.push_back(std::move(*v));
  }
  bool shadowed = std::any_of(out.begin(), out.end(),
                              [&](const HostVersion& v) { return v.name == running_.name; });
  if (!shadowed) out.push_back(running_);
  std::sort(out.begin(), out.end(), [](const HostVersion& a, const HostVersion& b) {
    return CompareVersions(a.name, b.name) > 0;
  });
  return out;
}

StatusOr<HostVersion> HostVersions::Resolve(const std::string& pin) const {
  std::vector<HostVersion> all = List();
  if (pin.empty()) return all.front();  // never empty: the running build is always there
  for (const auto& v : all)
    if (v.name == pin) return v;
  std::string names;
  for (const auto& v : all) names += (names.empty() ? "" : ", ") + v.name;
  return NotFound("host version " + pin + " is not installed (installed: " + names +
                  "; squall versions install PATH --as " + pin + ")");
}

}  // namespace squall
