#include "cli/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/catalog.hpp"
#include "cli/child_process.hpp"
#include "cli/private_postgres.hpp"
#include "cli/supervisor_control.hpp"
#include "core/config.hpp"
#include "core/security/guard.hpp"
#include "events/kafka_mock_cluster.hpp"

namespace cinema::cli {
namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Child : PlannedInstance {
  explicit Child(PlannedInstance planned) : PlannedInstance(std::move(planned)) {}
  pid_t pid = -1;
  int restarts = 0;
  Clock::time_point started;
  Clock::time_point restart_at;
  bool answered = false;     // its liveness probe answered since it started
  int liveness_misses = 0;   // probes in a row without an answer
};

std::string address_of(const UpOptions& options, const Child& child) {
  return fmt::format("{}:{}", reachable_host(options), child.port);
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
  void check_ports_free() const;
  pid_t spawn(const Child& child) const;
  void start(Child& child);
  bool wait_ready(Child& child, pid_t pid);
  void reap(bool stopping);
  void restart_due();
  void poll_liveness();
  void serve_control();
  bool rolling_restart(const std::string& service, const ControlRequest& request);
  bool wait_exit(pid_t pid, milliseconds grace);
  void stop_all();
  void print_summary() const;
  void open_databases();

  UpOptions options_;
  std::unique_ptr<events::MockKafkaCluster> kafka_;  // outlives the children, which stop first
  std::unique_ptr<PrivatePostgres> postgres_;        // likewise
  std::map<std::string, std::string> database_urls_;  // of the services on PostgreSQL
  std::vector<Child> children_;
  std::map<std::string, std::string> addresses_;  // of each service but the gateway, for the others
  std::unique_ptr<ControlSocket> control_;
  Clock::time_point next_liveness_round_;
};

void Supervisor::plan() {
  auto planned = plan_instances(options_);
  std::filesystem::create_directories(std::filesystem::path(options_.data_dir) / "logs");
  addresses_ = service_addresses(options_, planned);
  for (auto& instance : planned) children_.emplace_back(std::move(instance));
}

// Children listen with SO_REUSEPORT, so a port that another system holds the same way would be
// shared without an error: each is checked first.
void Supervisor::check_ports_free() const {
  for (const auto& child : children_)
    if (child.selected && !port_is_free(options_.host, child.port))
      throw std::runtime_error(fmt::format("port {} ({}) is already in use", child.port, instance_name(child)));
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

pid_t Supervisor::spawn(const Child& child) const {
  auto url = database_urls_.find(child.service);
  auto environment = child_environment(options_, child, addresses_, url == database_urls_.end() ? "" : url->second);
  return spawn_service(child.service, child.log_path, environment);
}

void Supervisor::start(Child& child) {
  child.pid = spawn(child);
  child.started = Clock::now();
  child.answered = false;
  child.liveness_misses = 0;
}

// Until `pid`, an instance of `child`, answers on its port that it is ready; false (with its log's
// end printed) when it exits or the start-up time runs out.
bool Supervisor::wait_ready(Child& child, pid_t pid) {
  auto deadline = Clock::now() + milliseconds(options_.ready_timeout_ms);
  while (Clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      if (child.pid == pid) child.pid = -1;
      std::cerr << fmt::format("cinema up: {} exited during start-up; its log ends with:\n{}", instance_name(child),
                               log_tail(child.log_path, 8));
      return false;
    }
    if (pid_is_ready(address_of(options_, child), pid, milliseconds(500))) {
      // It answered: from now on a missed liveness probe counts, without the start-up grace.
      if (child.pid == pid) child.answered = true;
      return true;
    }
    std::this_thread::sleep_for(milliseconds(20));
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
    auto backoff = milliseconds(std::min(30'000, 500 << std::min(child->restarts, 6)));
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

// A child whose loop hangs (or that was SIGSTOPped) still has its port: the kernel accepts its
// connections, nothing answers. After `liveness_failures` probes in a row without an answer it is
// killed; reap() then restarts it like a child that died. A child that never answered yet is given
// the start-up time first. Callers stop sending to it by its readiness (no answer) meanwhile.
void Supervisor::poll_liveness() {
  if (options_.liveness_interval_ms <= 0 || Clock::now() < next_liveness_round_) return;
  next_liveness_round_ = Clock::now() + milliseconds(options_.liveness_interval_ms);
  for (auto& child : children_) {
    if (child.pid <= 0) continue;
    auto status = probe_status(address_of(options_, child), "/actuator/health/liveness",
                               milliseconds(options_.liveness_timeout_ms));
    if (status == 200) {
      child.answered = true;
      child.liveness_misses = 0;
      continue;
    }
    if (!child.answered && Clock::now() - child.started < milliseconds(options_.ready_timeout_ms)) continue;
    if (++child.liveness_misses < options_.liveness_failures) continue;
    std::cout << fmt::format("cinema up: {} (pid {}) did not answer {} liveness probes in a row ({}); killing it\n",
                             instance_name(child), child.pid, child.liveness_misses,
                             status == 0 ? fmt::format("no answer in {} ms", options_.liveness_timeout_ms)
                                         : fmt::format("status {}", status))
              << std::flush;
    ::kill(child.pid, SIGKILL);
    child.liveness_misses = 0;
  }
}

void Supervisor::serve_control() {
  auto request = control_->next();
  if (!request) return;
  auto& line = request->line();
  if (!line.starts_with("restart ")) {
    request->reply("error: unknown request '" + line + "' (expected: restart <service>)");
    return;
  }
  if (rolling_restart(line.substr(8), *request)) request->reply("ok");
}

// Each running instance of `service` in turn: a new process on the same port (SO_REUSEPORT), which
// takes the new connections as soon as it listens; once it says it is ready, the old one gets
// SIGTERM and drains (readiness DOWN, in-flight requests answered with Connection: close).
bool Supervisor::rolling_restart(const std::string& service, const ControlRequest& request) {
  std::vector<Child*> instances;
  for (auto& child : children_)
    if (child.service == service && child.selected) instances.push_back(&child);
  if (instances.empty()) {
    request.reply(find_service(service) ? "error: " + service + " does not run in this system (--only)"
                                        : "error: unknown service '" + service + "'");
    return false;
  }
  for (auto* child : instances) {
    auto name = instance_name(*child);
    if (child->pid <= 0) {
      request.reply(name + ": not running (it restarts by itself); left as it is");
      continue;
    }
    auto began = Clock::now();
    pid_t old = child->pid, fresh = spawn(*child);
    if (!wait_ready(*child, fresh)) {
      ::kill(fresh, SIGKILL);
      ::waitpid(fresh, nullptr, 0);
      request.reply(fmt::format("error: {}: the new instance (pid {}) did not become ready; pid {} keeps serving "
                                "(log: {})", name, fresh, old, child->log_path));
      return false;
    }
    child->pid = fresh;
    child->started = Clock::now();
    child->restarts = 0;
    child->answered = true;
    child->liveness_misses = 0;
    ::kill(old, SIGTERM);
    bool drained = wait_exit(old, milliseconds(options_.stop_grace_ms));
    auto text = fmt::format("{}: pid {} -> pid {} ({} ms{})", name, old, fresh,
                            std::chrono::duration_cast<milliseconds>(Clock::now() - began).count(),
                            drained ? "" : "; the old one did not drain in time and was killed");
    std::cout << "cinema up: restarted " << text << "\n" << std::flush;
    request.reply(text);
  }
  return true;
}

// Waits until `pid` exited, killing it after `grace`; false when it had to be killed.
bool Supervisor::wait_exit(pid_t pid, milliseconds grace) {
  auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return false;
}

void Supervisor::stop_all() {
  for (auto& child : children_)
    if (child.pid > 0) ::kill(child.pid, SIGTERM);
  auto deadline = Clock::now() + milliseconds(options_.stop_grace_ms);
  auto running = [&] { return std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.pid > 0; }); };
  while (running() && Clock::now() < deadline) {
    reap(true);
    std::this_thread::sleep_for(milliseconds(10));
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
  control_ = std::make_unique<ControlSocket>(options_.data_dir);
  check_ports_free();
  open_databases();
  for (auto& child : children_)
    if (child.selected) start(child);
  for (auto& child : children_)
    if (child.selected && !wait_ready(child, child.pid)) {
      stop_all();
      return 1;
    }
  print_summary();
  for (;;) {
    timespec tick{0, 100'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) break;
    reap(false);
    restart_due();
    poll_liveness();
    serve_control();
  }
  std::cout << "cinema up: stopping...\n" << std::flush;
  stop_all();
  std::cout << "cinema up: stopped\n";
  return 0;
}
}  // namespace

int run_up(const UpOptions& options) { return Supervisor(options).run(); }

}  // namespace cinema::cli
