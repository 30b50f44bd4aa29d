// Secrets on disk, in Azure's own shapes (so files can be copied to and from a real app):
//   host.json:        {"masterKey": {"name": "master", "value": "...", "encrypted": false},
//                      "functionKeys": [{"name": "default", "value": "...", "encrypted": false}]}
//   <function>.json:  {"keys": [{"name": "default", "value": "...", "encrypted": false}]}
// Azure's "functionKeys" in host.json are the host keys. Function file names are lower-cased, as
// Azure does, so renaming a function's case keeps its keys. Unknown members are kept on rewrite.
#include "host/key_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "core/log.h"
#include "core/random.h"

namespace squall {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kCategory = "Host.Secrets";
constexpr std::string_view kDefaultKey = "default";
constexpr std::size_t kMinKeyLength = 16;
constexpr std::size_t kMaxSecretFileBytes = 1 << 20;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string ModeText(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

std::string Errno(int err) { return std::strerror(err); }

Status IoError(const fs::path& path, std::string_view what, int err) {
  return Internal(fmt::format("{} {}: {}", what, path.string(), Errno(err)));
}

Status Malformed(const fs::path& file, std::string_view pointer, std::string_view what) {
  if (pointer.empty())
    return FailedPrecondition(fmt::format("secret file {}: {}", file.string(), what));
  return FailedPrecondition(fmt::format("secret file {}: {}: {}", file.string(), pointer, what));
}

// Refusing (rather than chmod-ing and warning) is deliberate: a secret that was readable by
// others may already be leaked, and only the operator can decide whether to rotate it.
Status TooOpen(const fs::path& path, mode_t mode, bool is_dir) {
  return Status(StatusCode::kPermissionDenied,
                fmt::format("{} {} has mode {}, which lets group or others access it; secrets "
                            "must be private (chmod {} {}, and consider rotating the keys)",
                            is_dir ? "secrets directory" : "secret file", path.string(),
                            ModeText(mode), is_dir ? "700" : "600", path.string()));
}

// The file's text, nullopt when it does not exist. Mode is checked on the opened descriptor, so
// the file checked is the file read.
StatusOr<std::optional<std::string>> ReadSecretFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return IoError(path, "cannot open secret file", errno);
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError(path, "cannot stat secret file", errno);
  if (!S_ISREG(st.st_mode)) return Malformed(path, "", "not a regular file");
  if ((st.st_mode & 077) != 0) return TooOpen(path, st.st_mode, false);
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxSecretFileBytes) {
    return Malformed(path, "", "larger than 1 MiB; not a secrets file");
  }
  std::string text;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path, "cannot read secret file", errno);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxSecretFileBytes) {
      return Malformed(path, "", "larger than 1 MiB; not a secrets file");
    }
  }
  return std::optional<std::string>(std::move(text));
}

// Write to a fresh private temporary, then rename over: readers see the old or the new file,
// never half of one, and the secret is never in a file with looser permissions.
Status WriteSecretFile(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp-" + RandomKey(9);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError(tmp, "cannot create", errno);
  auto fail = [&](std::string_view what, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return IoError(tmp, what, err);
  };
  // open()'s mode is filtered by the umask; make 0600 exact whatever the umask is.
  if (::fchmod(fd, 0600) != 0) return fail("cannot chmod", errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot sync", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoError(tmp, "cannot close", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return IoError(path, "cannot rename a temporary file onto", err);
  }
  // Make the rename durable; failing here loses nothing already written, so best effort.
  int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

Status EnsureSecretsDir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (ec)
    return Internal(fmt::format("cannot create {}: {}", dir.parent_path().string(), ec.message()));
  if (::mkdir(dir.c_str(), 0700) == 0) {
    // mkdir's mode is filtered by the umask; make 0700 exact.
    if (::chmod(dir.c_str(), 0700) != 0) return IoError(dir, "cannot chmod", errno);
    return Status::Ok();
  }
  if (errno != EEXIST) return IoError(dir, "cannot create secrets directory", errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return IoError(dir, "cannot stat secrets directory", errno);
  if (!S_ISDIR(st.st_mode)) {
    return FailedPrecondition(fmt::format("{} exists but is not a directory", dir.string()));
  }
  if ((st.st_mode & 077) != 0) return TooOpen(dir, st.st_mode, true);
  return Status::Ok();
}

// Member by name, any case (Azure reads these files with JSON.NET, which ignores case).
json::value* Member(json::object& o, std::string_view name, std::string* spelled = nullptr) {
  for (auto& kv : o) {
    if (IEquals(std::string_view(kv.key().data(), kv.key().size()), name)) {
      if (spelled != nullptr) *spelled = std::string(kv.key());
      return &kv.value();
    }
  }
  return nullptr;
}

// Never echo the value in messages: a malformed key may still be a real one.
std::optional<std::string> KeyProblem(std::string_view key) {
  if (key.size() < kMinKeyLength) {
    return fmt::format("a key must be at least {} characters long", kMinKeyLength);
  }
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("-_.~+/=").find(c) != std::string_view::npos;
    if (!ok) return std::string("a key may contain only letters, digits and - _ . ~ + / =");
  }
  return std::nullopt;
}

json::object KeyEntry(std::string_view name, const std::string& value) {
  json::object o;
  o["name"] = name;
  o["value"] = value;
  o["encrypted"] = false;
  return o;
}

// One {"name", "value", "encrypted"} object; name may be absent only for the master key.
Status ReadKeyEntry(json::value& v, const fs::path& file, const std::string& pointer,
                    bool need_name, std::string* name, std::string* value) {
  if (!v.is_object()) {
    return Malformed(file, pointer, "expected an object {\"name\": ..., \"value\": ...}");
  }
  json::object& o = v.get_object();
  std::string spelled;
  if (json::value* n = Member(o, "name", &spelled)) {
    if (!n->is_string() || n->get_string().empty()) {
      return Malformed(file, pointer + "/" + spelled, "expected a non-empty string");
    }
    *name = std::string(n->get_string());
  } else if (need_name) {
    return Malformed(file, pointer, "missing \"name\"");
  }
  json::value* val = Member(o, "value", &spelled);
  if (val == nullptr) return Malformed(file, pointer, "missing \"value\"");
  if (!val->is_string()) return Malformed(file, pointer + "/" + spelled, "expected a string");
  if (auto problem = KeyProblem(std::string_view(val->get_string()))) {
    return Malformed(file, pointer + "/" + spelled, *problem);
  }
  *value = std::string(val->get_string());
  if (json::value* enc = Member(o, "encrypted", &spelled)) {
    if (!enc->is_bool()) return Malformed(file, pointer + "/" + spelled, "expected true or false");
    if (enc->get_bool()) {
      return Malformed(file, pointer + "/" + spelled,
                       "encrypted keys are not supported; store the plain value with "
                       "\"encrypted\": false");
    }
  }
  return Status::Ok();
}

// Reads the named-key array `member` of `root` into *keys, creating the array when absent and
// appending a generated "default" key when there is none. Sets *changed when it added anything.
Status LoadKeyArray(json::object& root, std::string_view member, const fs::path& file,
                    std::map<std::string, std::string>* keys, bool* changed) {
  std::string spelled(member);
  json::value* arr = Member(root, member, &spelled);
  if (arr == nullptr) {
    arr = &(root[member] = json::array());
    *changed = true;
  }
  const std::string pointer = "/" + spelled;
  if (!arr->is_array()) return Malformed(file, pointer, "expected an array of keys");
  json::array& a = arr->get_array();
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string name, value;
    const std::string item = pointer + "/" + std::to_string(i);
    if (Status s = ReadKeyEntry(a[i], file, item, true, &name, &value); !s.ok()) return s;
    if (!keys->emplace(name, std::move(value)).second) {
      return Malformed(file, item, "key name '" + name + "' appears twice");
    }
  }
  if (keys->find(std::string(kDefaultKey)) == keys->end()) {
    std::string value = RandomKey();
    a.push_back(KeyEntry(kDefaultKey, value));
    keys->emplace(kDefaultKey, std::move(value));
    *changed = true;
  }
  return Status::Ok();
}

// Existing file's object, or an empty one when the file does not exist yet.
StatusOr<json::object> LoadObject(const fs::path& file, bool* exists) {
  auto text = ReadSecretFile(file);
  if (!text.ok()) return text.status();
  *exists = text->has_value();
  if (!*exists) return json::object();
  json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  json::error_code ec;
  json::value v = json::parse(**text, ec, json::storage_ptr(), options);
  if (ec) return Malformed(file, "", "not valid JSON: " + ec.message());
  if (!v.is_object()) return Malformed(file, "", "expected a JSON object");
  return std::move(v.get_object());
}

// Function names become file names: keep them to what Azure allows, and off host.json.
Status CheckFunctionName(const std::string& name) {
  bool ok = !name.empty() && name[0] != '.';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.');
  }
  if (!ok) {
    return InvalidArgument(fmt::format(
        "function name '{}' cannot name a secrets file (letters, digits, '-', '_', '.')", name));
  }
  if (IEquals(name, "host")) {
    return InvalidArgument(
        "a function named 'host' would share the secrets file host.json with the host keys; "
        "rename the function");
  }
  return Status::Ok();
}

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

struct PendingWrite {
  fs::path file;
  std::string text;
};

}  // namespace

StatusOr<KeyStore> KeyStore::LoadOrCreate(const fs::path& app_root,
                                          const std::vector<std::string>& function_names) {
  // Check every name before touching the disk: a bad name must not leave half-made secrets.
  std::map<std::string, std::string> file_owner;  // lower-cased file stem -> function name
  for (const std::string& name : function_names) {
    if (Status s = CheckFunctionName(name); !s.ok()) return s;
    auto [it, added] = file_owner.emplace(LowerCopy(name), name);
    if (!added && it->second != name) {
      return InvalidArgument(
          fmt::format("functions '{}' and '{}' differ only in case and would share a secrets file",
                      it->second, name));
    }
  }

  const fs::path dir = app_root / ".squall" / "secrets";
  if (Status s = EnsureSecretsDir(dir); !s.ok()) return s;
  // Instances of one app may start together; without the lock two of them could each create a
  // master key and the loser would serve with a key that is no longer on disk.
  int lock_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd < 0) return IoError(dir, "cannot open secrets directory", errno);
  struct LockHolder {
    int fd;
    ~LockHolder() { ::close(fd); }  // closing releases the flock
  } lock{lock_fd};
  while (::flock(lock_fd, LOCK_EX) != 0) {
    if (errno != EINTR) return IoError(dir, "cannot lock secrets directory", errno);
  }

  KeyStore store;
  std::vector<PendingWrite> writes;
  std::vector<std::string> notes;  // logged once written: an error below writes nothing

  // Host keys.
  {
    const fs::path file = dir / "host.json";
    bool exists = false;
    auto root = LoadObject(file, &exists);
    if (!root.ok()) return root.status();
    bool changed = false;
    std::string spelled = "masterKey";
    if (json::value* master = Member(*root, "masterKey", &spelled)) {
      std::string ignored_name;
      if (Status s = ReadKeyEntry(*master, file, "/" + spelled, false, &ignored_name,
                                  &store.keys_.master_key);
          !s.ok()) {
        return s;
      }
    } else if (exists) {
      // A host.json without its master key was edited by hand; do not guess what was meant.
      return Malformed(file, "", "missing \"masterKey\"");
    } else {
      store.keys_.master_key = RandomKey();
      (*root)["masterKey"] = KeyEntry("master", store.keys_.master_key);
      changed = true;
      notes.push_back("generated a new master key in " + file.string());
    }
    bool added_host_key = false;
    if (Status s =
            LoadKeyArray(*root, "functionKeys", file, &store.keys_.host_keys, &added_host_key);
        !s.ok()) {
      return s;
    }
    if (added_host_key) notes.push_back("generated host key 'default' in " + file.string());
    if (changed || added_host_key) writes.push_back({file, json::serialize(*root) + "\n"});
  }

  // Function keys.
  for (const auto& [stem, name] : file_owner) {
    const fs::path file = dir / (stem + ".json");
    bool exists = false;
    auto root = LoadObject(file, &exists);
    if (!root.ok()) return root.status();
    bool changed = false;
    auto& keys = store.keys_.function_keys[name];
    if (Status s = LoadKeyArray(*root, "keys", file, &keys, &changed); !s.ok()) return s;
    if (changed) {
      notes.push_back(
          fmt::format("generated key 'default' for function '{}' in {}", name, file.string()));
      writes.push_back({file, json::serialize(*root) + "\n"});
    }
  }

  // Written only after every file loaded cleanly, so an error changes nothing on disk.
  for (const PendingWrite& w : writes) {
    if (Status s = WriteSecretFile(w.file, w.text); !s.ok()) return s;
  }
  for (const std::string& note : notes) LogInfo(kCategory, "{}", note);  // names, never values
  return store;
}

KeyMatch KeyStore::Check(std::string_view function_name, std::string_view given) const {
  // Every key is compared, whatever matched before, and results are combined with |= rather
  // than ||: the time taken must not tell which class of key (or which key) matched.
  bool master = ConstantTimeEquals(given, keys_.master_key);
  bool host = false;
  for (const auto& [name, key] : keys_.host_keys) host |= ConstantTimeEquals(given, key);
  bool function = false;
  auto it = keys_.function_keys.find(std::string(function_name));
  if (it != keys_.function_keys.end()) {
    for (const auto& [name, key] : it->second) function |= ConstantTimeEquals(given, key);
  }
  if (master) return KeyMatch::kMaster;
  if (host) return KeyMatch::kHost;
  if (function) return KeyMatch::kFunction;
  return KeyMatch::kNone;
}

bool KeyStore::IsMaster(std::string_view given) const {
  return ConstantTimeEquals(given, keys_.master_key);
}

std::string KeyStore::ToJson() const {
  json::object host;
  for (const auto& [name, key] : keys_.host_keys) host[name] = key;
  json::object functions;
  for (const auto& [fn, keys] : keys_.function_keys) {
    json::object o;
    for (const auto& [name, key] : keys) o[name] = key;
    functions[fn] = std::move(o);
  }
  json::object root;
  root["masterKey"] = keys_.master_key;
  root["hostKeys"] = std::move(host);
  root["functionKeys"] = std::move(functions);
  return json::serialize(root);
}

}  // namespace squall
