#pragma once
// A route behind admission control (core/resilience/admission.hpp): the gate counts the route's
// requests in flight and turns away the one past the adaptive limit with 503, Retry-After and the
// JSON error body, before the handler runs, so a turned-away request costs no database or
// downstream work and holds nothing. Each finished request's latency feeds the limit, classified
// by its answer. Metrics: admission_limit, admission_in_flight, admission_no_load_latency_seconds
// (gauges) and admission_rejected_total, each labelled with the route.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/http/router.hpp"
#include "core/resilience/admission.hpp"

namespace cinema {
class Counter;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::http {

class AdmissionGate {
 public:
  using Outcome = resilience::AdmissionLimiter::Outcome;
  // Which answers measured the route's whole work; by default 2xx, and 504 is a timeout.
  using Classify = std::function<Outcome(const Response&)>;

  // `route` labels the metrics ("POST /reservations"); `message` is what a turned-away client reads.
  AdmissionGate(resilience::AdmissionOptions options, MetricsRegistry& metrics, const std::string& route,
                std::string message, Classify classify = {});
  AdmissionGate(const AdmissionGate&) = delete;
  AdmissionGate& operator=(const AdmissionGate&) = delete;

  // `handler` behind the gate, for the requests `applies` to (every one when empty). The gate must
  // outlive the returned handler.
  [[nodiscard]] AsyncHandler guard(AsyncHandler handler, std::function<bool(const Request&)> applies = {});
  [[nodiscard]] const resilience::AdmissionLimiter& limiter() const { return limiter_; }

 private:
  Awaitable admit(const AsyncHandler& handler, Request& request);
  Awaitable admit_if(const std::function<bool(const Request&)>& applies, const AsyncHandler& handler, Request& request);
  [[nodiscard]] Response turned_away() const;

  resilience::AdmissionLimiter limiter_;
  std::string message_;
  Classify classify_;
  Counter& rejected_;
};

// The settings of a gate, under `prefix` ("reservation.admission"): enabled, initial_limit,
// min_limit, max_limit, window_ms, window_samples, no_load_horizon_ms. `route` names the route in
// their descriptions.
std::vector<SettingSpec> admission_setting_specs(const std::string& prefix, const std::string& route);
// The gate those settings describe; null when `<prefix>.enabled` is false. Throws ConfigError.
std::unique_ptr<AdmissionGate> make_admission_gate(const Config& config, const std::string& prefix,
                                                   MetricsRegistry& metrics, const std::string& route,
                                                   std::string message, AdmissionGate::Classify classify = {});

}  // namespace cinema::http
