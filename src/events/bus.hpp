#pragma once
// The event bus every service uses, with two backends behind it: the embedded durable log (default
// of `cinema up`) and Kafka. Delivery is at-least-once: a consumer commits its position only after
// its effect is stored, and skips event ids it already applied (see inbox.hpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"

namespace cinema::events {

class BusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether a consumer group applies events of this type (empty: every type).
using EventFilter = std::function<bool(std::string_view event_type)>;

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Returns once every event is durably in `topic`, in the given order per key. Throws BusError.
  virtual void publish(const std::string& topic, std::span<const Event> events) = 0;
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // The next events after this group's committed position; waits up to `timeout` when there are
  // none. May return events again after a crash or rebalance (at-least-once).
  virtual std::vector<Event> poll(std::chrono::milliseconds timeout) = 0;
  // Records that every event up to and including `event` has been applied.
  virtual void commit(const Event& event) = 0;
  // Events of the topic not yet committed by this consumer, or nullopt while it cannot tell (Kafka
  // before partitions are assigned). For lag metrics and reports: cheap, possibly a moment stale.
  virtual std::optional<std::int64_t> lag() = 0;
  // Sets the group's committed position back to the first event of the topic, so the next poll and
  // a restart both begin there (a replay). Events polled and not committed are dropped.
  virtual void rewind() = 0;
  // Whether the consumer has joined its group and holds its share of the topic's partitions (on
  // Kafka: after its first rebalance; the share may be empty when the group has more members than
  // the topic has partitions). Until then it receives nothing. The embedded log has no groups to join.
  virtual bool joined() { return true; }
};

class Bus {
 public:
  virtual ~Bus() = default;
  virtual std::unique_ptr<Publisher> publisher() = 0;
  // `group`: the consuming service ("viewpage"); each group sees every event of `topic`. Events
  // `wanted` turns away may come as their type and offset alone: the embedded log then never
  // reads their content (Kafka delivers them whole).
  virtual std::unique_ptr<Consumer> consumer(const std::string& group, const std::string& topic,
                                             EventFilter wanted) = 0;
  std::unique_ptr<Consumer> consumer(const std::string& group, const std::string& topic) {
    return consumer(group, topic, {});
  }
  [[nodiscard]] virtual std::string name() const = 0;  // "embedded" | "kafka"
};

}  // namespace cinema::events
