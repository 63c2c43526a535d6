#include "services/gateway/rate_limits.hpp"

#include "core/http/errors.hpp"

namespace cinema::gateway {
namespace {
Counter& refused_counter(MetricsRegistry& metrics, const std::string& limit) {
  return metrics.counter("gateway_rate_limited_total", "Requests the gateway turned away with 429, by limit",
                         {{"limit", limit}});
}

http::Response too_many(std::chrono::milliseconds wait, const std::string& what) {
  auto seconds = std::max<std::int64_t>(1, (wait.count() + 999) / 1000);
  auto response = http::Response::json(
      429, http::error_body("rate_limited", "too many requests " + what + "; retry in " + std::to_string(seconds) + " s"));
  response.headers.set("Retry-After", std::to_string(seconds));
  return response;
}

resilience::RateLimiter::Limit limit_of(const Config& config, const std::string& name) {
  return {static_cast<double>(config.integer("gateway.limits." + name + "_per_second")),
          static_cast<double>(config.integer("gateway.limits." + name + "_burst"))};
}
}  // namespace

std::vector<SettingSpec> rate_limit_setting_specs() {
  using T = SettingType;
  std::vector<SettingSpec> specs;
  auto add = [&](const std::string& name, const std::string& rate, const std::string& burst, const std::string& whom) {
    specs.push_back({"gateway.limits." + name + "_per_second", T::integer, rate,
                     "Requests per second " + whom + " may make on average; 0: no limit.", 0, 1'000'000});
    specs.push_back({"gateway.limits." + name + "_burst", T::integer, burst,
                     "Requests " + whom + " may make at once above that rate.", 1, 1'000'000});
  };
  add("address", "200", "400", "one client address");
  add("identity", "50", "100", "one signed-in customer or manager");
  add("reservations", "5", "10", "one identity (or address, without a token) on POST /reservations");
  return specs;
}

RateLimitSettings rate_limit_settings(const Config& config) {
  return {limit_of(config, "address"), limit_of(config, "identity"), limit_of(config, "reservations")};
}

RateLimits::RateLimits(RateLimitSettings settings, MetricsRegistry& metrics)
    : per_address_(settings.per_address),
      per_identity_(settings.per_identity),
      reservations_(settings.reservations),
      address_refused_(refused_counter(metrics, "address")),
      identity_refused_(refused_counter(metrics, "identity")),
      reservations_refused_(refused_counter(metrics, "reservations")) {}

std::optional<http::Response> RateLimits::check(const http::Request& request) {
  const auto& caller = request.caller;
  if (caller.role == security::Role::developer) return std::nullopt;
  auto now = resilience::RateLimiter::Clock::now();
  if (auto wait = per_address_.acquire(request.remote_address, now)) {
    address_refused_.inc();
    return too_many(*wait, "from this address");
  }
  bool signed_in = caller.role != security::Role::anonymous;
  auto identity = signed_in ? std::string(security::role_name(caller.role)) + ":" + caller.subject : std::string();
  if (signed_in) {
    if (auto wait = per_identity_.acquire(identity, now)) {
      identity_refused_.inc();
      return too_many(*wait, "for " + caller.subject);
    }
  }
  if (request.method == "POST" && request.path == "/reservations") {
    if (auto wait = reservations_.acquire(signed_in ? identity : "address:" + request.remote_address, now)) {
      reservations_refused_.inc();
      return too_many(*wait, "for reservations");
    }
  }
  return std::nullopt;
}

}  // namespace cinema::gateway
