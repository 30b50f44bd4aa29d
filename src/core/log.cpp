#include "core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace squall {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInformation};
std::atomic<LogFormat> g_format{LogFormat::kText};

// spdlog's stderr sink flushes after every line (a write syscall per invocation under load);
// this one leaves flushing to the logger's flush policy.
class BufferedStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::fwrite(formatted.data(), 1, formatted.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("squall", std::make_shared<BufferedStderrSink>());
    l->set_level(spdlog::level::trace);  // filtering is ours (g_level)
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
    // stderr is made fully buffered in InitLogging: one write per batch instead of per line.
    // Warnings and errors are flushed at once; the rest within a second (FlushLogs at exit).
    l->flush_on(spdlog::level::warn);
    spdlog::register_logger(l);
    spdlog::flush_every(std::chrono::seconds(1));
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

// Written once at start-up (before threads), read on every line.
std::vector<std::pair<std::string, LogLevel>> g_category_levels;

std::string JsonString(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

}  // namespace

void InitLogging(LogFormat format, LogLevel level) {
  static char buffer[1 << 16];
  std::setvbuf(stderr, buffer, _IOFBF, sizeof(buffer));
  g_format = format;
  g_level = level;
  if (format == LogFormat::kJson) {
    Logger()->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l",%v})",
                          spdlog::pattern_time_type::utc);
  } else {
    Logger()->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
}

void FlushLogs() {
  Logger()->flush();
  std::fflush(stderr);
}

void SetLogLevel(LogLevel level) { g_level = level; }
bool LogEnabled(LogLevel level) { return level != LogLevel::kNone && level >= g_level.load(); }

void SetCategoryLogLevels(std::vector<std::pair<std::string, LogLevel>> levels) {
  g_category_levels = std::move(levels);
}

bool LogEnabled(LogLevel level, std::string_view category) {
  if (level == LogLevel::kNone) return false;
  LogLevel threshold = g_level.load();
  std::size_t best = 0;
  for (const auto& [prefix, l] : g_category_levels) {
    bool matches = category.size() >= prefix.size() &&
                   category.compare(0, prefix.size(), prefix) == 0 &&
                   (category.size() == prefix.size() || category[prefix.size()] == '.');
    if (matches && prefix.size() >= best) {
      best = prefix.size();
      threshold = l;
    }
  }
  return threshold != LogLevel::kNone && level >= threshold;
}

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
  if (!LogEnabled(level, category)) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    line = fmt::format(R"("category":{},"message":{})", JsonString(category), JsonString(message));
    // The closing brace is the pattern's (InitLogging).
    for (const auto& f : fields) line += fmt::format(",{}:{}", JsonString(f.key), JsonString(f.value));
  } else {
    line = fmt::format("[{}] {}", category, message);
    for (const auto& f : fields) line += fmt::format(" {}={}", f.key, f.value);
  }
  Logger()->log(ToSpd(level), line);
}

}  // namespace squall
