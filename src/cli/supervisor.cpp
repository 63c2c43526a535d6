#include "cli/supervisor.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <optional>
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

// Whether the child process `pid` exited (reaped here, or already by reap(): then it is no child
// of ours any more).
bool exited(pid_t pid) {
  auto reaped = ::waitpid(pid, nullptr, WNOHANG);
  return reaped == pid || (reaped < 0 && errno == ECHILD);
}

// Kills the child process `pid` and reaps it, unless it exited already.
void kill_and_reap(pid_t pid) {
  if (exited(pid)) return;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

// One round of liveness probes, sent to every child at once on threads of their own so that a
// frozen child costs the round one timeout, not one each; the supervisor's loop goes on meanwhile.
struct LivenessRound {
  std::vector<std::pair<std::size_t, pid_t>> probed;  // index in children_, and the pid probed
  std::future<std::vector<int>> statuses;             // HTTP status of each (0: no answer)
};

// A rolling restart in progress (`cinema restart`), advanced a step per round of the loop, so that
// crashed children are restarted and frozen ones killed while it waits for an instance.
struct RollingRestart {
  std::unique_ptr<ControlRequest> request;
  std::vector<std::size_t> instances;  // indexes in children_, replaced in this order
  std::size_t next = 0;                // the instance being replaced
  enum class Phase { between, starting, draining } phase = Phase::between;
  pid_t fresh = -1;     // starting: its new process, until it is ready
  pid_t draining = -1;  // draining: its old process (-1: none), until it exited
  pid_t replaced = -1;  // the pid it had when its replacement began
  Clock::time_point began, deadline;  // of this instance's replacement, and of the current phase
};

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
  void judge_liveness(Child& child, int status);
  void serve_control();
  void advance_restart();
  pid_t abandon_restart();
  void stop_all(pid_t draining = -1);
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
  std::optional<LivenessRound> liveness_;
  std::optional<RollingRestart> restart_;
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
    if (exited(pid)) {
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
  if (liveness_) {
    if (liveness_->statuses.wait_for(milliseconds(0)) != std::future_status::ready) return;
    auto statuses = liveness_->statuses.get();
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      auto [index, pid] = liveness_->probed[i];
      // A child restarted since it was probed is judged by the next round.
      if (children_[index].pid == pid) judge_liveness(children_[index], statuses[i]);
    }
    liveness_.reset();
  }
  if (options_.liveness_interval_ms <= 0 || Clock::now() < next_liveness_round_) return;
  next_liveness_round_ = Clock::now() + milliseconds(options_.liveness_interval_ms);
  LivenessRound round;
  std::vector<std::string> addresses;
  for (std::size_t index = 0; index < children_.size(); ++index)
    if (children_[index].pid > 0) {
      round.probed.emplace_back(index, children_[index].pid);
      addresses.push_back(address_of(options_, children_[index]));
    }
  round.statuses = std::async(std::launch::async, [addresses, timeout = milliseconds(options_.liveness_timeout_ms)] {
    std::vector<std::future<int>> probes;
    for (const auto& address : addresses)
      probes.push_back(std::async(std::launch::async, probe_status, address, "/actuator/health/liveness", timeout));
    std::vector<int> statuses;
    for (auto& probe : probes) statuses.push_back(probe.get());
    return statuses;
  });
  liveness_ = std::move(round);
}

void Supervisor::judge_liveness(Child& child, int status) {
  if (status == 200) {
    child.answered = true;
    child.liveness_misses = 0;
    return;
  }
  if (!child.answered && Clock::now() - child.started < milliseconds(options_.ready_timeout_ms)) return;
  if (++child.liveness_misses < options_.liveness_failures) return;
  std::cout << fmt::format("cinema up: {} (pid {}) did not answer {} liveness probes in a row ({}); killing it\n",
                           instance_name(child), child.pid, child.liveness_misses,
                           status == 0 ? fmt::format("no answer in {} ms", options_.liveness_timeout_ms)
                                       : fmt::format("status {}", status))
            << std::flush;
  ::kill(child.pid, SIGKILL);
  child.liveness_misses = 0;
}

// Requests wait on the socket while a restart runs: one at a time.
void Supervisor::serve_control() {
  if (restart_) return;
  auto request = control_->next();
  if (!request) return;
  auto& line = request->line();
  if (!line.starts_with("restart ")) {
    request->reply("error: unknown request '" + line + "' (expected: restart <service>)");
    return;
  }
  auto service = line.substr(8);
  RollingRestart restart;
  for (std::size_t index = 0; index < children_.size(); ++index)
    if (children_[index].service == service && children_[index].selected) restart.instances.push_back(index);
  if (restart.instances.empty()) {
    request->reply(find_service(service) ? "error: " + service + " does not run in this system (--only)"
                                         : "error: unknown service '" + service + "'");
    return;
  }
  restart.request = std::move(request);
  restart_ = std::move(restart);
  advance_restart();
}

// Each running instance of the service in turn: a new process on the same port (SO_REUSEPORT),
// which takes the new connections as soon as it listens; once it says it is ready, the old one gets
// SIGTERM and drains (readiness DOWN, in-flight requests answered with Connection: close). Each call
// does what is due and returns; the loop calls again next round.
void Supervisor::advance_restart() {
  if (!restart_) return;
  auto& job = *restart_;
  if (job.phase == RollingRestart::Phase::starting) {
    auto& child = children_[job.instances[job.next]];
    if (exited(job.fresh) || Clock::now() >= job.deadline) {
      kill_and_reap(job.fresh);
      job.request->reply(fmt::format("error: {}: the new instance (pid {}) did not become ready; pid {} keeps serving "
                                     "(log: {}, which ends with:\n{})", instance_name(child), job.fresh, child.pid,
                                     child.log_path, log_tail(child.log_path, 8)));
      restart_.reset();
      return;
    }
    if (!pid_is_ready(address_of(options_, child), job.fresh, milliseconds(200))) return;
    // To drain: the instance serving now, the one the restart began with or, if that one died
    // meanwhile, whatever reap() and restart_due() put in its place (none yet: nothing to drain).
    job.draining = child.pid;
    child.pid = job.fresh;
    child.started = Clock::now();
    child.restarts = 0;
    child.answered = true;
    child.liveness_misses = 0;
    if (job.draining > 0) ::kill(job.draining, SIGTERM);
    job.deadline = Clock::now() + milliseconds(options_.stop_grace_ms);
    job.phase = RollingRestart::Phase::draining;
  }
  if (job.phase == RollingRestart::Phase::draining) {
    auto& child = children_[job.instances[job.next]];
    bool drained = job.draining <= 0 || exited(job.draining);
    if (!drained && Clock::now() < job.deadline) return;
    if (!drained) kill_and_reap(job.draining);
    auto text = fmt::format("{}: pid {} -> pid {} ({} ms{})", instance_name(child), job.replaced, child.pid,
                            std::chrono::duration_cast<milliseconds>(Clock::now() - job.began).count(),
                            drained ? "" : "; the old one did not drain in time and was killed");
    std::cout << "cinema up: restarted " << text << "\n" << std::flush;
    job.request->reply(text);
    ++job.next;
  }
  for (; job.next < job.instances.size(); ++job.next) {
    auto& child = children_[job.instances[job.next]];
    if (child.pid > 0) {
      job.began = Clock::now();
      job.replaced = child.pid;
      job.fresh = spawn(child);
      job.deadline = job.began + milliseconds(options_.ready_timeout_ms);
      job.phase = RollingRestart::Phase::starting;
      return;
    }
    job.request->reply(instance_name(child) + ": not running (it restarts by itself); left as it is");
  }
  job.request->reply("ok");
  restart_.reset();
}

// Stopping mid-restart: the new process does not serve yet and is killed; the old one, already
// draining, is returned to be waited for with the others.
pid_t Supervisor::abandon_restart() {
  if (!restart_) return -1;
  if (restart_->phase == RollingRestart::Phase::starting) kill_and_reap(restart_->fresh);
  pid_t draining = restart_->phase == RollingRestart::Phase::draining ? restart_->draining : -1;
  restart_->request->reply("error: cinema up is stopping");
  restart_.reset();
  return draining;
}

// Every child gets SIGTERM at once and the same stop time (as does `draining`, the old process of
// an abandoned restart, already told to stop); what is left after it is killed.
void Supervisor::stop_all(pid_t draining) {
  for (auto& child : children_)
    if (child.pid > 0) ::kill(child.pid, SIGTERM);
  auto deadline = Clock::now() + milliseconds(options_.stop_grace_ms);
  auto running = [&] {
    if (draining > 0 && exited(draining)) draining = -1;
    return draining > 0 || std::any_of(children_.begin(), children_.end(), [](const Child& c) { return c.pid > 0; });
  };
  while (running() && Clock::now() < deadline) {
    reap(true);
    std::this_thread::sleep_for(milliseconds(10));
  }
  if (draining > 0) kill_and_reap(draining);
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
    // A restart in progress is looked at more often: each of its steps waits for the next round.
    timespec tick{0, restart_ ? 20'000'000 : 100'000'000};
    int signal = ::sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) break;
    reap(false);
    restart_due();
    poll_liveness();
    advance_restart();
    serve_control();
  }
  std::cout << "cinema up: stopping...\n" << std::flush;
  stop_all(abandon_restart());
  std::cout << "cinema up: stopped\n";
  return 0;
}
}  // namespace

int run_up(const UpOptions& options) { return Supervisor(options).run(); }

}  // namespace cinema::cli
