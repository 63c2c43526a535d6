#include "core/service_host.hpp"

#include <filesystem>
#include <thread>

#include <boost/asio.hpp>

#include "core/http/instances.hpp"
#include "core/http/server.hpp"
#include "core/security/guard.hpp"
#include "core/thread_role.hpp"

namespace cinema {
namespace {
constexpr const char* kVersion = "0.1.0";

http::ServerOptions server_options(const Config& config, std::uint16_t default_port) {
  auto port = config.integer("http.port");
  return http::ServerOptions{
      .host = config.text("http.host"),
      .port = static_cast<std::uint16_t>(port == 0 ? default_port : port),
      .body_limit = static_cast<std::size_t>(config.integer("http.body_limit_bytes")),
      .header_timeout = std::chrono::milliseconds(config.integer("http.header_timeout_ms")),
      .idle_timeout = std::chrono::milliseconds(config.integer("http.idle_timeout_ms")),
      .shutdown_grace = std::chrono::milliseconds(config.integer("http.shutdown_grace_ms")),
      .reuse_port = config.boolean("http.reuse_port"),
      .shutdown_handover = std::chrono::milliseconds(config.integer("http.shutdown_handover_ms")),
      .threads = static_cast<int>(config.integer("http.threads")),
  };
}

LogOptions log_options(const Config& config) {
  return LogOptions{.min_level = parse_log_level(config.text("log.level")),
                    .path = config.text("log.file"),
                    .max_file_bytes = static_cast<std::uint64_t>(config.integer("log.max_file_mb")) << 20,
                    .max_files = static_cast<int>(config.integer("log.max_files"))};
}
}  // namespace

SettingGroup common_settings() {
  using T = SettingType;
  SettingGroup group{
      "Every service",
      {
          {"http.host", T::string, "0.0.0.0", "Address the service listens on."},
          {"http.port", T::integer, "0", "Port; 0 means the service's standard port (gateway 8088, movie 8081, reservation 8082, payment 8083, message 8084, viewpage 8085).",
           0, 65535},
          {"http.threads", T::integer, "1", "Threads running the event loop.", 1, 64},
          {"http.body_limit_bytes", T::integer, "1048576", "Largest accepted request body; larger is 413.", 1,
           1 << 30},
          {"http.header_timeout_ms", T::integer, "10000", "Time allowed to receive one whole request.", 1, 3'600'000},
          {"http.idle_timeout_ms", T::integer, "30000", "How long a keep-alive connection may wait for a request.",
           1, 3'600'000},
          {"http.shutdown_grace_ms", T::integer, "10000",
           "On SIGTERM, how long in-flight requests may take before the process exits.", 0, 3'600'000},
          {"http.reuse_port", T::boolean, "false",
           "Listen with SO_REUSEPORT, so a replacement process can listen on the same port and take its new "
           "connections (cinema up sets it for `cinema restart`); two systems on one port then go unnoticed."},
          {"http.shutdown_handover_ms", T::integer, "250",
           "With http.reuse_port, how long a stopping service still accepts and answers (with Connection: close) "
           "before it closes its listener and idle connections, so that kept-alive clients move over cleanly.",
           0, 60'000},
          {"cpu.background_nice", T::integer, "10",
           "Niceness added to the threads of background work (outbox relay, event consumers, message "
           "dispatch, checkpoints): on shared cores they give way to the threads answering requests, and "
           "run as before when cores are idle. 0 leaves them at the service's priority.",
           0, 19},
          {"data.dir", T::string, "./data", "Directory of the service's database files."},
          {"data.synchronous", T::string, "normal",
           "When SQLite files reach the disk. normal: at checkpoints, every 200 ms; a commit survives a crash "
           "of the process, a power loss may take the last ones. full: at every commit, which survives power loss "
           "and costs an fsync per commit.",
           0, INT64_MAX, {"normal", "full"}},
          {"database.url", T::string, "",
           "PostgreSQL database of the service (postgresql://user@host:port/name); empty: its SQLite file in "
           "data.dir. Each service has its own (env DATABASE_URL in its process)."},
          {"database.pool_size", T::integer, "1",
           "Connections to database.url, each with a thread making its round trips off the event loop: "
           "that many requests read or commit at once (commit groups one at a time). On 2 cores more "
           "threads measured slower (docs/PERFORMANCE.md).",
           1, 64},
          {"log.level", T::string, "info", "Lowest level written.", 0, INT64_MAX, {"debug", "info", "warn", "error"}},
          {"log.file", T::string, "", "Log file (JSON lines); empty writes to standard error."},
          {"log.max_file_mb", T::integer, "10",
           "A log file past this size is renamed <file>.1 (older ones shift to .2, ...) and a new one started; "
           "0 never rotates. Standard error (no log.file) is left to whoever collects it.",
           0, 1000000},
          {"log.max_files", T::integer, "5",
           "Rotated log files kept besides the current one; the oldest is deleted. The logs of a process "
           "take at most (log.max_files + 1) x log.max_file_mb.",
           0, 1000},
      }};
  for (auto& setting : security::security_settings().settings) group.settings.push_back(std::move(setting));
  for (auto& setting : http::outlier_setting_specs()) group.settings.push_back(std::move(setting));
  return group;
}

ServiceHost::ServiceHost(std::string service, const Config& config, std::uint16_t default_port)
    : service_(std::move(service)),
      config_(config),
      default_port_(default_port),
      io_(static_cast<int>(config.integer("http.threads"))),
      log_(std::make_unique<Logger>(service_, log_options(config))),
      client_(std::make_unique<http::Client>(io_)),
      actuator_(std::make_unique<Actuator>(InstanceInfo{service_, kVersion, 0}, metrics_)),
      security_(std::make_unique<security::Security>(security::security_options(config), service_)) {
  // Before the service builds its relay and consumers: their threads read it as they start.
  set_background_niceness(static_cast<int>(config.integer("cpu.background_nice")));
  security::check_mode_fits_address(security_->options.mode, config.text("http.host"));
  // Behind the gateway by default; the gateway puts its own, end users', authenticator in place.
  router_.set_authenticator(&security_->peer);
  auto data_dir = config.text("data.dir");
  std::filesystem::create_directories(data_dir);
  context_ = std::make_unique<ServiceContext>(ServiceContext{
      config_, *log_, metrics_, io_, *client_, router_, *actuator_, *security_, data_dir,
      [this](std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }, service_});
}

ServiceHost::~ServiceHost() = default;

int ServiceHost::run() {
  actuator_->register_routes(router_);
  http::Server server(io_, server_options(config_, default_port_), router_, *log_, metrics_);
  auto port = server.start();
  actuator_->set_port(port);
  log_->info("listening", {{"port", std::int64_t{port}}, {"threads", config_.integer("http.threads")},
                           {"version", kVersion}, {"security", config_.text("security.mode")}});

  boost::asio::signal_set signals(io_, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log_->info("stopping", {{"signal", std::int64_t{signal}}, {"inFlight", std::int64_t(server.in_flight())}});
    actuator_->set_draining();
    server.stop([this] {
      for (auto& hook : stop_hooks_) hook();
      io_.stop();
    });
  });

  std::vector<std::thread> extra_threads;
  for (auto i = 1; i < config_.integer("http.threads"); ++i) extra_threads.emplace_back([this] {
      name_this_thread("loop");
      io_.run();
    });
  io_.run();
  for (auto& thread : extra_threads) thread.join();
  log_->info("stopped");
  return 0;
}

}  // namespace cinema
