#include "core/log.hpp"

#include <chrono>
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
}  // namespace

LogLevel parse_log_level(std::string_view text) {
  for (auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error})
    if (level_name(level) == text) return level;
  throw std::invalid_argument("unknown log level '" + std::string(text) + "' (debug, info, warn, error)");
}

Logger::Logger(std::string service, LogLevel min_level, const std::string& path)
    : service_(std::move(service)), min_level_(min_level), out_(stderr), owns_file_(false) {
  if (path.empty()) return;
  out_ = std::fopen(path.c_str(), "a");
  if (!out_) throw std::runtime_error("cannot open log file " + path);
  owns_file_ = true;
}

Logger::~Logger() {
  if (owns_file_) std::fclose(out_);
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
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace cinema
