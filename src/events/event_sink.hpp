#pragma once
// Where a service's code puts the events it causes. The runtime's sink writes them to the outbox
// of the open transaction; tests can use OutboxSink on a bare database without any bus.
#include <string>

#include "events/event.hpp"
#include "events/outbox.hpp"

namespace cinema::events {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Call inside the transaction of the state change.
  virtual void emit(const Event& event) = 0;
  // Call after the commit: the events may be published now.
  virtual void published() = 0;
};

// Appends to an outbox; publishing is someone else's job (the relay, or a test reading the outbox).
class OutboxSink final : public EventSink {
 public:
  OutboxSink(Outbox& outbox, std::string topic) : outbox_(outbox), topic_(std::move(topic)) {}
  void emit(const Event& event) override { outbox_.append(event, topic_); }
  void published() override {}

 private:
  Outbox& outbox_;
  std::string topic_;
};

}  // namespace cinema::events
