#include "platform/cgroup.h"

#include "core/file_text.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

namespace squall {

namespace fs = std::filesystem;

// ---- pure helpers -------------------------------------------------------------------------

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto line : Split(text, '\n'))
    if (!line.empty()) out.push_back(line);
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string UnescapeOctal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    s.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool Has(const std::vector<std::string>& items, std::string_view item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// The directory of cgroup `own` under a mount of (part of) its hierarchy.
fs::path DirUnder(const CgroupMount& m, const std::string& own) {
  std::string rel;
  if (m.root == "/") {
    rel = own;
  } else if (own == m.root || (own.size() > m.root.size() && own.compare(0, m.root.size(), m.root) == 0 &&
                               own[m.root.size()] == '/')) {
    rel = own.substr(m.root.size());
  }  // else: outside what is mounted (another namespace's view): the mount's top
  while (!rel.empty() && rel.front() == '/') rel.erase(rel.begin());
  return rel.empty() ? m.mount_point : m.mount_point / rel;
}

}  // namespace

std::int64_t CpuQuotaUs(double cores, std::int64_t period_us) {
  if (!(cores > 0)) return -1;
  auto quota = static_cast<std::int64_t>(std::llround(cores * static_cast<double>(period_us)));
  return std::max<std::int64_t>(quota, 1000);
}

std::string MemoryMaxText(std::int64_t bytes) {
  return bytes > 0 ? std::to_string(bytes) : "max";
}

std::string CpuMaxText(double cores, std::int64_t period_us) {
  std::int64_t quota = CpuQuotaUs(cores, period_us);
  return (quota < 0 ? std::string("max") : std::to_string(quota)) + " " + std::to_string(period_us);
}

std::string MemoryLimitInBytesText(std::int64_t bytes) {
  return bytes > 0 ? std::to_string(bytes) : "-1";
}

std::string CfsQuotaText(double cores, std::int64_t period_us) {
  return std::to_string(CpuQuotaUs(cores, period_us));
}

ProcCgroup ParseProcCgroup(std::string_view text) {
  ProcCgroup out;
  for (auto line : Lines(text)) {
    // hierarchy-id:controllers:path (the path may itself hold ':').
    auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    auto id = line.substr(0, first);
    auto controllers = line.substr(first + 1, second - first - 1);
    std::string path(Trim(line.substr(second + 1)));
    if (id == "0" && controllers.empty()) {
      out.unified = path;
      continue;
    }
    for (auto c : Split(controllers, ','))
      if (!c.empty()) out.v1[std::string(c)] = path;
  }
  return out;
}

std::vector<CgroupMount> ParseCgroupMounts(std::string_view mountinfo) {
  std::vector<CgroupMount> out;
  for (auto line : Lines(mountinfo)) {
    std::vector<std::string_view> f;
    for (auto field : Split(line, ' '))
      if (!field.empty()) f.push_back(field);
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    if (f.size() < 6 || dash == f.end() || f.end() - dash < 4) continue;
    std::string_view fstype = *(dash + 1);
    if (fstype != "cgroup" && fstype != "cgroup2") continue;
    CgroupMount m;
    m.v2 = fstype == "cgroup2";
    m.root = UnescapeOctal(f[3]);
    m.mount_point = UnescapeOctal(f[4]);
    for (auto o : Split(*(dash + 3), ',')) m.options.emplace_back(o);
    out.push_back(std::move(m));
  }
  return out;
}

CgroupLayout ResolveCgroupLayout(const std::vector<CgroupMount>& mounts, const ProcCgroup& self) {
  CgroupLayout layout;
  auto v1_dir = [&](const std::string& controller) -> fs::path {
    for (const auto& m : mounts) {
      if (m.v2 || !Has(m.options, controller)) continue;
      auto it = self.v1.find(controller);
      return DirUnder(m, it == self.v1.end() ? std::string("/") : it->second);
    }
    return {};
  };
  layout.memory_dir = v1_dir("memory");
  if (!layout.memory_dir.empty()) {
    layout.version = 1;
    layout.cpu_dir = v1_dir("cpu");
    layout.cpuacct_dir = v1_dir("cpuacct");
    return layout;
  }
  layout.memory_dir.clear();
  for (const auto& m : mounts) {
    if (!m.v2) continue;
    layout.version = 2;
    layout.v2_dir = DirUnder(m, self.unified.value_or("/"));
    return layout;
  }
  layout.problem = mounts.empty() ? "no cgroup file system is mounted"
                                  : "no memory controller on a cgroup v1 hierarchy and no cgroup2 "
                                    "mount";
  return layout;
}

std::optional<std::int64_t> ParseFlatKeyed(std::string_view text, std::string_view key) {
  for (auto line : Lines(text)) {
    auto space = line.find(' ');
    if (space == std::string_view::npos || line.substr(0, space) != key) continue;
    return ParseSingleInt(line.substr(space + 1));
  }
  return std::nullopt;
}

std::optional<std::int64_t> ParseSingleInt(std::string_view text) {
  text = Trim(text);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::vector<pid_t> ParsePids(std::string_view text) {
  std::vector<pid_t> out;
  for (auto line : Lines(text))
    if (auto v = ParseSingleInt(line); v && *v > 0) out.push_back(static_cast<pid_t>(*v));
  return out;
}

// ---- the file system ----------------------------------------------------------------------

namespace {

std::string ErrnoText(int err) { return std::strerror(err); }


// cgroup files take one write() each; errno says what the kernel refused.
Status WriteFile(const fs::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Unavailable("open " + path.string() + ": " + ErrnoText(errno));
  ssize_t n;
  do {
    n = ::write(fd, text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  ::close(fd);
  if (n < 0) {
    return {err == EBUSY ? StatusCode::kFailedPrecondition : StatusCode::kUnavailable,
            "write '" + text + "' to " + path.string() + ": " + ErrnoText(err)};
  }
  return Status::Ok();
}

// 0 when made or already there, else errno.
int MakeDir(const fs::path& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return 0;
  return errno;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  for (auto w : Split(Trim(text), ' '))
    if (!w.empty()) out.emplace_back(w);
  return out;
}

// Removes the groups of platforms that died without cleaning up: "squall-<pid>" with no such
// process. rmdir only succeeds on an empty cgroup, so a live group is never harmed.
void RemoveStaleGroups(const fs::path& parent) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("squall-", 0) != 0) continue;
    std::string digits = name.substr(7);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (digits == std::to_string(::getpid()) || fs::exists("/proc/" + digits, ec)) continue;
    std::error_code ec2;
    for (const auto& child : fs::directory_iterator(entry.path(), ec2))
      if (child.is_directory(ec2)) ::rmdir(child.path().c_str());
    ::rmdir(entry.path().c_str());
  }
}

constexpr const char* kNoLimits = "instances run without memory/CPU limits";

}  // namespace

Status InstanceCgroup::AddProcess(pid_t pid) const {
  for (const auto& dir : dirs_) {
    Status s = WriteFile(dir / "cgroup.procs", std::to_string(pid));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status InstanceCgroup::AddCallingThread() const {
  if (version_ != 1) {
    return FailedPrecondition("a thread can join a group on its own only on cgroup v1");
  }
  std::string tid = std::to_string(static_cast<pid_t>(::syscall(SYS_gettid)));
  for (const auto& dir : dirs_) {
    Status s = WriteFile(dir / "tasks", tid);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status InstanceCgroup::SetLimits(const ResourceLimits& limits) {
  std::vector<std::pair<fs::path, std::string>> writes;
  if (version_ == 2) {
    if (memory_) writes.emplace_back(memory_dir_ / "memory.max", MemoryMaxText(limits.memory_bytes));
    if (cpu_) writes.emplace_back(cpu_dir_ / "cpu.max", CpuMaxText(limits.cpu_cores));
  } else {
    if (memory_)
      writes.emplace_back(memory_dir_ / "memory.limit_in_bytes",
                          MemoryLimitInBytesText(limits.memory_bytes));
    if (cpu_) {
      writes.emplace_back(cpu_dir_ / "cpu.cfs_period_us", std::to_string(kCpuPeriodUs));
      writes.emplace_back(cpu_dir_ / "cpu.cfs_quota_us", CfsQuotaText(limits.cpu_cores));
    }
  }
  for (const auto& [path, text] : writes) {
    if (Status s = WriteFile(path, text); !s.ok()) return s;
  }
  limits_ = limits;
  return Status::Ok();
}

Status InstanceCgroup::Rename(const std::string& name) {
  std::vector<std::pair<fs::path, fs::path>> done;  // from, to
  for (const auto& dir : dirs_) {
    fs::path to = dir.parent_path() / name;
    if (::rename(dir.c_str(), to.c_str()) != 0) {
      int err = errno;
      for (auto it = done.rbegin(); it != done.rend(); ++it) ::rename(it->second.c_str(), it->first.c_str());
      return Unavailable("rename " + dir.string() + " to " + to.string() + ": " + ErrnoText(err));
    }
    done.emplace_back(dir, to);
  }
  auto renamed = [&](fs::path& p) {
    if (!p.empty()) p = p.parent_path() / name;
  };
  for (auto& dir : dirs_) renamed(dir);
  renamed(memory_dir_);
  renamed(cpu_dir_);
  renamed(cpuacct_dir_);
  return Status::Ok();
}

std::vector<pid_t> InstanceCgroup::Processes() const {
  std::set<pid_t> all;
  for (const auto& dir : dirs_) {
    if (auto text = ReadFileText(dir / "cgroup.procs"))
      for (pid_t p : ParsePids(*text)) all.insert(p);
  }
  all.erase(::getpid());
  return {all.begin(), all.end()};
}

std::optional<std::int64_t> InstanceCgroup::MemoryBytes() const {
  if (memory_dir_.empty()) return std::nullopt;
  auto text = ReadFileText(memory_dir_ / (version_ == 2 ? "memory.current" : "memory.usage_in_bytes"));
  return text ? ParseSingleInt(*text) : std::nullopt;
}

std::optional<double> InstanceCgroup::CpuSeconds() const {
  if (version_ == 2) {
    if (dirs_.empty()) return std::nullopt;
    auto text = ReadFileText(dirs_.front() / "cpu.stat");  // in every v2 group, cpu controller or not
    auto usec = text ? ParseFlatKeyed(*text, "usage_usec") : std::nullopt;
    if (usec) return static_cast<double>(*usec) / 1e6;
    return std::nullopt;
  }
  if (cpuacct_dir_.empty()) return std::nullopt;
  auto text = ReadFileText(cpuacct_dir_ / "cpuacct.usage");
  auto ns = text ? ParseSingleInt(*text) : std::nullopt;
  if (ns) return static_cast<double>(*ns) / 1e9;
  return std::nullopt;
}

std::int64_t InstanceCgroup::OomKills() const {
  if (memory_dir_.empty()) return 0;
  auto text = ReadFileText(memory_dir_ / (version_ == 2 ? "memory.events" : "memory.oom_control"));
  return text ? ParseFlatKeyed(*text, "oom_kill").value_or(0) : 0;
}

void InstanceCgroup::KillAll() const {
  // cgroup.kill (v2, Linux 5.14+) kills atomically, processes forked meanwhile included.
  if (version_ == 2 && WriteFile(dirs_.front() / "cgroup.kill", "1").ok()) return;
  for (pid_t pid : Processes()) ::kill(pid, SIGKILL);
}

bool InstanceCgroup::Remove() const {
  bool all_gone = true;
  for (const auto& dir : dirs_) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) all_gone = false;
  }
  return all_gone;
}

std::unique_ptr<PlatformCgroups> PlatformCgroups::Open(const std::string& name) {
  std::unique_ptr<PlatformCgroups> cg(new PlatformCgroups());
  auto mountinfo = ReadFileText("/proc/self/mountinfo");
  auto self = ReadFileText("/proc/self/cgroup");
  if (!mountinfo || !self) {
    cg->status_ = Unavailable(std::string("cgroups unavailable (cannot read /proc/self/") +
                              (mountinfo ? "cgroup" : "mountinfo") + "): " + kNoLimits);
    return cg;
  }
  CgroupLayout layout = ResolveCgroupLayout(ParseCgroupMounts(*mountinfo), ParseProcCgroup(*self));
  if (layout.version == 1) cg->OpenV1(layout, name);
  if (layout.version == 2) cg->OpenV2(layout, name);
  if (layout.version == 0)
    cg->status_ = Unavailable("cgroups unavailable (" + layout.problem + "): " + kNoLimits);
  return cg;
}

void PlatformCgroups::OpenV1(const CgroupLayout& layout, const std::string& name) {
  std::vector<std::string> problems;
  auto prepare = [&](const fs::path& own, const char* controller) -> fs::path {
    if (own.empty()) {
      problems.push_back(std::string("no ") + controller + " hierarchy mounted");
      return {};
    }
    RemoveStaleGroups(own);
    fs::path base = own / name;
    if (std::find(created_.begin(), created_.end(), base) != created_.end()) return base;
    if (int err = MakeDir(base)) {
      problems.push_back(std::string(controller) + ": mkdir " + base.string() + ": " +
                         ErrnoText(err));
      return {};
    }
    created_.push_back(base);
    return base;
  };
  version_ = 1;
  memory_base_ = prepare(layout.memory_dir, "memory");
  cpu_base_ = prepare(layout.cpu_dir, "cpu");
  // cpuacct measures CPU time; without it Usage() falls back to /proc. Not a limit.
  if (!layout.cpuacct_dir.empty()) {
    std::vector<std::string> ignored;
    std::swap(ignored, problems);
    cpuacct_base_ = prepare(layout.cpuacct_dir, "cpuacct");
    std::swap(ignored, problems);
  }
  memory_ = !memory_base_.empty();
  cpu_ = !cpu_base_.empty();
  std::string why;
  for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
  if (!memory_ && !cpu_) {
    status_ = Unavailable("cgroups unavailable (cgroup v1: " + why + "): " + kNoLimits);
  } else if (!memory_) {
    status_ = FailedPrecondition("cgroup v1 without memory limits (" + why +
                                 "): instances run without a memory limit");
  } else if (!cpu_) {
    status_ = FailedPrecondition("cgroup v1 without CPU limits (" + why +
                                 "): instances run without a CPU limit");
  }
}

void PlatformCgroups::OpenV2(const CgroupLayout& layout, const std::string& name) {
  version_ = 2;
  const fs::path own = layout.v2_dir;
  auto fail = [&](const std::string& why) {
    status_ = Unavailable("cgroups unavailable (cgroup v2: " + why + "): " + kNoLimits);
  };
  auto controllers_text = ReadFileText(own / "cgroup.controllers");
  if (!controllers_text) return fail("cannot read " + (own / "cgroup.controllers").string());
  std::vector<std::string> available = Words(*controllers_text);
  std::vector<std::string> want;
  std::vector<std::string> problems;
  for (const char* c : {"memory", "cpu"}) {
    if (Has(available, c)) {
      want.emplace_back(c);
    } else {
      problems.push_back(std::string("no ") + c + " controller in " + own.string() +
                         " (cgroup.controllers: '" + std::string(Trim(*controllers_text)) + "')");
    }
  }
  if (want.empty()) return fail(problems.front() + "; no cpu controller either");
  RemoveStaleGroups(own);

  // Child groups get a controller only if their parent enables it in cgroup.subtree_control, and
  // a non-root cgroup that does may hold no process itself ("no internal processes"). When this
  // process is the only one in its cgroup, it moves into a leaf of its own (<name>/_platform)
  // first; when others are there too, squall cannot rearrange them and runs without limits.
  auto enable = [&](const fs::path& dir) -> Status {
    auto current = ReadFileText(dir / "cgroup.subtree_control");
    std::vector<std::string> enabled = current ? Words(*current) : std::vector<std::string>{};
    for (const auto& c : want) {
      if (Has(enabled, c)) continue;
      Status s = WriteFile(dir / "cgroup.subtree_control", "+" + c);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  };
  fs::path base = own / name;
  Status s = enable(own);
  if (s.code() == StatusCode::kFailedPrecondition) {  // EBUSY: own holds processes
    auto procs = ReadFileText(own / "cgroup.procs");
    std::vector<pid_t> pids = procs ? ParsePids(*procs) : std::vector<pid_t>{};
    if (pids.size() != 1 || pids.front() != ::getpid()) {
      return fail("cannot enable " + std::string(want.size() == 2 ? "memory and cpu" : want[0]) +
                  " for child groups of " + own.string() + ": it holds " +
                  std::to_string(pids.size()) + " processes besides squall's own groups; " +
                  "run squall in a cgroup of its own (e.g. systemd-run --scope -p Delegate=yes)");
    }
    fs::path leaf = base / "_platform";
    if (int err = MakeDir(base); err != 0) return fail("mkdir " + base.string() + ": " + ErrnoText(err));
    created_.push_back(base);
    if (int err = MakeDir(leaf); err != 0) return fail("mkdir " + leaf.string() + ": " + ErrnoText(err));
    created_.push_back(leaf);
    if (Status moved = WriteFile(leaf / "cgroup.procs", std::to_string(::getpid())); !moved.ok())
      return fail(moved.message());
    s = enable(own);
  }
  if (!s.ok()) return fail(s.message());
  if (std::find(created_.begin(), created_.end(), base) == created_.end()) {
    if (int err = MakeDir(base); err != 0) return fail("mkdir " + base.string() + ": " + ErrnoText(err));
    created_.push_back(base);
  }
  if (Status sub = enable(base); !sub.ok()) return fail(sub.message());
  memory_base_ = cpu_base_ = cpuacct_base_ = base;
  memory_ = Has(want, "memory");
  cpu_ = Has(want, "cpu");
  if (!problems.empty()) {
    status_ = FailedPrecondition("cgroup v2 without " + std::string(memory_ ? "CPU" : "memory") +
                                 " limits (" + problems.front() + "): instances run without a " +
                                 (memory_ ? "CPU" : "memory") + " limit");
  }
}

Status PlatformCgroups::ReturnCallingThread() const {
  if (version_ != 1) return FailedPrecondition("threads join groups on their own only on cgroup v1");
  std::string tid = std::to_string(static_cast<pid_t>(::syscall(SYS_gettid)));
  std::vector<fs::path> homes;
  for (const fs::path* base : {&memory_base_, &cpu_base_, &cpuacct_base_}) {
    if (base->empty()) continue;
    fs::path home = base->parent_path();
    if (std::find(homes.begin(), homes.end(), home) == homes.end()) homes.push_back(home);
  }
  for (const auto& home : homes) {
    if (Status s = WriteFile(home / "tasks", tid); !s.ok()) return s;
  }
  return Status::Ok();
}

PlatformCgroups::~PlatformCgroups() {
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) ::rmdir(it->c_str());
}

std::string PlatformCgroups::Describe() const {
  if (!memory_ && !cpu_) return "no cgroups";
  if (version_ == 2) {
    return "cgroup v2: " + memory_base_.string() + " (" +
           (memory_ && cpu_ ? "memory, cpu" : memory_ ? "memory" : "cpu") + ")";
  }
  std::string out = "cgroup v1:";
  if (memory_) out += " " + memory_base_.string() + " (memory)";
  if (cpu_) out += std::string(memory_ ? "," : "") + " " + cpu_base_.string() + " (cpu)";
  if (!cpuacct_base_.empty() && cpuacct_base_ != cpu_base_)
    out += ", " + cpuacct_base_.string() + " (cpuacct)";
  return out;
}

StatusOr<InstanceCgroup> PlatformCgroups::Create(const std::string& id,
                                                 const ResourceLimits& limits) const {
  if (!memory_ && !cpu_) return FailedPrecondition("no cgroup controllers available");
  InstanceCgroup cg;
  cg.version_ = version_;
  cg.limits_ = limits;
  auto add_dir = [&](const fs::path& base) -> StatusOr<fs::path> {
    if (base.empty()) return fs::path();
    fs::path dir = base / id;
    if (std::find(cg.dirs_.begin(), cg.dirs_.end(), dir) != cg.dirs_.end()) return dir;
    if (int err = MakeDir(dir)) return Unavailable("mkdir " + dir.string() + ": " + ErrnoText(err));
    cg.dirs_.push_back(dir);
    return dir;
  };
  auto undo = [&](Status s) -> StatusOr<InstanceCgroup> {
    cg.Remove();
    return s;
  };
  std::vector<std::pair<fs::path*, const fs::path*>> wanted = {
      {&cg.memory_dir_, memory_ ? &memory_base_ : nullptr},
      {&cg.cpu_dir_, cpu_ ? &cpu_base_ : nullptr},
      {&cg.cpuacct_dir_, &cpuacct_base_}};
  for (auto& [out, base] : wanted) {
    if (!base) continue;
    auto dir = add_dir(*base);
    if (!dir.ok()) return undo(dir.status());
    *out = *dir;
  }
  // Limits are (re)written even when "none", so a reused directory never keeps an old one.
  cg.memory_ = memory_;
  cg.cpu_ = cpu_;
  if (Status s = cg.SetLimits(limits); !s.ok()) return undo(s);
  return cg;
}

}  // namespace squall
