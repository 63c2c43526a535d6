#pragma once
// What message does with the events it consumes (group "message"): each change of a reservation's
// state that the customer must hear of becomes one stored, pending message:
//   ReservationConfirmed, ReservationRejected, ReservationCancelled, PaymentDeclined, PaymentCancelled
// Delivery is not its job (see dispatcher.hpp): storing never waits for a sender.
#include <chrono>

#include "events/event.hpp"
#include "services/message/message_repository.hpp"

namespace cinema::message {

class MessagePolicy {
 public:
  explicit MessagePolicy(MessageRepository& messages) : messages_(messages) {}
  // Runs inside the inbox transaction. `now` dates the message when the event carries no timestamp.
  // True when a message was stored.
  bool apply(const events::Event& event, std::chrono::system_clock::time_point now);

 private:
  MessageRepository& messages_;
};

}  // namespace cinema::message
