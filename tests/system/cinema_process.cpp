#include "cinema_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

namespace cinema::testing {
namespace {
bool port_is_free(std::uint16_t port) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  return !ec;
}

// The first port the kernel hands out to outgoing connections (and to listeners on port 0, such as
// the Kafka mock cluster's brokers). Ports from that range can be taken by any connection between
// our check and the service's bind, so the blocks are chosen below it.
unsigned first_ephemeral_port() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  unsigned low = 0;
  if (range >> low && low > 21000) return low;
  return 32768;
}
}  // namespace

std::uint16_t free_port_block(int count) {
  std::mt19937 random(std::random_device{}());
  const unsigned span = first_ephemeral_port() - 20000 - static_cast<unsigned>(count);
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto first = static_cast<std::uint16_t>(20000 + random() % span);
    bool all_free = true;
    for (int i = 0; i < count && all_free; ++i) all_free = port_is_free(static_cast<std::uint16_t>(first + i));
    if (all_free) return first;
  }
  throw std::runtime_error("no block of free ports");
}

namespace {
// The NUL-separated arguments of a process.
std::vector<std::string> command_line(const std::filesystem::path& proc) {
  std::ifstream in(proc / "cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  return args;
}

pid_t parent_of(const std::filesystem::path& proc) {
  std::ifstream in(proc / "stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // "pid (comm) state ppid ...": the command may hold spaces and parentheses, so read after the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  pid_t ppid = -1;
  rest >> state >> ppid;
  return ppid;
}

template <typename Visit>
void each_process(Visit visit) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    visit(static_cast<pid_t>(std::stol(name)), entry.path());
  }
}
}  // namespace

pid_t find_supervisor(const std::filesystem::path& data_dir) {
  pid_t found = -1;
  each_process([&](pid_t pid, const std::filesystem::path& proc) {
    auto args = command_line(proc);
    if (args.size() < 2 || args[1] != "up") return;
    for (std::size_t i = 2; i + 1 < args.size(); ++i)
      if (args[i] == "--data" && args[i + 1] == data_dir.string()) found = pid;
  });
  return found;
}

std::vector<ServiceProcess> service_children(pid_t supervisor) {
  std::vector<ServiceProcess> children;
  each_process([&](pid_t pid, const std::filesystem::path& proc) {
    if (parent_of(proc) != supervisor) return;
    auto args = command_line(proc);
    if (args.size() >= 3 && args[1] == "serve") children.push_back({pid, args[2]});
  });
  return children;
}

std::vector<pid_t> CinemaProcess::pids_of(const std::string& service) const {
  std::vector<pid_t> pids;
  for (const auto& child : service_children(pid_))
    if (child.service == service) pids.push_back(child.pid);
  return pids;
}

CinemaProcess::CinemaProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), output_path_(data_dir_ / "up.out") {
  std::filesystem::create_directories(data_dir_);
  auto config = std::find(extra_args.begin(), extra_args.end(), "--config");
  if (config != extra_args.end() && std::next(config) != extra_args.end()) config_file_ = *std::next(config);
  constexpr int kAttempts = 5;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (start(extra_args)) {
      started_ = true;
      return;
    }
    std::cerr << "cinema up found a port taken; starting again on other ports\n";
  }
  throw std::runtime_error("cinema up found a port taken " + std::to_string(kAttempts) + " times; it printed:\n" +
                           output());
}

bool CinemaProcess::start(const std::vector<std::string>& extra_args) {
  gateway_port_ = free_port_block(1);
  // The services, a private PostgreSQL server at +9, second instances (--replicas) at +10...
  base_port_ = free_port_block(20);
  std::vector<std::string> args = {CINEMA_BINARY, "up", "--data", data_dir_.string(), "--port",
                                   std::to_string(gateway_port_), "--base-port", std::to_string(base_port_)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // The same system tests run once per bus backend (see tests/CMakeLists.txt).
  if (const char* bus = std::getenv("CINEMA_TEST_BUS")) args.insert(args.end(), {"--bus", bus});
  // ...and in the polyglot shape: some services on PostgreSQL (a private server of `cinema up`).
  const char* store = std::getenv("CINEMA_TEST_STORE");
  if (store && std::find(extra_args.begin(), extra_args.end(), "--store") == extra_args.end())
    args.insert(args.end(), {"--store", store});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int out = ::open(output_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(CINEMA_BINARY, argv.data());
    ::_exit(127);
  }
  ::close(out);
  bool up = false, gone = false;
  eventually([&] {
    up = output().find("cinema is up") != std::string::npos;
    gone = !up && exited();
    return up || gone;
  }, std::chrono::seconds(30));
  if (up) return true;
  auto printed = output();
  terminate();
  // A service that could not bind its port exits during start-up, and `cinema up` with it,
  // printing the end of that service's log.
  if (gone && printed.find("already in use") != std::string::npos) return false;
  throw std::runtime_error("cinema up did not become ready; it printed:\n" + printed);
}

bool CinemaProcess::exited() {
  if (pid_ <= 0) return true;
  if (::waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

CinemaProcess::~CinemaProcess() {
  if (pid_ > 0) stop();
}

int CinemaProcess::stop() {
  if (pid_ <= 0) return -1;
  if (started_ && skip_audit_reason_.empty() && !exited()) {
    started_ = false;  // audited once, even if stop() is called again
    auto result = audit();
    if (!result.clean())
      ADD_FAILURE() << "cinema audit of " << data_dir_.string() << " is not clean (exit code " << result.exit_code
                    << "):\n" << result.summary();
  }
  return terminate();
}

int CinemaProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

AuditResult CinemaProcess::audit(std::chrono::seconds wait) const {
  // Only the report on stdout: a Kafka client may log to stderr, which goes to a file of its own.
  auto errors = std::filesystem::temp_directory_path() / ("cinema-audit-stderr-" + std::to_string(::getpid()));
  auto command = event_bus_environment() + " " + CINEMA_BINARY + " audit --data '" + data_dir_.string() +
                 "' --json --wait " + std::to_string(wait.count());
  if (!config_file_.empty()) command += " --config '" + config_file_ + "'";
  auto run = run_command("(" + command + " 2>'" + errors.string() + "')");
  AuditResult result{run.exit_code, run.output, nlohmann::json::parse(run.output, nullptr, false)};
  if (result.report.is_discarded()) result.report = nullptr;
  std::ifstream logged(errors);
  result.output += std::string(std::istreambuf_iterator<char>(logged), {});
  std::filesystem::remove(errors);
  return result;
}

std::string AuditResult::summary() const {
  if (!report.is_object() || !report.contains("findings")) return output;
  std::string text;
  for (const auto& f : report["findings"])
    text += "  " + f.value("severity", "") + " " + f.value("check", "") + ": " + f.value("message", "") + "\n";
  return text;
}

std::string CinemaProcess::event_bus_environment() const {
  auto text = output();
  auto marker = text.find("events on Kafka ");
  if (marker == std::string::npos) return "DATA_DIR=" + data_dir_.string();
  auto start = marker + std::string("events on Kafka ").size();
  return "EVENT_BUS=kafka KAFKA_BROKERS=" + text.substr(start, text.find(' ', start) - start);
}

std::string CinemaProcess::output() const {
  std::ifstream in(output_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

http::Response send(const std::string& upstream, const std::string& method, const std::string& target,
                    const std::string& body, http::Headers headers) {
  if (!body.empty() && !headers.get("Content-Type")) headers.set("Content-Type", "application/json");
  http::Request request{.method = method, .target = target, .headers = std::move(headers), .body = body};
  return http::blocking_send(upstream, std::move(request), std::chrono::seconds(10));
}

bool reservation_knows_screening(const std::string& gateway, std::int64_t screening_id, const http::Headers& headers) {
  auto probe = R"({"screeningId":)" + std::to_string(screening_id) + R"(,"seats":["Z99"]})";
  return eventually([&] { return send(gateway, "POST", "/reservations", probe, headers).status == 400; });
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

double counter_value(const std::string& metrics_page, const std::string& series) {
  auto line = "\n" + series + " ";
  auto at = metrics_page.find(line);
  return at == std::string::npos ? 0 : std::stod(metrics_page.substr(at + line.size()));
}

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0;) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace cinema::testing
