#include "cli/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <utility>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

#include "core/http/client.hpp"

namespace cinema::cli {
namespace asio = boost::asio;

pid_t spawn_service(const std::string& service, const std::string& log_path, const std::vector<std::string>& environment) {
  std::vector<char*> env;
  for (const auto& entry : environment) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  std::string name = service;
  char arg0[] = "cinema", arg1[] = "serve";
  char* argv[] = {arg0, arg1, name.data(), nullptr};
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve("/proc/self/exe", argv, env.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

int probe_status(const std::string& address, const std::string& target, std::chrono::milliseconds timeout) {
  try {
    return http::blocking_send(address, http::Request{.method = "GET", .target = target}, timeout).status;
  } catch (const std::exception&) {
    return 0;
  }
}

namespace {
// A plain function, not a lambda: GCC 12 mishandles temporaries in a lambda coroutine's co_await.
asio::awaitable<bool> answers_ready(http::Client& client, std::string address, pid_t pid) {
  http::Request echo_request{.method = "GET", .target = "/actuator/echo"};
  auto echo = co_await client.send(address, std::move(echo_request));
  auto body = nlohmann::json::parse(echo.body, nullptr, false);
  if (echo.status != 200 || !body.is_object() || body.value("pid", -1) != pid) co_return false;
  // The client pools the connection the echo came on, so the readiness comes from the same process.
  http::Request readiness_request{.method = "GET", .target = "/actuator/health/readiness"};
  auto readiness = co_await client.send(address, std::move(readiness_request));
  co_return readiness.status == 200;
}
}  // namespace

bool pid_is_ready(const std::string& address, pid_t pid, std::chrono::milliseconds timeout) {
  asio::io_context io;
  http::Client client(io, http::ClientOptions{.connect_timeout = timeout, .request_timeout = timeout});
  try {
    auto answer = asio::co_spawn(io, answers_ready(client, address, pid), asio::use_future);
    io.run();
    return answer.get();
  } catch (const std::exception&) {
    return false;
  }
}

bool port_is_free(const std::string& host, std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  return !ec;
}

std::string log_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (auto i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
}

}  // namespace cinema::cli
