#include "services/gateway/proxy_handler.hpp"

#include <optional>

#include "core/http/errors.hpp"
#include "core/security/guard.hpp"
#include "core/trace.hpp"

namespace cinema::gateway {
namespace {
// Hop-by-hop headers belong to one connection and are never forwarded (RFC 9110 §7.6.1).
constexpr std::string_view kHopByHop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                                          "Transfer-Encoding", "Upgrade", "Proxy-Authorization"};

void strip_hop_by_hop(http::Headers& headers) {
  for (auto name : kHopByHop) headers.remove(name);
}

// The gateway vouches for the end user it authenticated: its own service token replaces the
// client's, and the client's identity travels in headers that no client can set.
http::Request upstream_request(http::Request& request, std::string authorization) {
  http::Request outgoing{.method = request.method, .target = request.target, .headers = std::move(request.headers),
                         .body = std::move(request.body)};
  strip_hop_by_hop(outgoing.headers);
  outgoing.headers.set("Authorization", std::move(authorization));
  outgoing.headers.set(security::kRoleHeader, std::string(security::role_name(request.caller.role)));
  outgoing.headers.set(security::kSubjectHeader, request.caller.subject);
  if (auto host = outgoing.headers.get("Host")) outgoing.headers.set("X-Forwarded-Host", std::string(*host));
  outgoing.headers.remove("Host");
  outgoing.headers.set("X-Forwarded-For", request.remote_address);
  outgoing.headers.set("traceparent", format_traceparent({request.trace_id, new_span_id()}));
  return outgoing;
}

Counter& outcome_counter(MetricsRegistry& metrics, const std::string& upstream, const std::string& outcome) {
  return metrics.counter("gateway_upstream_requests_total", "Requests forwarded by the gateway, by upstream and outcome",
                         {{"upstream", upstream}, {"outcome", outcome}});
}
}  // namespace

ProxyHandler::ProxyHandler(http::Client& client, Upstream& upstream, security::ServiceCredential& credential,
                           RateLimits& limits, MetricsRegistry& metrics, Logger& log)
    : client_(client),
      upstream_(upstream),
      credential_(credential),
      limits_(limits),
      log_(log),
      ok_(outcome_counter(metrics, upstream.service(), "ok")),
      timed_out_(outcome_counter(metrics, upstream.service(), "timeout")),
      failed_(outcome_counter(metrics, upstream.service(), "error")) {}

http::Awaitable ProxyHandler::forward(http::Request& request) {
  if (auto refused = limits_.check(request)) co_return std::move(*refused);
  if (upstream_.size() == 0)
    throw http::ServiceUnavailable("no instance of " + upstream_.service() + " is configured");
  std::optional<http::UpstreamError> failure;
  http::Response response;
  try {
    // Spread over the instances, failing ones ejected, retried on another where safe (instances.hpp).
    response = co_await upstream_.send(client_, upstream_request(request, credential_.authorization()));
  } catch (const http::UpstreamError& error) {
    failure = error;
  }
  if (failure) co_return failure_response(*failure, request);
  ok_.inc();
  strip_hop_by_hop(response.headers);
  co_return response;
}

http::Awaitable ProxyHandler::forward_reads(http::Request& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    auto refused = http::Response::json(
        405, http::error_body("method_not_allowed", upstream_.service() + " is read-only through the gateway; " +
                                                        "payments are made by POST /reservations"));
    refused.headers.set("Allow", "GET, HEAD");
    co_return refused;
  }
  co_return co_await forward(request);
}

// Like Envoy: a service that could not be reached, or that dropped the connection before it
// answered, is 503 with Retry-After (the client retries, with its Idempotency-Key when it sent one);
// one that took too long is 504, with Retry-After too.
http::Response ProxyHandler::failure_response(const http::UpstreamError& error, const http::Request& request) {
  bool timeout = error.kind() == http::UpstreamError::Kind::timeout;
  (timeout ? timed_out_ : failed_).inc();
  log_.log(LogLevel::warn, "upstream failed", request.trace_id,
           {{"upstream", upstream_.service()}, {"path", request.path}, {"error", std::string_view(error.what())}});
  auto response = timeout ? http::Response::json(504, http::error_body("gateway_timeout",
                                                                       upstream_.service() + " did not answer in time"))
                          : http::Response::json(503, http::error_body("service_unavailable",
                                                                       upstream_.service() + " is unavailable: " + error.what()));
  response.headers.set("Retry-After", "1");
  return response;
}

}  // namespace cinema::gateway
