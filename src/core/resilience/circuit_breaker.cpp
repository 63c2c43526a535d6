#include "core/resilience/circuit_breaker.hpp"

namespace cinema::resilience {

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
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  consecutive_failures_ = 0;
  opened_ = false;
  trial_in_flight_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  ++consecutive_failures_;
  // A failed trial re-opens at once; a closed breaker opens at the threshold.
  if (trial_in_flight_ || consecutive_failures_ >= failure_threshold_) {
    opened_ = true;
    opened_at_ = now;
  }
  trial_in_flight_ = false;
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
