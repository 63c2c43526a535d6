#pragma once
// System-tier fixture: runs the real `cinema up` binary as a child process on free ports with a
// private data directory, and talks to it over real HTTP. Every system ends audited: before it is
// stopped, `cinema audit` must find its data consistent, or the current test fails.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/http/client.hpp"

namespace cinema::testing {

// Where each service listens: its offset from `cinema up --base-port`; the k-th extra instance
// (--replicas) listens on its first one's port + 10 k.
constexpr int kMovie = 0, kReservation = 1, kPayment = 2, kMessage = 3, kViewpage = 4, kSecondInstance = 10;

// A block of `count` consecutive free TCP ports on 127.0.0.1 (free when checked: another process
// may take one before it is bound, which CinemaProcess survives by starting again elsewhere).
std::uint16_t free_port_block(int count);

// What `cinema audit --json` said of a data directory.
struct AuditResult {
  int exit_code = -1;      // 0 clean, 1 not clean, 2 usage error
  std::string output;      // stdout and stderr
  nlohmann::json report;   // the parsed report; null when the output was not JSON
  [[nodiscard]] bool clean() const { return exit_code == 0 && report.is_object() && report.value("clean", false); }
  // One line per finding ("error seat_double_booked: ..."), or the output when it was not a report.
  [[nodiscard]] std::string summary() const;
};

// A service process of a running `cinema up`: one of its children.
struct ServiceProcess {
  pid_t pid = -1;
  std::string service;  // from its command line, `cinema serve <service>`
};

// The `cinema up` whose command line names `data_dir`; -1 if none.
pid_t find_supervisor(const std::filesystem::path& data_dir);
// The children of `supervisor` (ppid in /proc/<pid>/stat) that serve a service.
std::vector<ServiceProcess> service_children(pid_t supervisor);

class CinemaProcess {
 public:
  // Starts `cinema up` and waits until it reports every service ready; when a service could not
  // bind its port (taken since it was found free), starts again on other ports.
  explicit CinemaProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  // Stops the system (audited first, like stop()).
  ~CinemaProcess();
  CinemaProcess(const CinemaProcess&) = delete;
  CinemaProcess& operator=(const CinemaProcess&) = delete;

  // Audits the running system (unless skip_audit() was called), failing the current test when the
  // audit is not clean, then SIGTERM and wait; returns the exit code (or 128 + signal).
  int stop();
  // `cinema audit --data <data dir> --json --wait <wait>` on this system's data and event bus.
  [[nodiscard]] AuditResult audit(std::chrono::seconds wait = std::chrono::seconds(30)) const;
  // For a test that leaves the system inconsistent on purpose: stop() does not audit. Say why.
  void skip_audit(std::string reason) { skip_audit_reason_ = std::move(reason); }
  [[nodiscard]] std::string gateway() const { return "127.0.0.1:" + std::to_string(gateway_port_); }
  [[nodiscard]] std::string service(int index) const { return "127.0.0.1:" + std::to_string(base_port_ + index); }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_dir_; }
  // The processes serving `service` now (every instance; a restarted one has a new pid).
  [[nodiscard]] std::vector<pid_t> pids_of(const std::string& service) const;
  [[nodiscard]] std::string output() const;  // what `cinema up` printed
  // Environment assignments for `cinema events` to read this system's bus (embedded or Kafka).
  [[nodiscard]] std::string event_bus_environment() const;

 private:
  // Starts `cinema up` once on fresh ports; false when a port was taken meanwhile.
  bool start(const std::vector<std::string>& extra_args);
  [[nodiscard]] bool exited();  // reaps the child if it is gone
  int terminate();              // SIGTERM and wait, no audit

  std::filesystem::path data_dir_;
  std::filesystem::path output_path_;
  std::uint16_t gateway_port_ = 0;
  std::uint16_t base_port_ = 0;
  pid_t pid_ = -1;
  bool started_ = false;  // audited at stop only once it was up
  std::string config_file_;  // --config of `cinema up`, given to `cinema audit` too
  std::string skip_audit_reason_;
};

http::Response send(const std::string& upstream, const std::string& method, const std::string& target,
                    const std::string& body = {}, http::Headers headers = {});

// Waits until reservation's replica knows the screening (it learns it from events, a few ms after
// movie): a seat that does not exist is then a 400 instead of a 404. `headers`: a token, in enforce mode.
bool reservation_knows_screening(const std::string& gateway, std::int64_t screening_id,
                                 const http::Headers& headers = {});

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
