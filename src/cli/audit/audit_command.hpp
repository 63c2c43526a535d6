#pragma once
// `cinema audit [--data DIR] [--config FILE] [--wait SECONDS] [--json]`: reads every service's store
// read-only, and the event log, and reconciles them (audit.hpp). Exit code 0 when clean, 1 when not,
// 2 for a usage error. With --wait the audit runs again until it is clean or the time is up, so
// a live system's in-flight work can settle.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/config.hpp"

namespace cinema::cli {

class AuditCommand {
 public:
  explicit AuditCommand(CLI::App& app);
  [[nodiscard]] bool chosen() const { return static_cast<bool>(*command_); }
  [[nodiscard]] int run() const;

 private:
  [[nodiscard]] std::string usage_error() const;  // empty: none
  [[nodiscard]] std::optional<std::chrono::milliseconds> parse_wait() const;
  [[nodiscard]] Config load_config() const;

  CLI::App* command_;
  std::vector<CLI::Option*> valued_;  // options that take a value
  std::string data_dir_;     // overrides data.dir (DATA_DIR) when given
  std::string config_file_;  // or CINEMA_CONFIG
  std::string wait_;         // seconds, parsed by run() so a bad value is a usage error (2)
  bool json_ = false;
};

}  // namespace cinema::cli
