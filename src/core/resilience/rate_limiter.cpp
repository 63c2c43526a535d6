#include "core/resilience/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cinema::resilience {

RateLimiter::RateLimiter(Limit limit, std::size_t max_keys) : limit_(limit), max_keys_(std::max<std::size_t>(1, max_keys)) {
  limit_.burst = std::max(1.0, limit_.burst);
}

void RateLimiter::refill(Bucket& bucket, Clock::time_point now) const {
  std::chrono::duration<double> elapsed = now - bucket.updated;
  if (elapsed.count() <= 0) return;
  bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed.count() * limit_.per_second);
  bucket.updated = now;
}

void RateLimiter::drop_full_buckets(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.tokens >= limit_.burst ? buckets_.erase(it) : std::next(it);
  }
  // Every key is busy: forgetting them all only forgives their debt, it never refuses anyone.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

std::optional<std::chrono::milliseconds> RateLimiter::acquire(std::string_view key, Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = buckets_.find(std::string(key));
  if (found == buckets_.end()) {
    if (buckets_.size() >= max_keys_) drop_full_buckets(now);
    found = buckets_.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  }
  auto& bucket = found->second;
  refill(bucket, now);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  auto wait_seconds = (1 - bucket.tokens) / limit_.per_second;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_seconds * 1000)));
}

std::size_t RateLimiter::keys() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace cinema::resilience
