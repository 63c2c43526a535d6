#pragma once
// What payment does with the events it consumes (group "payment"):
//   ReservationCancelRequested -> refund the reservation's payment if it is paid: cancelled,
//                                 PaymentCancelled. Missing, declined or cancelled: nothing (logged).
//   anything else              -> ignored
#include <string_view>

#include "core/log.hpp"
#include "events/event.hpp"
#include "events/event_sink.hpp"
#include "services/payment/payment_repository.hpp"

namespace cinema::payment {

class PaymentPolicy {
 public:
  PaymentPolicy(PaymentRepository& payments, events::EventSink& events, Logger& log)
      : payments_(payments), events_(events), log_(log) {}
  // The event types apply() acts on; the consumer skips the others without a transaction.
  static bool handles(std::string_view event_type) { return event_type == "ReservationCancelRequested"; }
  // Runs inside the inbox transaction: the refund and its event commit with the inbox record.
  void apply(const events::Event& event);

 private:
  PaymentRepository& payments_;
  events::EventSink& events_;
  Logger& log_;
};

}  // namespace cinema::payment
