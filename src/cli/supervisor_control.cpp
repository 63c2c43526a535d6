#include "cli/supervisor_control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "cli/catalog.hpp"
#include "core/config.hpp"

namespace cinema::cli {
namespace {
std::string socket_path(const std::string& data_dir) {
  return (std::filesystem::absolute(data_dir) / "supervisor.sock").string();
}

// A Unix socket address holds ~107 bytes; a deeper data directory is reached through a
// descriptor of it (/proc/self/fd/N/supervisor.sock), which `directory` keeps open meanwhile.
sockaddr_un address_of(const std::string& path, int& directory) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string name = path;
  if (name.size() >= sizeof(address.sun_path)) {
    auto parent = std::filesystem::path(path).parent_path();
    directory = ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (directory < 0) throw std::runtime_error("cannot open " + parent.string() + ": " + std::strerror(errno));
    name = "/proc/self/fd/" + std::to_string(directory) + "/supervisor.sock";
  }
  std::memcpy(address.sun_path, name.c_str(), name.size() + 1);
  return address;
}

// A connected socket to the supervisor at `path`, or -1 (errno says why).
int connect_to(const std::string& path) {
  int directory = -1;
  auto address = address_of(path, directory);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int result = fd < 0 ? -1 : ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int error = errno;
  if (directory >= 0) ::close(directory);
  if (result != 0 && fd >= 0) ::close(fd);
  errno = error;
  return result == 0 ? fd : -1;
}

void send_all(int fd, const std::string& text) {
  for (std::size_t sent = 0; sent < text.size();) {
    auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}
}  // namespace

ControlRequest::~ControlRequest() { ::close(fd_); }

void ControlRequest::reply(const std::string& text) const { send_all(fd_, text + "\n"); }

ControlSocket::ControlSocket(const std::string& data_dir) : path_(socket_path(data_dir)) {
  int other = connect_to(path_);
  if (other >= 0) {
    ::close(other);
    throw std::runtime_error("another cinema up already runs on the data directory " + data_dir + " (it answers at " +
                             path_ + ")");
  }
  std::filesystem::remove(path_);  // left by a supervisor that did not stop cleanly
  int directory = -1;
  auto address = address_of(path_, directory);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  auto old_mask = ::umask(0077);  // the owner only: a request restarts services
  int bound = fd_ < 0 ? -1 : ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  int error = errno;
  ::umask(old_mask);
  if (directory >= 0) ::close(directory);
  if (bound != 0 || ::listen(fd_, 4) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot listen at " + path_ + ": " + std::strerror(error));
  }
}

ControlSocket::~ControlSocket() {
  ::close(fd_);
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

// The line must come whole within kLineTime of the connection, however it trickles in: the
// supervisor's loop reads it, and meanwhile restarts nothing (a client sending a byte every second
// held it for minutes). `cinema restart` writes its line at once.
std::unique_ptr<ControlRequest> ControlSocket::next() {
  int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return nullptr;
  constexpr auto kLineTime = std::chrono::milliseconds(200);
  auto deadline = std::chrono::steady_clock::now() + kLineTime;
  std::string line;
  for (char byte = 0; line.size() < 200;) {
    auto n = ::recv(fd, &byte, 1, 0);
    if (n == 1 && byte == '\n') break;
    if (n == 1) {
      line += byte;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (n == 0 || (errno != EAGAIN && errno != EINTR) || left.count() <= 0) break;
    pollfd readable{.fd = fd, .events = POLLIN, .revents = 0};
    ::poll(&readable, 1, static_cast<int>(left.count()));
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);  // replies are written whole
  return std::make_unique<ControlRequest>(fd, std::move(line));
}

int run_restart(const std::string& data_dir, const std::string& service) {
  if (!find_service(service)) throw ConfigError("unknown service '" + service + "'");
  auto path = socket_path(data_dir);
  int fd = connect_to(path);
  if (fd < 0) {
    std::cerr << "cinema restart: no cinema up runs on the data directory " << data_dir << " (nothing answers at "
              << path << ": " << std::strerror(errno) << ")\n";
    return 1;
  }
  send_all(fd, "restart " + service + "\n");
  std::string answer, last;
  char buffer[512];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    answer.append(buffer, static_cast<std::size_t>(n));
    for (auto end = answer.find('\n'); end != std::string::npos; end = answer.find('\n')) {
      last = answer.substr(0, end);
      answer.erase(0, end + 1);
      (last.starts_with("error:") ? std::cerr : std::cout) << last << "\n" << std::flush;
    }
  }
  ::close(fd);
  if (last.starts_with("ok")) return 0;
  if (last.empty()) std::cerr << "cinema restart: cinema up closed the connection without an answer\n";
  return 1;
}

}  // namespace cinema::cli
