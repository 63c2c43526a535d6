#pragma once
// System-tier fixture: runs the real `cinema up` binary as a child process on free ports with a
// private data directory, and talks to it over real HTTP.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/http/client.hpp"

namespace cinema::testing {

// A block of `count` consecutive free TCP ports on 127.0.0.1.
std::uint16_t free_port_block(int count);

class CinemaProcess {
 public:
  // Starts `cinema up` and waits until it reports every service ready.
  explicit CinemaProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~CinemaProcess();
  CinemaProcess(const CinemaProcess&) = delete;
  CinemaProcess& operator=(const CinemaProcess&) = delete;

  // SIGTERM and wait; returns the exit code (or 128 + signal).
  int stop();
  [[nodiscard]] std::string gateway() const { return "127.0.0.1:" + std::to_string(gateway_port_); }
  [[nodiscard]] std::string service(int index) const { return "127.0.0.1:" + std::to_string(base_port_ + index); }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_dir_; }
  [[nodiscard]] std::string output() const;  // what `cinema up` printed
  // Environment assignments for `cinema events` to read this system's bus (embedded or Kafka).
  [[nodiscard]] std::string event_bus_environment() const;

 private:
  std::filesystem::path data_dir_;
  std::filesystem::path output_path_;
  std::uint16_t gateway_port_;
  std::uint16_t base_port_;
  pid_t pid_ = -1;
};

http::Response send(const std::string& upstream, const std::string& method, const std::string& target,
                    const std::string& body = {}, http::Headers headers = {});

// Waits until reservation's replica knows the screening (it learns it from events, a few ms after
// movie): a seat that does not exist is then a 400 instead of a 404.
bool reservation_knows_screening(const std::string& gateway, std::int64_t screening_id);

// The value of one series in a Prometheus text page, e.g. `events_consumed_total{group="movie"}`;
// 0 when absent.
double counter_value(const std::string& metrics_page, const std::string& series);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
// Runs `command` with /bin/sh, e.g. "HTTP_PORT=x " CINEMA_BINARY " serve movie".
CommandResult run_command(const std::string& command);

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace cinema::testing
