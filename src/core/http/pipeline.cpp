#include "core/http/pipeline.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/http/errors.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/security/guard.hpp"
#include "core/trace.hpp"
#include "core/transient.hpp"

namespace cinema::http {
namespace {
constexpr auto kRefusalLogPeriod = std::chrono::seconds(10);
constexpr int kTransientCause = 0;  // the sampler's kind for the cause of a 503 (statuses are the others)

// Answers a client is designed to meet: not signed in or not allowed, no such thing, a card declined,
// a seat already taken, slow down, come back later. Three minutes of reservations at full rate, most
// of them sold out, wrote 400 MB when each was a line; http_requests_total counts every one.
bool is_designed_refusal(const Response& response) {
  switch (response.status) {
    case 401: case 402: case 403: case 404: case 409: case 429: return true;
    case 503: return response.headers.get("Retry-After").has_value();
    default: return false;
  }
}
}  // namespace

Pipeline::Pipeline(const Router& router, Logger& log, MetricsRegistry& metrics)
    : router_(router), log_(log), metrics_(metrics), refusals_(kRefusalLogPeriod) {}

Awaitable Pipeline::handle(Request& request) const {
  auto started = std::chrono::steady_clock::now();
  request.path = std::string(split_target(request.target).first);
  auto incoming = request.headers.get("traceparent");
  auto parent = incoming ? parse_traceparent(*incoming) : std::nullopt;
  request.trace_id = parent ? parent->trace_id : new_trace_id();

  auto match = router_.match(request);
  Response response = co_await run_handler(match, request);
  response.headers.set("traceparent", format_traceparent({request.trace_id, new_span_id()}));
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  record(match.route.empty() ? "unmatched" : match.route, request, response, elapsed.count());
  co_return response;
}

Awaitable Pipeline::run_handler(const RouteMatch& match, Request& request) const {
  std::exception_ptr failure;
  Response response;
  try {
    if (match.handler) {
      if (auto refused = admit(match, request)) co_return std::move(*refused);
      response = co_await (*match.handler)(request);
    } else if (!match.allowed.empty()) {
      response = Response::json(405, error_body("method_not_allowed",
                                                request.method + " is not allowed on " + request.path));
      response.headers.set("Allow", match.allowed);
    } else {
      response = Response::json(404, error_body("not_found", "no route for " + request.method + " " + request.path));
    }
  } catch (...) {
    // co_await is not allowed inside a handler block, so the mapping happens after it.
    failure = std::current_exception();
  }
  if (failure) response = error_response(failure, request);
  co_return response;
}

std::optional<Response> Pipeline::admit(const RouteMatch& match, Request& request) const {
  const auto* authenticator = router_.authenticator();
  if (!authenticator) {
    request.caller = security::developer_identity();
    return std::nullopt;
  }
  if (match.access == Access::open) return std::nullopt;
  auto identified = authenticator->identify(request);
  if (auto* refused = std::get_if<Response>(&identified)) return std::move(*refused);
  request.caller = std::move(std::get<security::Identity>(identified));
  return security::refusal_for(match.access, request.caller);
}

Response Pipeline::error_response(std::exception_ptr failure, const Request& request) const {
  try {
    std::rethrow_exception(failure);
  } catch (const HttpError& e) {
    return Response::json(e.status(), error_body(e.code(), e.what()));
  } catch (const nlohmann::json::exception& e) {
    return Response::json(400, error_body("bad_request", e.what()));
  } catch (const std::exception& e) {
    if (const auto* transient = dynamic_cast<const Transient*>(&e)) {
      if (auto count = refusals_.admit(kTransientCause, std::chrono::steady_clock::now()))
        log_.log(LogLevel::warn, "request failed, dependency unavailable", request.trace_id,
                 {{"method", request.method}, {"path", request.path}, {"error", std::string_view(e.what())},
                  {"sampled", count}});
      auto response = Response::json(503, error_body(transient->error_code(), transient->public_message()));
      response.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, transient->retry_after().count())));
      return response;
    }
    log_.log(LogLevel::error, "request failed", request.trace_id,
             {{"method", request.method}, {"path", request.path}, {"error", std::string_view(e.what())}});
    return Response::json(500, error_body("internal", "internal error; see the service log for trace " + request.trace_id));
  }
}

void Pipeline::record(std::string_view route, const Request& request, const Response& response,
                      double seconds) const {
  thread_local std::string key;  // reused: building the key allocates nothing once it has grown
  key.assign(route).append(1, ' ').append(request.method).append(1, ' ').append(std::to_string(response.status));
  Series series;
  {
    std::lock_guard lock(series_mutex_);
    auto found = series_.find(key);
    if (found == series_.end()) {
      auto* requests = &metrics_.counter("http_requests_total", "HTTP requests handled, by route, method and status",
                                         {{"route", std::string(route)}, {"method", request.method},
                                          {"status", std::to_string(response.status)}});
      auto* duration = &metrics_.histogram("http_request_duration_seconds", "HTTP request latency, by route and method",
                                           {{"route", std::string(route)}, {"method", request.method}});
      found = series_.emplace(key, Series{requests, duration}).first;
    }
    series = found->second;
  }
  series.requests->inc();
  series.duration->observe(seconds);
  log_request(request, response, seconds);
}

// Successful requests are logged at debug so a busy service does not write a line per request;
// refusals by design too, or when debug is off, one line per status a period with their count.
void Pipeline::log_request(const Request& request, const Response& response, double seconds) const {
  auto level = response.status >= 500 ? LogLevel::error : response.status >= 400 ? LogLevel::info : LogLevel::debug;
  std::int64_t count = 1;
  if (is_designed_refusal(response)) {
    if (response.status < 500 && log_.enabled(LogLevel::debug)) {
      level = LogLevel::debug;
    } else {
      count = refusals_.admit(response.status, std::chrono::steady_clock::now());
      if (count == 0) return;
      level = response.status >= 500 ? LogLevel::warn : LogLevel::info;
    }
  }
  if (!log_.enabled(level)) return;
  log_.log(level, "request", request.trace_id,
           {{"method", request.method}, {"path", request.path}, {"status", std::int64_t{response.status}},
            {"durationMs", seconds * 1000.0}, {"remote", request.remote_address}, {"sampled", count}});
}

}  // namespace cinema::http
