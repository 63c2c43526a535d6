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

// A success did the route's work; an upstream that did not answer in time (504) is a timeout; any
// other answer may have ended early (a refusal, a 503 of a breaker) and says nothing of the load.
AdmissionGate::Outcome by_status(const Response& response) {
  if (response.status >= 200 && response.status < 300) return AdmissionGate::Outcome::sample;
  return response.status == 504 ? AdmissionGate::Outcome::dropped : AdmissionGate::Outcome::ignore;
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

AsyncHandler AdmissionGate::guard(AsyncHandler handler, std::function<bool(const Request&)> applies) {
  if (!applies) return [this, handler = std::move(handler)](Request& request) { return admit(handler, request); };
  return [this, applies = std::move(applies), handler = std::move(handler)](Request& request) {
    return admit_if(applies, handler, request);
  };
}

Awaitable AdmissionGate::admit_if(const std::function<bool(const Request&)>& applies, const AsyncHandler& handler,
                                  Request& request) {
  if (!applies(request)) co_return co_await handler(request);
  co_return co_await admit(handler, request);
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

std::vector<SettingSpec> admission_setting_specs(const std::string& prefix, const std::string& route) {
  using T = SettingType;
  return {
      {prefix + ".enabled", T::boolean, "true",
       "Admission control on " + route + ": past a concurrency limit that follows the measured latency, "
       "requests are turned away at once with 503 and Retry-After instead of queueing."},
      {prefix + ".initial_limit", T::integer, "32", "Requests of " + route + " in progress at once allowed at start; "
       "then the limit adapts.", 1, 100'000},
      {prefix + ".min_limit", T::integer, "32",
       "Lowest concurrency limit of " + route + " (a crowd this large is never turned away, however noisy the "
       "latency).", 1, 100'000},
      {prefix + ".max_limit", T::integer, "500", "Highest concurrency limit of " + route + ".", 1, 100'000},
      {prefix + ".window_ms", T::integer, "100",
       "The limit of " + route + " is reconsidered once per window of at least this long...", 1, 60'000},
      {prefix + ".window_samples", T::integer, "10", "...that holds at least this many completed requests.", 1,
       100'000},
      {prefix + ".no_load_horizon_ms", T::integer, "30000",
       "The latency of " + route + " without queueing is the lowest window mean of this much of the past (so it "
       "follows a dependency that became slower for good).",
       100, 86'400'000},
  };
}

std::unique_ptr<AdmissionGate> make_admission_gate(const Config& config, const std::string& prefix,
                                                   MetricsRegistry& metrics, const std::string& route,
                                                   std::string message, AdmissionGate::Classify classify) {
  if (!config.boolean(prefix + ".enabled")) return nullptr;
  auto number = [&](const char* name) { return static_cast<int>(config.integer(prefix + name)); };
  resilience::AdmissionOptions options{
      .initial_limit = number(".initial_limit"),
      .min_limit = number(".min_limit"),
      .max_limit = number(".max_limit"),
      .window = std::chrono::milliseconds(config.integer(prefix + ".window_ms")),
      .window_samples = number(".window_samples"),
      .no_load_horizon = std::chrono::milliseconds(config.integer(prefix + ".no_load_horizon_ms"))};
  if (options.min_limit > options.max_limit)
    throw ConfigError("setting '" + prefix + ".min_limit': must not exceed " + prefix + ".max_limit");
  return std::make_unique<AdmissionGate>(options, metrics, route, std::move(message), std::move(classify));
}

}  // namespace cinema::http
