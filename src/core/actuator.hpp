#pragma once
// The operational endpoints of every service (SPEC.md §2): health with liveness and readiness,
// echo (which instance answered), PUT /actuator/down|up (report DOWN on purpose, to exercise probes
// and outlier ejection), info, and Prometheus metrics at /metrics.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/http/router.hpp"

namespace cinema {
class MetricsRegistry;

struct InstanceInfo {
  std::string service;
  std::string version;
  std::uint16_t port = 0;
};

class Actuator {
 public:
  Actuator(InstanceInfo info, MetricsRegistry& metrics);
  // A readiness check returns an empty string when healthy, otherwise why it is not.
  void add_readiness_check(std::string name, std::function<std::string()> check);
  void register_routes(http::Router& router);
  void set_port(std::uint16_t port) { info_.port = port; }
  [[nodiscard]] bool forced_down() const { return forced_down_; }
  // From SIGTERM on, readiness is DOWN: the instance is draining and takes no new work.
  void set_draining() { draining_ = true; }

 private:
  http::Response health(bool include_readiness) const;
  http::Response readiness() const;
  http::Response echo() const;
  http::Response info() const;
  http::Response set_down(bool down);

  InstanceInfo info_;
  MetricsRegistry& metrics_;
  std::atomic<bool> forced_down_{false};
  std::atomic<bool> draining_{false};
  std::vector<std::pair<std::string, std::function<std::string()>>> checks_;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
};

}  // namespace cinema
