#pragma once
// Circuit breaker for a synchronous dependency (reservation -> payment): after `failure_threshold`
// consecutive failures it opens and callers fail fast (503 + Retry-After) for `open_for`; then one
// trial call is let through (half-open): success closes it, failure opens it again. Time is passed
// in, so the state machine is tested without clocks. Thread-safe.
#include <chrono>
#include <mutex>
#include <string_view>

namespace cinema::resilience {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  CircuitBreaker(int failure_threshold, std::chrono::milliseconds open_for)
      : failure_threshold_(failure_threshold), open_for_(open_for) {}

  // Whether a call may go out now. In half-open state only one trial is in flight at a time.
  bool allow(Clock::time_point now);
  void record_success();
  void record_failure(Clock::time_point now);
  [[nodiscard]] State state(Clock::time_point now) const;
  // How long until a call may be tried again (for Retry-After); zero when closed.
  [[nodiscard]] std::chrono::milliseconds retry_after(Clock::time_point now) const;

 private:
  [[nodiscard]] State state_locked(Clock::time_point now) const;

  const int failure_threshold_;
  const std::chrono::milliseconds open_for_;
  mutable std::mutex mutex_;
  int consecutive_failures_ = 0;
  bool opened_ = false;
  Clock::time_point opened_at_{};
  bool trial_in_flight_ = false;
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace cinema::resilience
