#pragma once
// Structured logging: one JSON object per line with time, level, service, message, the request's
// trace id (when there is one) and extra fields. Thread-safe; writes are unbuffered lines so a
// crash loses nothing already logged.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cinema {

enum class LogLevel { debug, info, warn, error };
LogLevel parse_log_level(std::string_view text);  // throws std::invalid_argument

using LogValue = std::variant<std::string_view, std::int64_t, double, bool>;
using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

class Logger {
 public:
  // `path` empty: standard error. Otherwise the file is opened for append.
  Logger(std::string service, LogLevel min_level, const std::string& path = {});
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void log(LogLevel level, std::string_view message, std::string_view trace_id = {}, LogFields fields = {});
  void debug(std::string_view message, LogFields fields = {}) { log(LogLevel::debug, message, {}, fields); }
  void info(std::string_view message, LogFields fields = {}) { log(LogLevel::info, message, {}, fields); }
  void warn(std::string_view message, LogFields fields = {}) { log(LogLevel::warn, message, {}, fields); }
  void error(std::string_view message, LogFields fields = {}) { log(LogLevel::error, message, {}, fields); }
  [[nodiscard]] bool enabled(LogLevel level) const { return level >= min_level_; }

 private:
  std::string service_;
  LogLevel min_level_;
  std::FILE* out_;
  bool owns_file_;
  std::mutex mutex_;
};

}  // namespace cinema
