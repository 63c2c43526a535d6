#pragma once
// Forwards a request to one instance of an upstream service over pooled keep-alive connections,
// continuing the caller's trace. A refused connection moves on to the next instance (nothing was
// sent yet); a timeout is 504 and any other upstream failure 502, both with a JSON error.
#include "core/http/client.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "services/gateway/upstreams.hpp"

namespace cinema::gateway {

class ProxyHandler final {
 public:
  ProxyHandler(http::Client& client, Upstream& upstream, MetricsRegistry& metrics, Logger& log)
      : client_(client), upstream_(upstream), metrics_(metrics), log_(log) {}
  http::Awaitable forward(http::Request& request);

 private:
  http::Response failure_response(const http::UpstreamError& error, const http::Request& request);
  void count(std::string_view outcome);

  http::Client& client_;
  Upstream& upstream_;
  MetricsRegistry& metrics_;
  Logger& log_;
};

}  // namespace cinema::gateway
