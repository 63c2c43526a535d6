#pragma once
// Which service answers which path prefix, and the instances of each service (round-robin).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace cinema::gateway {

struct RouteRule {
  std::string prefix;      // "/movies"
  std::string service;     // "movie"
  bool read_only = false;  // only GET and HEAD are routed (payments are made by reservation, not clients)
};

// The seed's routes: every public resource of every service.
const std::vector<RouteRule>& route_rules();

// Instances of one service, picked in turn.
class Upstream {
 public:
  Upstream(std::string service, std::vector<std::string> instances);
  [[nodiscard]] const std::string& service() const { return service_; }
  [[nodiscard]] std::size_t size() const { return instances_.size(); }
  // The instance for the `attempt`-th try of one request: consecutive requests start on
  // consecutive instances, and a retry moves on to the next one.
  [[nodiscard]] const std::string& pick(std::size_t first, std::size_t attempt) const;
  std::size_t next_start() { return counter_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::string service_;
  std::vector<std::string> instances_;
  std::atomic<std::size_t> counter_{0};
};

// "127.0.0.1:8081, 127.0.0.1:9081" -> two instances; throws std::invalid_argument on a bad entry.
std::vector<std::string> parse_instances(const std::string& list);

}  // namespace cinema::gateway
