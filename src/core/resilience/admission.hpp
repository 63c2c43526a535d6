#pragma once
// Admission control: how many requests of a route may be in progress at once, a limit that follows
// the latency they are served with (TCP Vegas, as Netflix's concurrency-limits applies it to servers).
// A request past the limit is turned away at once instead of queueing, so the ones let in keep the
// latency of an unloaded service while the rest are told to come back.
//
// Once per window (at least `window` long and `window_samples` latencies) the window's mean latency
// is set against the no-load latency (the lowest window mean of the last `no_load_horizon`). By
// Little's law, limit x (1 - no_load / mean) requests of the window were waiting rather than being
// served. Few waiting: the limit grows (fast when nobody waited); many: it shrinks by a step; never
// outside [min_limit, max_limit]. A window with a dropped request (one that timed out downstream)
// shrinks it by a tenth. A window whose in-flight count never reached half the limit tells nothing
// of what more would cost, and leaves it alone. Time is passed in; thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>

namespace cinema::resilience {

struct AdmissionOptions {
  int initial_limit = 32;
  int min_limit = 32;
  int max_limit = 500;
  std::chrono::milliseconds window{100};
  int window_samples = 10;
  std::chrono::milliseconds no_load_horizon{30'000};
};

class AdmissionLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // What a finished request tells about the route's latency: `sample` (it did the route's whole
  // work), `ignore` (it ended early, e.g. refused before the costly part: its latency would pass
  // for an unloaded service), `dropped` (it timed out on a dependency).
  enum class Outcome { sample, ignore, dropped };

  // Throws std::invalid_argument for limits out of order or a window without samples.
  explicit AdmissionLimiter(AdmissionOptions options);

  // Whether one more request may start: if so it counts as in flight until release().
  bool try_acquire();
  // A request try_acquire() let in finished at `now`, `latency` after it started.
  void release(Clock::time_point now, Clock::duration latency, Outcome outcome);

  [[nodiscard]] int limit() const;
  [[nodiscard]] int in_flight() const;
  [[nodiscard]] std::uint64_t rejected() const;
  // Zero until a first window closed.
  [[nodiscard]] Clock::duration no_load_latency() const;

 private:
  struct WindowMean {
    Clock::time_point at;
    Clock::duration mean;
  };
  void close_window_locked(Clock::time_point now);
  void remember_mean_locked(Clock::time_point now, Clock::duration mean);
  [[nodiscard]] double next_limit_locked(Clock::duration mean, Clock::duration no_load) const;

  const AdmissionOptions options_;
  mutable std::mutex mutex_;
  double limit_;
  int in_flight_ = 0;
  std::uint64_t rejected_ = 0;
  // The current window.
  bool window_open_ = false;
  Clock::time_point window_start_{};
  Clock::duration latency_sum_{};
  int samples_ = 0;
  int peak_in_flight_ = 0;
  bool dropped_ = false;
  // Window means of the horizon, ascending from the front (a monotonic queue): front() is their minimum.
  std::deque<WindowMean> means_;
};

}  // namespace cinema::resilience
