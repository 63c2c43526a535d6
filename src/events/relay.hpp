#pragma once
// Copies outbox rows to the bus, oldest first, on a thread of its own so a slow or absent bus never
// blocks request handling. A row is deleted only after the bus confirmed it durable; a crash in
// between republishes it (at-least-once; consumers dedupe by event id).
#include <condition_variable>
#include <mutex>
#include <thread>

#include "events/batch_pacer.hpp"
#include "events/bus.hpp"
#include "events/outbox.hpp"

namespace cinema {
class Logger;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::events {

class Relay {
 public:
  // Batches are at least `batch_interval` apart on `clock` (see BatchPacer); zero publishes at every
  // wake-up.
  Relay(Outbox& outbox, std::unique_ptr<Publisher> publisher, Logger& log, MetricsRegistry& metrics,
        std::chrono::milliseconds batch_interval = {}, PacerClock& clock = PacerClock::steady());
  ~Relay();  // stops the thread after one last attempt to drain
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Wakes the relay now (after a commit that appended events) instead of at its next poll.
  void notify();
  void stop();

 private:
  void run();
  bool publish_batch();  // returns whether rows remain

  Outbox& outbox_;
  std::unique_ptr<Publisher> publisher_;
  Logger& log_;
  MetricsRegistry& metrics_;
  BatchPacer pacer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = true;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cinema::events
