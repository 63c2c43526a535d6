#include "cli/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/catalog.hpp"
#include "cli/private_postgres.hpp"
#include "cli/token_command.hpp"
#include "core/config.hpp"
#include "core/http/client.hpp"
#include "core/security/guard.hpp"
#include "events/kafka_mock_cluster.hpp"

extern char** environ;

namespace cinema::cli {
namespace {
using Clock = std::chrono::steady_clock;

struct Child {
  std::string service;
  int instance = 0;  // of the service, from 0
  std::uint16_t port = 0;
  std::string log_path;
  pid_t pid = -1;
  int restarts = 0;
  Clock::time_point started;
  Clock::time_point restart_at;
  bool selected = true;  // false: not started (--only), but its address is still handed out
};

// The address other processes use to reach a service listening on `options.host`.
std::string reachable_host(const UpOptions& options) { return options.host == "0.0.0.0" ? "127.0.0.1" : options.host; }

// "reservation", or "reservation-2" for its second instance: in messages and log file names.
std::string instance_name(const Child& child) {
  return child.instance == 0 ? child.service : fmt::format("{}-{}", child.service, child.instance + 1);
}

std::vector<std::string> child_environment(const UpOptions& options, const Child& child,
                                           const std::vector<Child>& children,
                                           const std::map<std::string, std::string>& database_urls) {
  auto url = database_urls.find(child.service);
  std::vector<std::pair<std::string, std::string>> overrides = {
      {"HTTP_HOST", options.host},
      {"HTTP_PORT", std::to_string(child.port)},
      {"DATA_DIR", options.data_dir},
      {"LOG_FILE", child.log_path},
      // Its own database, or none (SQLite): never a DATABASE_URL this process was given.
      {Config::env_name("database.url"), url == database_urls.end() ? "" : url->second},
  };
  if (!options.config_file.empty()) overrides.emplace_back("CINEMA_CONFIG", options.config_file);
  overrides.emplace_back(Config::env_name("security.mode"), options.security_mode);
  // HS256 keys: the one given, else the one this data directory keeps (made on its first run).
  auto secret_name = Config::env_name("security.jwt.secret");
  if (!process_environment(secret_name)) overrides.emplace_back(secret_name, data_dir_secret(options.data_dir, true));
  if (options.bus == "kafka") {
    overrides.emplace_back("EVENT_BUS", "kafka");
    overrides.emplace_back("KAFKA_BROKERS", options.kafka_brokers);
  }
  // Where each service is: the gateway's routes, and reservation's synchronous payment call; a
  // service with several instances is a list of them all.
  std::map<std::string, std::string> addresses;
  for (const auto& other : children) {
    if (other.service == "gateway") continue;
    auto& list = addresses[other.service];
    list += (list.empty() ? "" : ",") + fmt::format("{}:{}", reachable_host(options), other.port);
  }
  for (const auto& [service, list] : addresses) {
    overrides.emplace_back(Config::env_name("gateway.upstream." + service), list);
    if (service == "payment") overrides.emplace_back(Config::env_name("reservation.payment_upstream"), list);
  }
  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    std::string_view text(*entry);
    auto name = text.substr(0, text.find('='));
    if (std::none_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == name; }))
      environment.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) environment.push_back(name + "=" + value);
  return environment;
}

// fork + exec of this same binary. The child gets its own process group (Ctrl-C reaches only the
// supervisor, which stops children in order) and dies with the supervisor (PR_SET_PDEATHSIG).
pid_t spawn(const Child& child, const std::vector<std::string>& environment) {
  std::vector<char*> env;
  for (const auto& entry : environment) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  std::string service = child.service;
  char arg0[] = "cinema", arg1[] = "serve";
  char* argv[] = {arg0, arg1, service.data(), nullptr};
  int log_fd = ::open(child.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + child.log_path);
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

std::string log_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string out;
  for (auto i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    " + all[i] + "\n";
  return out;
}

bool is_ready(const UpOptions& options, const Child& child) {
  try {
    http::Request probe{.method = "GET", .target = "/actuator/health/readiness"};
    auto upstream = fmt::format("{}:{}", reachable_host(options), child.port);
    return http::blocking_send(upstream, std::move(probe), std::chrono::milliseconds(500)).status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

class Supervisor {
 public:
  explicit Supervisor(UpOptions options) : options_(std::move(options)) {
    if (options_.security_mode.empty())
      options_.security_mode = process_environment(Config::env_name("security.mode"))
                                   .value_or(security::is_loopback(options_.host) ? "dev" : "enforce");
    if (options_.bus == "kafka" && options_.kafka_brokers.empty()) {
      kafka_ = std::make_unique<events::MockKafkaCluster>(3);
      kafka_->create_topic("cinema", 3, 3);
      kafka_->create_topic("cinema.DLT", 1, 3);
      options_.kafka_brokers = kafka_->bootstraps();
    }
  }
  int run();

 private:
  void plan();
  void start(Child& child);
  bool wait_ready(Child& child);
  void reap(bool stopping);
  void restart_due();
  void stop_all();
  void print_summary() const;
  void open_databases();

  UpOptions options_;
  std::unique_ptr<events::MockKafkaCluster> kafka_;  // outlives the children, which stop first
  std::unique_ptr<PrivatePostgres> postgres_;        // likewise
  std::map<std::string, std::string> database_urls_;  // of the services on PostgreSQL
  std::vector<Child> children_;
};

void Supervisor::plan() {
  auto logs = std::filesystem::path(options_.data_dir) / "logs";
  std::filesystem::create_directories(logs);
  for (const auto& name : options_.only)
    if (!find_service(name)) throw ConfigError("--only: unknown service '" + name + "'");
  // Every service gets its port, started or not, so each address stays the same across runs
  // whatever --only says (a service not started is simply not there: connection refused).
  // Services keep their standard ports' order and spacing (movie 8081, reservation 8082, ...)
  // shifted to start at --base-port.
  constexpr int kFirstStandardPort = 8081;
  auto replicas = parse_replicas(options_.replicas);
  if (replicas.contains("gateway") && replicas["gateway"] != 1)
    throw ConfigError("--replicas: the gateway runs once (it is the one address clients know)");
  for (const auto& entry : service_catalog()) {
    int count = replicas.contains(entry.name) ? replicas[entry.name] : 1;
    for (int instance = 0; instance < count; ++instance) {
      Child child{.service = entry.name, .instance = instance};
      child.port = entry.name == "gateway" ? options_.gateway_port
                                           : static_cast<std::uint16_t>(options_.base_port + entry.default_port -
                                                                        kFirstStandardPort + 10 * instance);
      child.log_path = (logs / (instance_name(child) + ".log")).string();
      child.selected = options_.only.empty() ||
                       std::find(options_.only.begin(), options_.only.end(), entry.name) != options_.only.end();
      children_.push_back(child);
    }
  }
}

// Each service on PostgreSQL gets a database of its own, named after it, on the server given or
// on a private one; the URLs go to <data>/stores.json, where `cinema audit` finds them
// (audit::database_urls).
void Supervisor::open_databases() {
  auto stores_file = std::filesystem::path(options_.data_dir) / "stores.json";
  std::vector<std::string> names;
  for (const auto& [service, backend] : parse_store_choice(options_.store)) {
    auto child = std::find_if(children_.begin(), children_.end(), [&](const Child& c) { return c.service == service; });
    if (backend == "postgres" && child != children_.end() && child->selected) names.push_back(service);
  }
  if (names.empty()) {
    std::filesystem::remove(stores_file);
    return;
  }
  std::string admin = options_.postgres_url;
  if (admin.empty()) {
    auto port = options_.postgres_port ? options_.postgres_port : static_cast<std::uint16_t>(options_.base_port + 9);
    postgres_ = std::make_unique<PrivatePostgres>((std::filesystem::path(options_.data_dir) / "postgres").string(), port);
    admin = postgres_->url("postgres");
  }
  create_databases(admin, names);
  auto base = admin.substr(0, admin.rfind('/') + 1);
  nlohmann::json urls = nlohmann::json::object();
  for (const auto& name : names) urls[name] = database_urls_[name] = base + name;
  std::ofstream(stores_file, std::ios::trunc) << urls.dump(2) << "\n";
}

void Supervisor::start(Child& child) {
  child.pid = spawn(child, child_environment(options_, child, children_, database_urls_));
  child.started = Clock::now();
}

bool Supervisor::wait_ready(Child& child) {
  auto deadline = Clock::now() + std::chrono::milliseconds(options_.ready_timeout_ms);
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.pid = -1;
      std::cerr << fmt::format("cinema up: {} exited during start-up; its log ends with:\n{}", instance_name(child),
                               log_tail(child.log_path, 8));
      return false;
    }
    if (is_ready(options_, child)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::cerr << fmt::format("cinema up: {} not ready after {} ms; its log ends with:\n{}", instance_name(child),
                           options_.ready_timeout_ms, log_tail(child.log_path, 8));
  return false;
}

void Supervisor::reap(bool stopping) {
  int status = 0;
  for (pid_t pid; (pid = ::waitpid(-1, &status, WNOHANG)) > 0;) {
    auto child = std::find_if(children_.begin(), children_.end(), [pid](const Child& c) { return c.pid == pid; });
    if (child == children_.end()) continue;
    child->pid = -1;
    if (stopping) continue;
    // A child that ran for a minute starts its backoff again from the beginning.
    if (Clock::now() - child->started > std::chrono::minutes(1)) child->restarts = 0;
    auto backoff = std::chrono::milliseconds(std::min(30'000, 500 << std::min(child->restarts, 6)));
    ++child->restarts;
    child->restart_at = Clock::now() + backoff;
    auto how = WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                 : fmt::format("signal {}", WTERMSIG(status));
    std::cout << fmt::format("cinema up: {} stopped ({}); restarting in {} ms. Log tail:\n{}", instance_name(*child), how,
                             backoff.count(), log_tail(child->log_path, 5))
              << std::flush;
  }
}

void Supervisor::restart_due() {
  for (auto& child : children_) {
    if (!child.selected || child.pid != -1 || Clock::now() < child.restart_at) continue;
    start(child);
    std::cout << fmt::format("cinema up: {} restarted (pid {})\n", instance_name(child), child.pid) << std::flush;
  }
}

void Supervisor::stop_all() {
  for (auto& child : children_)
    if (child.pid > 0) ::kill(child.pid, SIGTERM);
  auto deadline = Clock::now() + std::chrono::milliseconds(options_.stop_grace_ms);
  auto running = [&] { return std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.pid > 0; }); };
  while (running() && Clock::now() < deadline) {
    reap(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& child : children_)
    if (child.pid > 0) {
      std::cerr << fmt::format("cinema up: {} did not stop in time; killing it\n", instance_name(child));
      ::kill(child.pid, SIGKILL);
      ::waitpid(child.pid, nullptr, 0);
    }
}

void Supervisor::print_summary() const {
  std::cout << fmt::format("cinema is up. Data in {}, logs in {}/logs\n", options_.data_dir, options_.data_dir);
  for (const auto& child : children_)
    if (child.selected)
      std::cout << fmt::format("  {:<14} http://{}:{:<6} pid {:<8} log {}\n", instance_name(child), options_.host, child.port,
                               child.pid, child.log_path);
  if (options_.bus == "kafka")
    std::cout << fmt::format("  events on Kafka {} ({}); watch: kcat -C -b {} -t cinema\n", options_.kafka_brokers,
                             kafka_ ? "mock cluster, in memory" : "external", options_.kafka_brokers);
  if (!database_urls_.empty()) {
    std::string where;
    for (const auto& [service, url] : database_urls_) where += (where.empty() ? "" : ", ") + service;
    std::cout << fmt::format("  on PostgreSQL ({}): {}; the others on SQLite files in {}\n",
                             postgres_ ? fmt::format("a private server on port {} in {}", postgres_->port(),
                                                     postgres_->directory())
                                       : "the server given",
                             where, options_.data_dir);
  }
  if (options_.security_mode == "dev")
    std::cout << "  security: dev. A request without a token acts as the customer it names (or a guest of its own)\n"
                 "  and may use manager routes, from loopback only. Tokens: cinema token --role manager --sub m1\n";
  else
    std::cout << "  security: enforce. Every request but the catalogue needs a token: cinema token --role customer --sub kim\n";
  std::cout << "Ctrl-C stops everything.\n" << std::flush;
}

int Supervisor::run() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&signals, signal);
  ::sigprocmask(SIG_BLOCK, &signals, nullptr);
  plan();
  open_databases();
  for (auto& child : children_)
    if (child.selected) start(child);
  for (auto& child : children_)
    if (child.selected && !wait_ready(child)) {
      stop_all();
      return 1;
    }
  print_summary();
  for (;;) {
    timespec tick{0, 200'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) break;
    reap(false);
    restart_due();
  }
  std::cout << "cinema up: stopping...\n" << std::flush;
  stop_all();
  std::cout << "cinema up: stopped\n";
  return 0;
}
}  // namespace

int run_up(const UpOptions& options) { return Supervisor(options).run(); }

std::map<std::string, int> parse_replicas(const std::string& value) {
  std::map<std::string, int> replicas;
  std::size_t start = 0;
  while (!value.empty() && start <= value.size()) {
    auto end = std::min(value.find(',', start), value.size());
    auto item = value.substr(start, end - start);
    auto equals = item.find('=');
    auto service = item.substr(0, equals);
    int count = 0;
    if (equals != std::string::npos) {
      auto digits = item.substr(equals + 1);
      if (!digits.empty() && digits.size() <= 2 && digits.find_first_not_of("0123456789") == std::string::npos)
        count = std::stoi(digits);
    }
    if (!find_service(service) || count < 1 || count > 9)
      throw ConfigError("--replicas: '" + item + "' is not <service>=<1..9> (e.g. reservation=2,payment=2)");
    replicas[service] = count;
    start = end + 1;
  }
  return replicas;
}

std::map<std::string, std::string> parse_store_choice(const std::string& value) {
  static const char* const kServicesWithData[] = {"movie", "reservation", "payment", "message", "viewpage"};
  std::map<std::string, std::string> choice;
  for (const auto* service : kServicesWithData) choice[service] = "sqlite";
  if (value == "sqlite" || value == "postgres") {
    for (auto& [service, backend] : choice) backend = value;
    return choice;
  }
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = std::min(value.find(',', start), value.size());
    auto item = value.substr(start, end - start);
    auto equals = item.find('=');
    auto service = item.substr(0, equals), backend = equals == std::string::npos ? "" : item.substr(equals + 1);
    if (!choice.contains(service) || (backend != "sqlite" && backend != "postgres"))
      throw ConfigError("--store: '" + item + "' is not <service>=sqlite|postgres (services: movie, reservation, "
                        "payment, message, viewpage), and '" + value + "' is not sqlite or postgres");
    choice[service] = backend;
    start = end + 1;
  }
  return choice;
}

}  // namespace cinema::cli
