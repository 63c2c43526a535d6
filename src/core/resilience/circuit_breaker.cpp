#include "core/resilience/circuit_breaker.hpp"

#include <algorithm>

namespace cinema::resilience {

// A first open time above the cap would be a longer wait than the cap promises.
CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options)
    : options_(options), first_open_(std::min(options.first_open, options.max_open)), open_for_(first_open_) {}

CircuitBreaker::State CircuitBreaker::state_locked(Clock::time_point now) const {
  if (!opened_) return State::closed;
  return now - opened_at_ < open_for_ ? State::open : State::half_open;
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  return state_locked(now);
}

bool CircuitBreaker::allow(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  switch (state_locked(now)) {
    case State::closed: return true;
    case State::open: return false;
    case State::half_open:
      // A probe that never reported (its caller gave up without an outcome) must not keep the
      // breaker shut for good: after the longest open time another one may go.
      if (probe_in_flight_ && now - probe_sent_at_ < options_.max_open) return false;
      probe_in_flight_ = true;
      probe_sent_at_ = now;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (opened_) settle_probe_locked(now, false);
  else count_locked(now, false);
}

bool CircuitBreaker::record_failure(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (opened_) return settle_probe_locked(now, true);
  count_locked(now, true);
  if (!window_trips_locked(now)) return false;
  open_locked(now, first_open_);
  return true;
}

// Returns whether the probe's failure opened the breaker again.
bool CircuitBreaker::settle_probe_locked(Clock::time_point now, bool failed) {
  if (!probe_in_flight_) return false;
  probe_in_flight_ = false;
  if (failed) {
    open_locked(now, std::min(open_for_ * 2, options_.max_open));
    return true;
  }
  opened_ = false;
  open_for_ = first_open_;
  return false;
}

void CircuitBreaker::open_locked(Clock::time_point now, std::chrono::milliseconds open_for) {
  opened_ = true;
  opened_at_ = now;
  open_for_ = open_for;
  // The calls that opened it are spent: after it closes, the window starts afresh.
  buckets_.fill(Bucket{});
}

std::int64_t CircuitBreaker::slice_of(Clock::time_point now) const {
  auto slice = std::max<std::int64_t>(options_.window.count() / static_cast<std::int64_t>(kBuckets), 1);
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / slice;
}

void CircuitBreaker::count_locked(Clock::time_point now, bool failed) {
  auto slice = slice_of(now);
  auto& bucket = buckets_[static_cast<std::size_t>(slice) % kBuckets];
  if (bucket.slice != slice) bucket = Bucket{slice, 0, 0};
  ++bucket.calls;
  if (failed) ++bucket.failures;
}

bool CircuitBreaker::window_trips_locked(Clock::time_point now) const {
  auto current = slice_of(now);
  int calls = 0;
  int failures = 0;
  for (const auto& bucket : buckets_) {
    if (bucket.slice <= current - static_cast<std::int64_t>(kBuckets)) continue;  // older than the window
    calls += bucket.calls;
    failures += bucket.failures;
  }
  return calls >= options_.min_calls && failures * 100 >= options_.failure_percent * calls;
}

std::chrono::milliseconds CircuitBreaker::retry_after(Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  if (state_locked(now) != State::open) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(opened_at_ + open_for_ - now);
}

std::string_view to_string(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::closed: return "closed";
    case CircuitBreaker::State::open: return "open";
    case CircuitBreaker::State::half_open: return "half_open";
  }
  return "closed";
}

}  // namespace cinema::resilience
