#pragma once
// The instances of one service (host:port each), for a caller that spreads its calls over them:
// the gateway for every service, reservation for payment. Consecutive calls start on consecutive
// instances; instances that fail are ejected for a while (resilience/outlier_detector.hpp, the
// seed's Istio outlier detection), and so are those whose readiness, asked every interval, is DOWN.
// A call that failed is sent again to another instance when that is safe:
//   - the request reached no instance (refused, connect timeout, connection closed before the
//     request went out): always;
//   - the request may be repeated (GET/HEAD/PUT/DELETE, or an Idempotency-Key) and the answer broke
//     off, or the instance answered 503 while ejected or while closing the connection (a draining
//     server);
// never after a timeout (the instance may still be working on it), never a POST that may have been
// acted on, and at most kMaxAttempts tries, each on an instance not tried yet in this call.
// Once an attempt may have been acted on (its answer broke off), the call never ends in a sign
// that nothing was done: a later refused connection or 503 is reported as that attempt's error.
#include <utility>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/http/client.hpp"
#include "core/resilience/outlier_detector.hpp"

namespace cinema {
class MetricsRegistry;
}

namespace cinema::http {

class Instances {
 public:
  static constexpr std::size_t kMaxAttempts = 3;

  Instances(std::string service, std::vector<std::string> addresses, resilience::OutlierOptions outlier,
            MetricsRegistry& metrics);
  ~Instances();  // ends the readiness probes
  Instances(const Instances&) = delete;
  Instances& operator=(const Instances&) = delete;

  [[nodiscard]] const std::string& service() const;
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] const std::string& address(std::size_t instance) const;
  [[nodiscard]] bool ejected(std::size_t instance) const;

  // Sends `request` to an instance, and to others by the rules above. The last attempt's answer,
  // whatever its status; throws the last attempt's UpstreamError (or, by the rule above, the
  // error of an earlier attempt that may have been acted on).
  Awaitable send(Client& client, Request request);

  // From now on asks each instance not ejected for its readiness every interval, on `io` (only
  // with two instances or more: a single one is never ejected).
  void start_probing(boost::asio::io_context& io);

  struct State;  // shared with the probe loop, which may outlive this object

 private:
  std::shared_ptr<State> state_;
};

// "127.0.0.1:8081, 127.0.0.1:9081" -> two instances; throws std::invalid_argument on a bad entry.
std::vector<std::string> parse_instances(const std::string& list);

// The http.outlier.* settings (every caller of other services has them) and their values.
std::vector<SettingSpec> outlier_setting_specs();
resilience::OutlierOptions outlier_options(const Config& config);

}  // namespace cinema::http
