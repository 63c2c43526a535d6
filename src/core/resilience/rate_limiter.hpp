#pragma once
// Token buckets by key (a client address, an identity): each key may spend `burst` requests at
// once and earns `per_second` back, so a steady client at or below the rate is never refused and
// a flood is turned away at once with the time until its next token (Retry-After). Time is passed
// in, so the arithmetic is tested without clocks. Thread-safe. The number of keys is bounded: when
// full, buckets that have filled up again (clients gone quiet) are dropped, which loses nothing.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cinema::resilience {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limit {
    double per_second = 0;  // 0: no limit
    double burst = 1;
  };

  explicit RateLimiter(Limit limit, std::size_t max_keys = 100'000);
  // Spends one token of `key`: nothing when allowed, else how long until a token is earned.
  std::optional<std::chrono::milliseconds> acquire(std::string_view key, Clock::time_point now);
  [[nodiscard]] bool enabled() const { return limit_.per_second > 0; }
  [[nodiscard]] std::size_t keys() const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  void refill(Bucket& bucket, Clock::time_point now) const;
  void drop_full_buckets(Clock::time_point now);

  Limit limit_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace cinema::resilience
