#pragma once
// The instances of one service (host:port each), for a caller that spreads its calls over them:
// consecutive calls start on consecutive instances, and a retry moves on to the next one. Used by
// the gateway for every service and by reservation for payment.
#include <atomic>
#include <string>
#include <vector>

namespace cinema::http {

class Instances {
 public:
  Instances(std::string service, std::vector<std::string> addresses);
  [[nodiscard]] const std::string& service() const { return service_; }
  [[nodiscard]] std::size_t size() const { return addresses_.size(); }
  // The instance for the `attempt`-th try of one call that started at `first` (next_start()).
  [[nodiscard]] const std::string& pick(std::size_t first, std::size_t attempt) const;
  std::size_t next_start() { return counter_.fetch_add(1, std::memory_order_relaxed); }

 private:
  std::string service_;
  std::vector<std::string> addresses_;
  std::atomic<std::size_t> counter_{0};
};

// "127.0.0.1:8081, 127.0.0.1:9081" -> two instances; throws std::invalid_argument on a bad entry.
std::vector<std::string> parse_instances(const std::string& list);

}  // namespace cinema::http
