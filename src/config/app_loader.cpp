// LoadApp: finds an app folder's files and runs them through the pure parsers. All file system
// access of the config module is here, with error_code overloads and a catch-all, so a broken
// folder becomes a ConfigIssue instead of an exception. Every file is read even after an error,
// so one run shows the user every problem.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "config/app_config.h"
#include "config/function_json.h"
#include "config/host_json.h"
#include "config/json_reader.h"
#include "config/local_settings.h"

namespace squall {

namespace {

namespace fs = std::filesystem;

// Config files are small; a huge one is a mistake (or a wrong path), not something to slurp.
constexpr std::uintmax_t kMaxFileBytes = 16 * 1024 * 1024;

// Reads a whole file; on failure reports an error against it and returns false.
bool ReadFile(const fs::path& path, std::string* out, std::vector<ConfigIssue>& errors) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > kMaxFileBytes) {
    errors.push_back(
        {path.string(), "",
         "file is too large for a configuration file (" + std::to_string(size) + " bytes)"});
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({path.string(), "", "cannot open the file for reading"});
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    errors.push_back({path.string(), "", "cannot read the file"});
    return false;
  }
  return true;
}

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

fs::path AbsoluteRoot(const fs::path& app_dir) {
  std::error_code ec;
  fs::path root = fs::absolute(app_dir, ec);
  if (ec) root = app_dir;
  root = root.lexically_normal();
  if (!root.has_filename() && root.has_parent_path() && root != root.root_path()) {
    root = root.parent_path();  // "app/" -> "app"
  }
  return root;
}

// Sub-folder names holding a function.json, sorted; dot folders (.squall, .vscode) are skipped.
std::vector<std::string> FunctionFolders(const fs::path& app_dir, LoadResult& result) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(app_dir, ec);
  const fs::directory_iterator end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    std::error_code dir_ec;
    if (!it->is_directory(dir_ec)) continue;
    if (!IsRegularFile(it->path() / "function.json")) continue;
    names.push_back(name);
  }
  if (ec) {
    result.errors.push_back({app_dir.string(), "", "cannot list the app folder: " + ec.message()});
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Azure: one warmup function per app, and it should be named "warmup".
void CheckWarmup(const fs::path& app_dir, const AppConfig& app, LoadResult& result) {
  const FunctionConfig* first = nullptr;
  for (const FunctionConfig& fn : app.functions) {
    if (fn.trigger_kind() != TriggerKind::kWarmup) continue;
    const std::string file = (app_dir / fn.name / "function.json").string();
    const Binding* trigger = fn.Trigger();
    const std::string field = "/bindings/" + std::to_string(trigger - fn.bindings.data()) + "/type";
    if (first != nullptr) {
      result.errors.push_back({file, field,
                               "a second warmupTrigger function (" +
                                   config_json::Quote(first->name) +
                                   " is one): an app has at most one"});
      continue;
    }
    first = &fn;
    if (!config_json::EqualsIgnoreCase(fn.name, "warmup")) {
      result.warnings.push_back({file, field,
                                 "a warmupTrigger function should be named \"warmup\" (Azure "
                                 "looks for that name); it runs as " +
                                     config_json::Quote(fn.name)});
    }
  }
}

void LoadFunctions(const fs::path& app_dir, const fs::path& root, AppConfig& app,
                   LoadResult& result) {
  for (const std::string& name : FunctionFolders(app_dir, result)) {
    const fs::path file = app_dir / name / "function.json";
    if (!IsValidFunctionName(name)) {
      result.errors.push_back(
          {file.string(), "",
           "invalid function name " + config_json::Quote(name) +
               ": expected the folder name to be a letter followed by up to 127 letters, "
               "digits, '_' or '-'"});
      continue;
    }
    // Function names are case-insensitive in URLs and keys, as in Azure.
    for (const FunctionConfig& other : app.functions) {
      if (config_json::EqualsIgnoreCase(other.name, name)) {
        result.errors.push_back({file.string(), "",
                                 "function name " + config_json::Quote(name) +
                                     " differs only in case from " +
                                     config_json::Quote(other.name)});
      }
    }
    std::string text;
    if (!ReadFile(file, &text, result.errors)) continue;
    FunctionConfig fn = ParseFunctionJson(text, file.string(), result.errors, result.warnings);
    fn.name = name;
    fn.dir = root / name;
    app.functions.push_back(std::move(fn));
  }
  CheckWarmup(app_dir, app, result);
}

void Load(const fs::path& app_dir, LoadResult& result) {
  std::error_code ec;
  if (!fs::is_directory(app_dir, ec)) {
    const bool exists = fs::exists(app_dir, ec);
    result.errors.push_back(
        {app_dir.string(), "",
         exists ? "the app folder is not a directory" : "the app folder does not exist"});
    return;
  }
  AppConfig app;
  app.root = AbsoluteRoot(app_dir);

  const fs::path host_file = app_dir / "host.json";
  if (!IsRegularFile(host_file)) {
    result.errors.push_back({host_file.string(), "",
                             "file not found: every app needs a host.json with "
                             "\"version\": \"2.0\" and a \"customHandler\" section"});
  } else {
    std::string text;
    if (ReadFile(host_file, &text, result.errors)) {
      app.host = ParseHostJson(text, host_file.string(), result.errors, result.warnings);
    }
  }

  LoadFunctions(app_dir, app.root, app, result);
  if (app.functions.empty()) {
    result.warnings.push_back({app_dir.string(), "",
                               "no functions found: expected sub-folders containing a "
                               "function.json"});
  }

  const fs::path settings_file = app_dir / "local.settings.json";
  if (fs::exists(settings_file, ec)) {
    std::string text;
    if (!IsRegularFile(settings_file)) {
      result.errors.push_back({settings_file.string(), "", "expected a regular file"});
    } else if (ReadFile(settings_file, &text, result.errors)) {
      app.settings =
          ParseLocalSettings(text, settings_file.string(), result.errors, result.warnings);
    }
  }

  if (result.errors.empty()) result.app = std::move(app);
}

}  // namespace

LoadResult LoadApp(const std::filesystem::path& app_dir) {
  LoadResult result;
  try {
    Load(app_dir, result);
  } catch (const std::exception& e) {
    result.app.reset();
    result.errors.push_back(
        {app_dir.string(), "", std::string("cannot load the app: ") + e.what()});
  } catch (...) {
    result.app.reset();
    result.errors.push_back({app_dir.string(), "", "cannot load the app: unknown error"});
  }
  return result;
}

}  // namespace squall
