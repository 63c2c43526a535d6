#include "core/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace cinema {
namespace {
constexpr std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), millis);
}

int open_log_file(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

bool same_file(int a, int b) {
  struct stat sa{}, sb{};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::uint64_t file_size(int fd) {
  struct stat st{};
  return ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

std::string numbered(const std::string& path, int n) { return path + "." + std::to_string(n); }
}  // namespace

void rotate_numbered_files(const std::string& path, int max_files) {
  if (max_files <= 0) {
    ::unlink(path.c_str());
    return;
  }
  ::unlink(numbered(path, max_files).c_str());
  for (int n = max_files - 1; n >= 1; --n) ::rename(numbered(path, n).c_str(), numbered(path, n + 1).c_str());
  ::rename(path.c_str(), numbered(path, 1).c_str());
}

LogLevel parse_log_level(std::string_view text) {
  for (auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error})
    if (level_name(level) == text) return level;
  throw std::invalid_argument("unknown log level '" + std::string(text) + "' (debug, info, warn, error)");
}

std::int64_t LogSampler::admit(int kind, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& slot = slots_[kind];
  ++slot.count;
  if (now < slot.next) return 0;
  slot.next = now + period_;
  return std::exchange(slot.count, 0);
}

Logger::Logger(std::string service, LogOptions options) : service_(std::move(service)), options_(std::move(options)) {
  if (options_.path.empty()) return;
  fd_ = open_log_file(options_.path);
  if (fd_ < 0) throw std::runtime_error("cannot open log file " + options_.path);
  owns_file_ = true;
  follow_stdout_ = same_file(fd_, STDOUT_FILENO);
  follow_stderr_ = same_file(fd_, STDERR_FILENO);
  size_ = file_size(fd_);
}

Logger::~Logger() {
  if (owns_file_) ::close(fd_);
}

std::uint64_t Logger::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Logger::log(LogLevel level, std::string_view message, std::string_view trace_id, LogFields fields) {
  if (!enabled(level)) return;
  nlohmann::json line{{"ts", utc_now()}, {"level", level_name(level)}, {"service", service_}, {"msg", message}};
  if (!trace_id.empty()) line["traceId"] = trace_id;
  for (const auto& [key, value] : fields)
    std::visit([&line, key = key](const auto& v) { line[std::string(key)] = v; }, value);
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard lock(mutex_);
  write_line(text);
}

void Logger::write_line(std::string_view text) {
  bool rotating = owns_file_ && options_.max_file_bytes > 0;
  if (rotating && size_ > 0 && size_ + text.size() > options_.max_file_bytes) rotate();
  while (!text.empty()) {
    auto written = ::write(fd_, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {  // ENOSPC, EIO, ...: the line is lost, the service goes on
      ++dropped_;
      return;
    }
    text.remove_prefix(static_cast<std::size_t>(written));
    size_ += static_cast<std::uint64_t>(written);
  }
}

// Renames instead of copying: the file this process holds open moves with its name, and a new one
// takes the name. Crash output written to standard error lands in the current file, not a rotated one.
void Logger::rotate() {
  const auto& path = options_.path;
  rotate_numbered_files(path, options_.max_files);
  int fresh = open_log_file(path);
  if (fresh < 0) {  // no inode left, say: keep the old file and try again after another file's worth
    size_ = 0;
    return;
  }
  if (follow_stdout_) ::dup2(fresh, STDOUT_FILENO);
  if (follow_stderr_) ::dup2(fresh, STDERR_FILENO);
  ::close(fd_);
  fd_ = fresh;
  size_ = file_size(fd_);
}

}  // namespace cinema
