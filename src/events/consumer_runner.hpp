#pragma once
// Runs one consumer group of a service on its own thread: poll, apply each event once through the
// inbox, commit the position. An event that keeps failing goes to the dead-letter topic with its
// error after `max_attempts`, and consumption continues (one bad event never stops the service).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "events/bus.hpp"
#include "store/database.hpp"

namespace cinema {
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
};

class ConsumerRunner {
 public:
  ConsumerRunner(ConsumerOptions options, Bus& bus, store::Database& db, EventHandler handler, Logger& log,
                 MetricsRegistry& metrics);
  ~ConsumerRunner();
  ConsumerRunner(const ConsumerRunner&) = delete;
  ConsumerRunner& operator=(const ConsumerRunner&) = delete;
  void stop();

 private:
  void run();
  void apply(const Event& event);
  void dead_letter(const Event& event, const std::string& error);

  ConsumerOptions options_;
  Bus& bus_;
  store::Database& db_;
  EventHandler handler_;
  Logger& log_;
  MetricsRegistry& metrics_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<Publisher> dead_letters_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace cinema::events
