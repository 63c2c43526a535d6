#include "core/actuator.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "core/metrics.hpp"

namespace cinema {
namespace {
using json::Json;

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof(name) - 1);
  return name;
}

Json component(const std::string& problem) {
  if (problem.empty()) return Json{{"status", "UP"}};
  return Json{{"status", "DOWN"}, {"reason", problem}};
}
}  // namespace

Actuator::Actuator(InstanceInfo info, MetricsRegistry& metrics) : info_(std::move(info)), metrics_(metrics) {
  metrics_.gauge("process_resident_memory_bytes", "Resident memory size in bytes", {}, process_resident_bytes);
  auto started = std::chrono::duration<double>(started_.time_since_epoch()).count();
  metrics_.gauge("process_start_time_seconds", "Start time of the process since the epoch", {},
                 [started] { return started; });
  metrics_.gauge("cinema_forced_down", "1 while PUT /actuator/down is in effect", {},
                 [this] { return forced_down_ ? 1.0 : 0.0; });
}

void Actuator::add_readiness_check(std::string name, std::function<std::string()> check) {
  checks_.emplace_back(std::move(name), std::move(check));
}

void Actuator::register_routes(http::Router& router) {
  router.add_sync("GET", "/actuator/health", http::Access::open, [this](http::Request&) { return health(true); });
  router.add_sync("GET", "/actuator/health/liveness", http::Access::open, [this](http::Request&) { return health(false); });
  router.add_sync("GET", "/actuator/health/readiness", http::Access::open, [this](http::Request&) { return readiness(); });
  router.add_sync("GET", "/actuator/echo", http::Access::open, [this](http::Request&) { return echo(); });
  router.add_sync("GET", "/actuator/info", http::Access::open, [this](http::Request&) { return info(); });
  router.add_sync("PUT", "/actuator/down", http::Access::manager, [this](http::Request&) { return set_down(true); });
  router.add_sync("PUT", "/actuator/up", http::Access::manager, [this](http::Request&) { return set_down(false); });
  auto metrics = [this](http::Request&) {
    http::Response response{.status = 200, .headers = {}, .body = metrics_.render()};
    response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return response;
  };
  router.add_sync("GET", "/metrics", http::Access::open, metrics);
  router.add_sync("GET", "/actuator/prometheus", http::Access::open, metrics);
}

http::Response Actuator::health(bool include_readiness) const {
  // Liveness answers "is the process working": a forced DOWN or a failed dependency is a
  // readiness matter, so /actuator/health/liveness stays UP and the pod is not restarted for it.
  // Probes ask it often, and its answer never changes: built once.
  static const std::string live =
      json::dump(Json{{"status", "UP"}, {"components", Json{{"liveness", component("")}}}});
  if (!include_readiness) return http::Response::json(200, live);
  auto ready = readiness();
  bool up = ready.status == 200;
  Json body{{"status", up ? "UP" : "DOWN"},
            {"components", Json{{"liveness", component("")}, {"readiness", Json::parse(ready.body)}}}};
  return http::Response::json(up ? 200 : 503, json::dump(body));
}

http::Response Actuator::readiness() const {
  Json details = Json::object();
  bool up = !forced_down_ && !draining_;
  if (forced_down_) details["forced"] = component("PUT /actuator/down");
  if (draining_) details["draining"] = component("stopping: finishing its requests");
  for (const auto& [name, check] : checks_) {
    auto problem = check();
    up = up && problem.empty();
    details[name] = component(problem);
  }
  Json body{{"status", up ? "UP" : "DOWN"}, {"details", details}};
  return http::Response::json(up ? 200 : 503, json::dump(body));
}

http::Response Actuator::echo() const {
  Json body{{"service", info_.service}, {"host", host_name()}, {"port", info_.port}, {"pid", ::getpid()}};
  return http::Response::json(200, json::dump(body));
}

http::Response Actuator::info() const {
  auto uptime = std::chrono::duration<double>(std::chrono::system_clock::now() - started_).count();
  Json body{{"service", info_.service}, {"version", info_.version}, {"host", host_name()},
            {"port", info_.port},       {"pid", ::getpid()},        {"uptimeSeconds", uptime},
            {"residentMemoryBytes", process_resident_bytes()}};
  return http::Response::json(200, json::dump(body));
}

http::Response Actuator::set_down(bool down) {
  forced_down_ = down;
  return http::Response::json(200, json::dump(Json{{"status", down ? "DOWN" : "UP"}}));
}

}  // namespace cinema
