#pragma once
// How `cinema restart` reaches the `cinema up` running on a data directory: a Unix socket,
// <data>/supervisor.sock, readable and writable by its owner only. A request is one line
// ("restart reservation"); the supervisor answers with lines of progress and a last line that
// starts with "ok" or "error:". One request at a time, handled between the supervisor's rounds.
#include <memory>
#include <optional>
#include <string>

namespace cinema::cli {

// One accepted request; the connection closes when it is destroyed.
class ControlRequest {
 public:
  ControlRequest(int fd, std::string line) : fd_(fd), line_(std::move(line)) {}
  ~ControlRequest();
  ControlRequest(const ControlRequest&) = delete;
  ControlRequest& operator=(const ControlRequest&) = delete;
  [[nodiscard]] const std::string& line() const { return line_; }
  // Sends one line of the answer; a client that went away is ignored.
  void reply(const std::string& text) const;

 private:
  int fd_;
  std::string line_;
};

// The supervisor's side.
class ControlSocket {
 public:
  // Listens at <data_dir>/supervisor.sock; throws std::runtime_error when a supervisor already
  // answers there (two systems on one data directory would share its files).
  explicit ControlSocket(const std::string& data_dir);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  // A request waiting to be handled, if any (never blocks for long: a client has 200 ms to send its line).
  std::unique_ptr<ControlRequest> next();

 private:
  std::string path_;
  int fd_ = -1;
};

// `cinema restart <service> --data DIR`: sends the request, prints the answer; the exit code.
int run_restart(const std::string& data_dir, const std::string& service);

}  // namespace cinema::cli
