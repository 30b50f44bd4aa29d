#include "azurite.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/base64.h"
#include "storage/azure_text.h"

#ifndef SQUALL_REPO
#error "SQUALL_REPO (the repository root) must be defined by tests/storage/CMakeLists.txt"
#endif

namespace squall {
namespace {

constexpr int kReadTimeoutMs = 30'000;  // one wait for Azurite's next line
constexpr int kMaxReads = 200;          // and how many such waits at most

std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!rest.empty()) {
    std::size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// "... successfully listening at http://127.0.0.1:44419" -> 44419 for the named service.
int ListeningPort(const std::string& output, std::string_view service) {
  std::string marker = "Azurite " + std::string(service) + " service is successfully listening at ";
  std::size_t at = output.find(marker);
  if (at == std::string::npos) return 0;
  std::size_t end = output.find('\n', at);
  if (end == std::string::npos) return 0;  // the line is not complete yet
  std::string_view url(output.data() + at + marker.size(), end - at - marker.size());
  std::size_t colon = url.rfind(':');
  if (colon == std::string_view::npos) return 0;
  return std::atoi(std::string(url.substr(colon + 1)).c_str());
}

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

StatusOr<std::unique_ptr<Azurite>> Azurite::Start() {
  const std::string repo = SQUALL_REPO;
  const std::string script = repo + "/tools/node_modules/azurite/dist/src/azurite.js";
  if (::access(script.c_str(), R_OK) != 0) {
    return FailedPrecondition("Azurite is not installed (" + script +
                              " is missing): run scripts/install-deps.sh, which installs the "
                              "test tools into tools/node_modules");
  }
  auto node = FindOnPath("node");
  if (!node) return FailedPrecondition("node is not on PATH: run scripts/install-deps.sh");

  std::unique_ptr<Azurite> azurite(new Azurite());

  std::vector<std::string> args = {*node,
                                   script,
                                   "--blobHost", "127.0.0.1", "--blobPort", "0",
                                   "--queueHost", "127.0.0.1", "--queuePort", "0",
                                   "--tableHost", "127.0.0.1", "--tablePort", "0",
                                   "--inMemoryPersistence",
                                   "--disableTelemetry",
                                   "--skipApiVersionCheck",
                                   "--silent",
                                   "--loose"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Internal(std::string("pipe: ") + std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Internal(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. Its own group, so one kill takes it all; and
    // killed when this test process dies, however it dies.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so a kill right after fork already reaches the group
  ::close(fds[1]);
  azurite->pid_ = pid;
  azurite->out_fd_ = fds[0];

  // Read what it prints until both services say they listen (or it exits, or goes quiet).
  std::string out;
  for (int i = 0; i < kMaxReads; ++i) {
    azurite->blob_port_ = ListeningPort(out, "Blob");
    azurite->queue_port_ = ListeningPort(out, "Queue");
    if (azurite->blob_port_ > 0 && azurite->queue_port_ > 0) break;
    pollfd p{azurite->out_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, kReadTimeoutMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      return Unavailable("Azurite printed nothing for " + std::to_string(kReadTimeoutMs / 1000) +
                         " s while starting; its output:\n" + out);
    }
    char buf[4096];
    ssize_t n = ::read(azurite->out_fd_, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable("Azurite exited while starting; its output:\n" + out);
    out.append(buf, static_cast<std::size_t>(n));
  }
  if (azurite->blob_port_ <= 0 || azurite->queue_port_ <= 0) {
    return Unavailable("Azurite did not report its ports; its output:\n" + out);
  }
  if (!Accepts(azurite->blob_port_) || !Accepts(azurite->queue_port_)) {
    return Unavailable("Azurite reported its ports but does not accept connections; output:\n" +
                       out);
  }
  azurite->output_ = std::move(out);
  Azurite* self = azurite.get();
  azurite->drain_ = std::thread([self] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(self->out_fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      std::lock_guard lock(self->mu_);
      if (self->output_.size() < (1u << 20)) self->output_.append(buf, static_cast<std::size_t>(n));
    }
  });
  return azurite;
}

Azurite::~Azurite() {
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // The pipe's write end died with the group, so the drain thread sees EOF.
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

StorageConnection Azurite::Connection(std::string_view key) const {
  StorageConnection c;
  c.kind = StorageConnection::Kind::kAzure;
  c.account_name = "devstoreaccount1";
  c.account_key = std::string(key);
  c.blob_endpoint = {"http", "127.0.0.1", blob_port_, "/devstoreaccount1"};
  c.queue_endpoint = {"http", "127.0.0.1", queue_port_, "/devstoreaccount1"};
  return c;
}

std::string Azurite::ConnectionString() const {
  StorageConnection c = Connection();
  return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" +
         std::string(kDevKey) + ";BlobEndpoint=" + c.blob_endpoint.ToString() +
         ";QueueEndpoint=" + c.queue_endpoint.ToString() + ";";
}

StorageConnection Azurite::SasConnection() const {
  StorageConnection c = Connection();
  c.account_key.clear();
  c.blob_endpoint.host = c.queue_endpoint.host = "localhost";
  const std::string permissions = "rwdlacup", services = "bq", resource_types = "sco";
  const std::string expiry = "2099-01-01T00:00:00Z", version = "2021-08-06";
  // account, sp, ss, srt, st, se, sip, spr, sv, ses (encryption scope, from 2020-12-06 on).
  std::string to_sign = c.account_name + "\n" + permissions + "\n" + services + "\n" +
                        resource_types + "\n\n" + expiry + "\n\n\n" + version + "\n\n";
  std::string key = *Base64Decode(kDevKey);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &mac_size);
  std::string signature =
      Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), mac_size));
  c.sas_token = "sv=" + version + "&ss=" + services + "&srt=" + resource_types +
                "&sp=" + permissions + "&se=" + PercentEncode(expiry) +
                "&sig=" + PercentEncode(signature);
  return c;
}

std::string Azurite::Output() const {
  std::lock_guard lock(mu_);
  return output_;
}

}  // namespace squall
