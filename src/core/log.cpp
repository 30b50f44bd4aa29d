#include "core/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace squall {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInformation};
std::atomic<LogFormat> g_format{LogFormat::kText};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("squall",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_level(spdlog::level::trace);  // filtering is ours (g_level)
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return logger;
}

spdlog::level::level_enum ToSpd(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInformation: return spdlog::level::info;
    case LogLevel::kWarning: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kCritical: return spdlog::level::critical;
    case LogLevel::kNone: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::string JsonString(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace

void InitLogging(LogFormat format, LogLevel level) {
  g_format = format;
  g_level = level;
  if (format == LogFormat::kJson) {
    Logger()->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                          spdlog::pattern_time_type::utc);
  } else {
    Logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
}

void SetLogLevel(LogLevel level) { g_level = level; }
bool LogEnabled(LogLevel level) { return level != LogLevel::kNone && level >= g_level.load(); }

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  static const std::pair<const char*, LogLevel> kNames[] = {
      {"trace", LogLevel::kTrace},         {"debug", LogLevel::kDebug},
      {"information", LogLevel::kInformation}, {"warning", LogLevel::kWarning},
      {"error", LogLevel::kError},         {"critical", LogLevel::kCritical},
      {"none", LogLevel::kNone}};
  for (auto& [n, l] : kNames) {
    if (name.size() == std::strlen(n) &&
        std::equal(name.begin(), name.end(), n,
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
      *out = l;
      return true;
    }
  }
  return false;
}

void LogLine(LogLevel level, std::string_view category, std::string_view message,
             const LogFields& fields) {
  if (!LogEnabled(level)) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    line = fmt::format(R"("category":{},"message":{})", JsonString(category), JsonString(message));
    for (auto& [k, v] : fields) line += fmt::format(",{}:{}", JsonString(k), JsonString(v));
    line += '}';
  } else {
    line = fmt::format("[{}] {}", category, message);
    for (auto& [k, v] : fields) line += fmt::format(" {}={}", k, v);
  }
  Logger()->log(ToSpd(level), line);
}

}  // namespace squall
