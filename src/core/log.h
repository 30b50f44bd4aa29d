// Logging: one line per event, "category" as Azure names it (Host, Worker.<fn>, Function.<fn>,
// Host.Concurrency...). Text or JSON lines on stderr. Never log a key.
#pragma once

#include <fmt/format.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace squall {

enum class LogLevel { kTrace, kDebug, kInformation, kWarning, kError, kCritical, kNone };
enum class LogFormat { kText, kJson };

void InitLogging(LogFormat format, LogLevel level);
void SetLogLevel(LogLevel level);
// Per-category levels, as host.json logging.logLevel has them: the longest configured prefix of a
// category wins ("Function" covers "Function.hello"; "Function.hello" overrides it).
void SetCategoryLogLevels(std::vector<std::pair<std::string, LogLevel>> levels);
bool LogEnabled(LogLevel level, std::string_view category);
// Writes out buffered lines (called before exit).
void FlushLogs();
bool LogEnabled(LogLevel level);
// Azure's level names (Trace, Debug, Information, Warning, Error, Critical, None), any case.
bool ParseLogLevel(std::string_view name, LogLevel* out);

// Extra structured fields: emitted as JSON members in JSON format, as key=value in text.
// Views, not copies: a log line on the hot path allocates nothing for its fields.
struct LogField {
  std::string_view key;
  std::string_view value;
};
using LogFields = std::initializer_list<LogField>;
void LogLine(LogLevel level, std::string_view category, std::string_view message,
             const LogFields& fields = {});

template <typename... Args>
void Log(LogLevel level, std::string_view category, fmt::format_string<Args...> f,
         Args&&... args) {
  if (!LogEnabled(level, category)) return;
  LogLine(level, category, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogInfo(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  Log(LogLevel::kInformation, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void LogWarn(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  Log(LogLevel::kWarning, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void LogError(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  Log(LogLevel::kError, c, f, std::forward<Args>(a)...);
}
template <typename... Args>
void LogDebug(std::string_view c, fmt::format_string<Args...> f, Args&&... a) {
  Log(LogLevel::kDebug, c, f, std::forward<Args>(a)...);
}

}  // namespace squall
