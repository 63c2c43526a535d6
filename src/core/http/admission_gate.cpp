#include "core/http/admission_gate.hpp"

#include "core/http/errors.hpp"
#include "core/metrics.hpp"

namespace cinema::http {
namespace {
using Clock = resilience::AdmissionLimiter::Clock;

// Releases the slot however the handler ends: an exception, or the connection's coroutine torn
// down, releases it too, as a request that measured nothing.
class Slot {
 public:
  explicit Slot(resilience::AdmissionLimiter& limiter) : limiter_(limiter), started_(Clock::now()) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() {
    auto now = Clock::now();
    limiter_.release(now, now - started_, outcome_);
  }
  void finished(AdmissionGate::Outcome outcome) { outcome_ = outcome; }

 private:
  resilience::AdmissionLimiter& limiter_;
  Clock::time_point started_;
  AdmissionGate::Outcome outcome_ = AdmissionGate::Outcome::ignore;
};

AdmissionGate::Outcome by_status(const Response& response) {
  return response.status < 500 ? AdmissionGate::Outcome::sample : AdmissionGate::Outcome::ignore;
}
}  // namespace

AdmissionGate::AdmissionGate(resilience::AdmissionOptions options, MetricsRegistry& metrics, const std::string& route,
                             std::string message, Classify classify)
    : limiter_(options),
      message_(std::move(message)),
      classify_(classify ? std::move(classify) : Classify(by_status)),
      rejected_(metrics.counter("admission_rejected_total",
                                "Requests turned away with 503 because the route was at its concurrency limit",
                                {{"route", route}})) {
  Labels labels{{"route", route}};
  metrics.gauge("admission_limit", "Requests the route may have in flight now (adapts to their latency)", labels,
                [this] { return static_cast<double>(limiter_.limit()); });
  metrics.gauge("admission_in_flight", "Requests of the route in flight", labels,
                [this] { return static_cast<double>(limiter_.in_flight()); });
  metrics.gauge("admission_no_load_latency_seconds",
                "The route's latency without queueing, as the limit estimates it (0: not yet measured)", labels,
                [this] { return std::chrono::duration<double>(limiter_.no_load_latency()).count(); });
}

AsyncHandler AdmissionGate::guard(AsyncHandler handler) {
  return [this, handler = std::move(handler)](Request& request) { return admit(handler, request); };
}

Awaitable AdmissionGate::admit(const AsyncHandler& handler, Request& request) {
  if (!limiter_.try_acquire()) {
    rejected_.inc();
    co_return turned_away();
  }
  Slot slot(limiter_);
  auto response = co_await handler(request);
  slot.finished(classify_(response));
  co_return response;
}

Response AdmissionGate::turned_away() const {
  auto response = Response::json(503, error_body("overloaded", message_));
  response.headers.set("Retry-After", "1");
  return response;
}

}  // namespace cinema::http
