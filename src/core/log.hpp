#pragma once
// Structured logging: one JSON object per line with time, level, service, message, the request's
// trace id (when there is one) and extra fields. Thread-safe; each line is one write(2), so a crash
// loses nothing already logged.
//
// A log file is rotated by the process that writes it: past `max_file_bytes` the file becomes
// `<path>.1` (and `.1` becomes `.2`, ... up to `max_files`, the oldest deleted), so a busy service
// keeps at most (max_files + 1) x max_file_bytes. If standard output or error were the same file
// (`cinema up` points a child's at its log, for crash reports), they follow it to the new file.
// A line that cannot be written (a full disk) is dropped and counted, never an error.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cinema {

enum class LogLevel { debug, info, warn, error };
LogLevel parse_log_level(std::string_view text);  // throws std::invalid_argument

// Moves `path` aside as `<path>.1`, `.1` to `.2`, ... up to `<path>.<max_files>` (the oldest is
// deleted; with max_files 0, `path` itself is): the rotation of a file written by one process,
// which then opens `path` afresh. A process holding the old file keeps writing into `.1`.
void rotate_numbered_files(const std::string& path, int max_files);

using LogValue = std::variant<std::string_view, std::int64_t, double, bool>;
using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

struct LogOptions {
  LogLevel min_level = LogLevel::info;
  std::string path;                            // empty: standard error, never rotated
  std::uint64_t max_file_bytes = 10ull << 20;  // 0: never rotated
  int max_files = 5;                           // rotated files kept: <path>.1 (newest) .. <path>.N
};

// Lets one line a period through for something frequent by design (a seat already taken): the
// first occurrence of a kind passes, later ones within `period` are only counted, and the next line
// that passes says how many it stands for.
class LogSampler {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogSampler(Clock::duration period) : period_(period) {}
  // 0: write nothing now; n > 0: write one line standing for n occurrences (this one included).
  std::int64_t admit(int kind, Clock::time_point now);

 private:
  struct Slot {
    std::int64_t count = 0;
    Clock::time_point next{};
  };
  Clock::duration period_;
  std::mutex mutex_;
  std::map<int, Slot> slots_;
};

class Logger {
 public:
  Logger(std::string service, LogOptions options);
  Logger(std::string service, LogLevel min_level, const std::string& path = {})
      : Logger(std::move(service), LogOptions{.min_level = min_level, .path = path}) {}
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void log(LogLevel level, std::string_view message, std::string_view trace_id = {}, LogFields fields = {});
  void debug(std::string_view message, LogFields fields = {}) { log(LogLevel::debug, message, {}, fields); }
  void info(std::string_view message, LogFields fields = {}) { log(LogLevel::info, message, {}, fields); }
  void warn(std::string_view message, LogFields fields = {}) { log(LogLevel::warn, message, {}, fields); }
  void error(std::string_view message, LogFields fields = {}) { log(LogLevel::error, message, {}, fields); }
  [[nodiscard]] bool enabled(LogLevel level) const { return level >= options_.min_level; }
  // Lines that could not be written (disk full, file gone), since the start.
  [[nodiscard]] std::uint64_t dropped() const;

 private:
  void write_line(std::string_view text);  // with mutex_ held
  void rotate();                           // with mutex_ held

  std::string service_;
  LogOptions options_;
  int fd_ = 2;  // standard error unless a path is given
  bool owns_file_ = false;
  bool follow_stdout_ = false;  // standard output was this file when it was opened
  bool follow_stderr_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t dropped_ = 0;
  mutable std::mutex mutex_;
};

}  // namespace cinema
