#pragma once
// The gateway's rate limits: token buckets per client address and per signed-in identity, and a
// tighter one on POST /reservations (seats are the scarce thing: a client that floods reservations
// holds seats others cannot buy). A refused request is 429 with Retry-After and is counted in
// gateway_rate_limited_total{limit}. A developer (dev mode, loopback) is not limited.
#include <optional>

#include "core/config.hpp"
#include "core/http/message.hpp"
#include "core/metrics.hpp"
#include "core/resilience/rate_limiter.hpp"

namespace cinema::gateway {

struct RateLimitSettings {
  resilience::RateLimiter::Limit per_address;
  resilience::RateLimiter::Limit per_identity;
  resilience::RateLimiter::Limit reservations;  // POST /reservations, per identity (or address)
};

RateLimitSettings rate_limit_settings(const Config& config);
std::vector<SettingSpec> rate_limit_setting_specs();

class RateLimits {
 public:
  RateLimits(RateLimitSettings settings, MetricsRegistry& metrics);
  // Nothing when the request may go on; else the 429 answer.
  std::optional<http::Response> check(const http::Request& request);

 private:
  resilience::RateLimiter per_address_;
  resilience::RateLimiter per_identity_;
  resilience::RateLimiter reservations_;
  Counter& address_refused_;
  Counter& identity_refused_;
  Counter& reservations_refused_;
};

}  // namespace cinema::gateway
