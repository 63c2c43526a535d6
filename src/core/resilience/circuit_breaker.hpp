#pragma once
// Circuit breaker for a synchronous dependency (reservation -> payment). Calls are counted in a
// sliding time window; once the window holds at least `min_calls` calls and `failure_percent` of
// them failed, it opens and callers fail fast (503 + Retry-After). After a short open time one probe
// is let through (half-open): success closes it, failure opens it again for twice as long, up to
// `max_open`. So the breaker follows the real outage: a dependency back after a restart is probed
// within `first_open`, while one that stays down is probed ever more rarely. Time is passed in, so
// the state machine is tested without clocks. Thread-safe.
#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace cinema::resilience {

struct CircuitBreakerOptions {
  std::chrono::milliseconds window{10'000};  // calls older than this no longer count
  int min_calls = 5;                         // calls in the window before the breaker may open
  int failure_percent = 50;                  // share of failed calls in the window that opens it
  std::chrono::milliseconds first_open{250};  // open time after the window tripped it
  std::chrono::milliseconds max_open{5'000};  // cap of the open time doubling on failed probes
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  explicit CircuitBreaker(CircuitBreakerOptions options);

  // Whether a call may go out now. In half-open state only one probe is in flight at a time.
  bool allow(Clock::time_point now);
  // The outcome of a call that allow() let out. While open, only the probe's outcome counts: calls
  // that were in flight when it opened tell nothing about payment now.
  void record_success(Clock::time_point now);
  // Whether this failure opened the breaker (from closed, or again after a failed probe).
  bool record_failure(Clock::time_point now);
  [[nodiscard]] State state(Clock::time_point now) const;
  // How long until a call may be tried again (for Retry-After); zero when closed.
  [[nodiscard]] std::chrono::milliseconds retry_after(Clock::time_point now) const;

 private:
  // Calls and failures of one slice of the window; `slice` tells which slice it last counted.
  struct Bucket {
    std::int64_t slice = -1;
    int calls = 0;
    int failures = 0;
  };
  static constexpr std::size_t kBuckets = 10;

  [[nodiscard]] State state_locked(Clock::time_point now) const;
  [[nodiscard]] std::int64_t slice_of(Clock::time_point now) const;
  void count_locked(Clock::time_point now, bool failed);
  [[nodiscard]] bool window_trips_locked(Clock::time_point now) const;
  void open_locked(Clock::time_point now, std::chrono::milliseconds open_for);
  bool settle_probe_locked(Clock::time_point now, bool failed);

  const CircuitBreakerOptions options_;
  const std::chrono::milliseconds first_open_;
  mutable std::mutex mutex_;
  std::array<Bucket, kBuckets> buckets_{};
  bool opened_ = false;
  Clock::time_point opened_at_{};
  std::chrono::milliseconds open_for_;
  bool probe_in_flight_ = false;
  Clock::time_point probe_sent_at_{};
};

std::string_view to_string(CircuitBreaker::State state);

}  // namespace cinema::resilience
