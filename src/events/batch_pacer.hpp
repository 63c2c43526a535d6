#pragma once
// Spaces the batches of a relay or a consumer group at least `interval` apart. Under load, events
// that arrive within the interval then share one transaction and one publish instead of paying a
// commit each; when events come further apart than the interval nothing waits, so an idle system
// keeps its sub-millisecond delivery. An event waits at most `interval` more per hop.
#include <chrono>
#include <thread>

namespace cinema::events {

// The time a pacer reads and sleeps on: the steady clock in production. A test passes a clock it
// advances by hand, so it checks what shares a batch without guessing how long anything takes.
class PacerClock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~PacerClock() = default;
  virtual time_point now() = 0;
  virtual void sleep_until(time_point when) = 0;

  static PacerClock& steady() {
    struct Steady final : PacerClock {
      time_point now() override { return std::chrono::steady_clock::now(); }
      void sleep_until(time_point when) override { std::this_thread::sleep_until(when); }
    };
    static Steady clock;
    return clock;
  }
};

class BatchPacer {
 public:
  explicit BatchPacer(std::chrono::milliseconds interval, PacerClock& clock = PacerClock::steady())
      : interval_(interval), clock_(clock) {}

  // Before taking a batch: sleeps out what is left of the interval since the last one.
  void wait_turn() const {
    if (interval_.count() > 0) clock_.sleep_until(last_batch_ + interval_);
  }
  // After a batch that carried events (an empty one does not count: it starts no interval).
  void took_batch() { last_batch_ = clock_.now(); }

 private:
  std::chrono::milliseconds interval_;
  PacerClock& clock_;
  PacerClock::time_point last_batch_{};
};

}  // namespace cinema::events
