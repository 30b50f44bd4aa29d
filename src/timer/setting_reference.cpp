#include "timer/setting_reference.h"

#include "core/ascii.h"

namespace squall {

namespace {

const std::string* FindSetting(const std::map<std::string, std::string>& settings,
                               const std::string& name) {
  if (auto it = settings.find(name); it != settings.end()) return &it->second;
  for (const auto& [key, value] : settings) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

}  // namespace

StatusOr<std::string> ResolveSettingReference(std::string_view text,
                                              const std::map<std::string, std::string>& settings) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find('%', i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    const std::size_t close = text.find('%', open + 1);
    if (close == std::string_view::npos) {
      return InvalidArgument("the '%' at position " + std::to_string(open) +
                             " has no closing '%' (write %SettingName% to use an app setting)");
    }
    const std::string name(text.substr(open + 1, close - open - 1));
    if (name.empty()) {
      return InvalidArgument("'%%' at position " + std::to_string(open) +
                             " names no app setting (write %SettingName%)");
    }
    const std::string* value = FindSetting(settings, name);
    if (value == nullptr) {
      return InvalidArgument("'%" + name + "%' does not resolve to a value: no app setting \"" +
                             name + "\"");
    }
    out.append(text.substr(i, open - i));
    out.append(*value);
    i = close + 1;
  }
  return out;
}

}  // namespace squall
