// Function keys as Azure has them: one master key, host keys (at least "default") and per-function
// keys (at least "default"). Generated from a CSPRNG on first start and kept in
// APP/.squall/secrets/ (directory 0700, files 0600). Compared in constant time.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/app_config.h"
#include "core/status.h"
#include "http/http_message.h"

namespace squall {

enum class KeyMatch { kNone, kFunction, kHost, kMaster };

struct AppKeys {
  std::string master_key;
  std::map<std::string, std::string> host_keys;                                  // name -> key
  std::map<std::string, std::map<std::string, std::string>> function_keys;      // fn -> name -> key
};

class KeyStore {
 public:
  // Loads APP/.squall/secrets/, creating any missing key (and the files) for these functions.
  // Existing keys are never changed. Refuses (error) secret files readable by group/others.
  static StatusOr<KeyStore> LoadOrCreate(const std::filesystem::path& app_root,
                                         const std::vector<std::string>& function_names);

  // Which kind of key `given` is for this function (checks every key, constant time each).
  KeyMatch Check(std::string_view function_name, std::string_view given) const;
  bool IsMaster(std::string_view given) const;
  const AppKeys& keys() const { return keys_; }
  // {"masterKey": "...", "hostKeys": {"default": "..."}, "functionKeys": {"fn": {"default": "..."}}}
  std::string ToJson() const;

 private:
  AppKeys keys_;
};

// The key a request presents, as Azure reads it: the x-functions-key header, else the `code`
// query parameter; "" when neither.
std::string KeyFromRequest(const HttpRequest& request);

// Whether a caller holding `match` may call a function with this auth level.
bool Authorized(AuthLevel level, KeyMatch match);

}  // namespace squall
