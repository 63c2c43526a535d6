#pragma once
// Forwards a request to one instance of an upstream service over pooled keep-alive connections,
// continuing the caller's trace. Instances that fail are ejected, and a request that reached no
// instance, or may be repeated, goes to another (core/http/instances.hpp); when no attempt got an
// answer, a timeout is 504 and any other upstream failure 502, both with a JSON error. The
// upstream sees the gateway's service token and the end user's identity (security/guard.hpp).
#include "core/http/client.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "services/gateway/rate_limits.hpp"
#include "services/gateway/upstreams.hpp"

namespace cinema::security {
class ServiceCredential;
}

namespace cinema::gateway {

class ProxyHandler final {
 public:
  // `credential` is the gateway's own token, which the services behind it require.
  // `limits` are checked first: a request past them is 429 and never reaches the upstream.
  ProxyHandler(http::Client& client, Upstream& upstream, security::ServiceCredential& credential, RateLimits& limits,
               MetricsRegistry& metrics, Logger& log);
  // Takes the request's headers and body for the upstream request.
  http::Awaitable forward(http::Request& request);
  // The same for GET and HEAD; any other method is 405 (a read-only resource, such as /payments).
  http::Awaitable forward_reads(http::Request& request);

 private:
  http::Response failure_response(const http::UpstreamError& error, const http::Request& request);

  http::Client& client_;
  Upstream& upstream_;
  security::ServiceCredential& credential_;
  RateLimits& limits_;
  Logger& log_;
  // gateway_upstream_requests_total by outcome, looked up once rather than per request.
  Counter& ok_;
  Counter& timed_out_;
  Counter& failed_;
};

}  // namespace cinema::gateway
