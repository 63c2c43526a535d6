#pragma once
// What happens to every request between the socket and the handler: trace context, routing,
// the one place where exceptions become JSON error responses, metrics and the access log.
#include "core/http/router.hpp"

namespace cinema {
class Logger;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::http {

class Pipeline {
 public:
  Pipeline(const Router& router, Logger& log, MetricsRegistry& metrics);
  Awaitable handle(Request& request) const;

 private:
  Awaitable run_handler(const RouteMatch& match, Request& request) const;
  Response error_response(std::exception_ptr failure, const Request& request) const;
  void record(const std::string& route, const Request& request, const Response& response, double seconds) const;

  const Router& router_;
  Logger& log_;
  MetricsRegistry& metrics_;
};

}  // namespace cinema::http
