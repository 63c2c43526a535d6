#pragma once
// What happens to every request between the socket and the handler: trace context, routing,
// the one place where exceptions become JSON error responses, metrics and the access log.
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/http/router.hpp"
#include "core/log.hpp"

namespace cinema {
class Counter;
class Histogram;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::http {

class Pipeline {
 public:
  Pipeline(const Router& router, Logger& log, MetricsRegistry& metrics);
  Awaitable handle(Request& request) const;

 private:
  Awaitable run_handler(const RouteMatch& match, Request& request) const;
  // Identifies the caller and checks the route's rule: nothing when the handler may run.
  std::optional<Response> admit(const RouteMatch& match, Request& request) const;
  Response error_response(std::exception_ptr failure, const Request& request) const;
  void record(std::string_view route, const Request& request, const Response& response, double seconds) const;
  void log_request(const Request& request, const Response& response, double seconds) const;

  const Router& router_;
  Logger& log_;
  MetricsRegistry& metrics_;
  // The series of each (route, method, status) seen, so a request costs one hash lookup instead of
  // rendering its labels and searching the registry.
  struct Series {
    Counter* requests;
    Histogram* duration;
  };
  mutable std::mutex series_mutex_;
  mutable std::unordered_map<std::string, Series> series_;
  // Refusals by design (a seat taken, 429, 503 with Retry-After) are logged one line a period per
  // status, with their count: at full rate most reservations are refused.
  mutable LogSampler refusals_;
};

}  // namespace cinema::http
