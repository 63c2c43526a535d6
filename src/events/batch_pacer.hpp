#pragma once
// Spaces the batches of a relay or a consumer group at least `interval` apart. Under load, events
// that arrive within the interval then share one transaction and one publish instead of paying a
// commit each; when events come further apart than the interval nothing waits, so an idle system
// keeps its sub-millisecond delivery. An event waits at most `interval` more per hop.
#include <chrono>
#include <thread>

namespace cinema::events {

class BatchPacer {
 public:
  explicit BatchPacer(std::chrono::milliseconds interval) : interval_(interval) {}

  // Before taking a batch: sleeps out what is left of the interval since the last one.
  void wait_turn() const {
    if (interval_.count() > 0) std::this_thread::sleep_until(last_batch_ + interval_);
  }
  // After a batch that carried events (an empty one does not count: it starts no interval).
  void took_batch() { last_batch_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_batch_{};
};

}  // namespace cinema::events
