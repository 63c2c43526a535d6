#pragma once
// Runs one consumer group of a service on its own thread: poll, apply each event once through the
// inbox, commit the position. An event that keeps failing goes to the dead-letter topic with its
// error after `max_attempts`, and consumption continues (one bad event never stops the service).
#include <atomic>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "events/batch_pacer.hpp"
#include "events/bus.hpp"
#include "events/inbox.hpp"
#include "store/database.hpp"

namespace cinema {
class Counter;
class Logger;
class MetricsRegistry;
}  // namespace cinema

namespace cinema::events {

// Applies one event inside the inbox transaction: its database writes and outbox appends commit
// together with the record that the event was applied.
using EventHandler = std::function<void(const Event&)>;

struct ConsumerOptions {
  std::string group;
  std::string topic;
  std::string dead_letter_topic;
  int max_attempts = 5;
  // Events of other types only move the group's position: no transaction, no inbox record
  // (applying them would change nothing). Empty: every event.
  EventFilter wanted;
  // Least time between two batches (see BatchPacer); zero applies at every wake-up.
  std::chrono::milliseconds batch_interval{};
};

class ConsumerRunner {
 public:
  ConsumerRunner(ConsumerOptions options, Bus& bus, store::Database& db, EventHandler handler, Logger& log,
                 MetricsRegistry& metrics);
  ~ConsumerRunner();
  ConsumerRunner(const ConsumerRunner&) = delete;
  ConsumerRunner& operator=(const ConsumerRunner&) = delete;
  void stop();

  // Replays the topic: on the consumer's thread, sets the group's position back to the first event,
  // then runs `reset` (which clears what the handler built), so the events consumed afterwards
  // rebuild it. Rewinding first keeps a crash in between harmless: the inbox skips what is still
  // applied. The future is ready once both ran (or holds why they failed).
  std::future<void> replay(std::function<void()> reset);
  // Events not yet applied, as measured after the last poll; nullopt while unknown.
  [[nodiscard]] std::optional<std::int64_t> lag() const;
  // Whether the group's consumer has joined and receives events (see Consumer::joined). Shared, so
  // a readiness check may hold it beyond the runner's life.
  [[nodiscard]] std::shared_ptr<const std::atomic<bool>> joined() const { return joined_; }

 private:
  void run();
  void run_requested_replay();
  void measure_lag();
  // Applies the events in order, many per transaction; returns how many it applied (fewer only
  // when stopping).
  std::size_t apply_batch(const std::vector<Event>& batch);
  // One event in its own transaction, with retries, then the dead-letter topic. While the store
  // is unavailable (core/transient.hpp) it waits without counting attempts: that is no fault of
  // the event. Returns false only when it stopped waiting because the runner is stopping (the
  // event is not applied, and must not be committed as consumed).
  bool apply(const Event& event);
  void count(InboxOutcome outcome);
  void dead_letter(const Event& event, const std::string& error);

  ConsumerOptions options_;
  Bus& bus_;
  store::Database& db_;
  EventHandler handler_;
  Logger& log_;
  MetricsRegistry& metrics_;
  Counter& consumed_;
  Counter& duplicates_;
  Counter& ignored_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<Publisher> dead_letters_;
  std::mutex replay_mutex_;
  std::optional<std::packaged_task<void()>> replay_;
  // -1 while unknown. Shared with the lag gauge, which may be read after this runner is gone.
  std::shared_ptr<std::atomic<std::int64_t>> lag_ = std::make_shared<std::atomic<std::int64_t>>(-1);
  std::shared_ptr<std::atomic<bool>> joined_ = std::make_shared<std::atomic<bool>>(false);
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cinema::events
