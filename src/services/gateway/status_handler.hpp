#pragma once
// GET /gateway/status (managers): what the manager console shows of the system, gathered by the
// gateway from every instance it routes to: health (UP, DOWN or unreachable) and a few figures read
// from each instance's /metrics: payment's circuit as reservation sees it, events dead-lettered,
// consumer lag and outbox backlog. Each instance is asked in turn; one that does not answer is shown
// as unreachable, never an error of the whole page.
#include <deque>
#include <optional>
#include <string_view>

#include "core/http/client.hpp"
#include "services/gateway/upstreams.hpp"

namespace cinema::gateway {

// The sum of every sample of `metric` in a Prometheus text exposition; nullopt when it has none.
std::optional<double> metric_sum(std::string_view exposition, std::string_view metric);

class StatusHandler final {
 public:
  StatusHandler(http::Client& client, const std::deque<Upstream>& upstreams) : client_(client), upstreams_(upstreams) {}
  void register_routes(http::Router& router);

 private:
  http::Awaitable status(http::Request& request);

  http::Client& client_;
  const std::deque<Upstream>& upstreams_;
};

}  // namespace cinema::gateway
