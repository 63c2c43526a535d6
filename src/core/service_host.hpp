#pragma once
// The framework that owns the loop: it reads the common settings, builds the logger, metrics,
// HTTP client, router and actuator, lets a service register its parts through ServiceContext,
// then serves until SIGTERM/SIGINT and stops gracefully (drains requests, then stop hooks).
#include <utility>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/actuator.hpp"
#include "core/config.hpp"
#include "core/http/client.hpp"
#include "core/http/router.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace cinema::security {
struct Security;
}

namespace cinema {

// Settings every service reads (http.*, log.*, data.dir).
SettingGroup common_settings();

struct ServiceContext {
  const Config& config;
  Logger& log;
  MetricsRegistry& metrics;
  boost::asio::io_context& io;
  http::Client& client;
  http::Router& router;
  Actuator& actuator;
  security::Security& security;  // tokens, authenticators, this service's credential for peers
  std::string data_dir;  // created if missing
  // Runs after the HTTP server drained, before the process exits (flush, close stores).
  std::function<void(std::function<void()>)> on_stop;
  std::string service;  // "movie", "reservation", ...
};

class ServiceHost {
 public:
  ServiceHost(std::string service, const Config& config, std::uint16_t default_port);
  ~ServiceHost();
  ServiceContext& context() { return *context_; }
  // Serves until a stop signal; returns the process exit code.
  int run();

 private:
  std::string service_;
  const Config& config_;
  std::uint16_t default_port_;
  boost::asio::io_context io_;
  std::unique_ptr<Logger> log_;
  MetricsRegistry metrics_;
  std::unique_ptr<http::Client> client_;
  http::Router router_;
  std::unique_ptr<Actuator> actuator_;
  std::unique_ptr<security::Security> security_;
  std::vector<std::function<void()>> stop_hooks_;
  std::unique_ptr<ServiceContext> context_;
};

}  // namespace cinema
