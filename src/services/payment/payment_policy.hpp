#pragma once
// What payment does with the events it consumes (group "payment"):
//   ReservationCancelRequested -> refund the reservation's payment if it is paid: cancelled,
//                                 PaymentCancelled. Missing, declined or cancelled: nothing (logged).
//   ReservationRejected        -> a charge never outlives a rejected reservation: a paid payment is
//                                 refunded (PaymentCancelled); a pending one, or none, is recorded
//                                 declined (reservation_rejected) so that no later call charges it.
//   anything else              -> ignored
#include <string_view>

#include "contracts/reservation_events.hpp"
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
  static bool handles(std::string_view event_type) {
    return event_type == "ReservationCancelRequested" || event_type == "ReservationRejected";
  }
  // Runs inside the inbox transaction: the refund and its event commit with the inbox record.
  void apply(const events::Event& event);

 private:
  void refund_paid(const contracts::ReservationState& reservation, const std::string& trace_id);
  void close_unpaid(const contracts::ReservationState& reservation, const std::string& trace_id);

  PaymentRepository& payments_;
  events::EventSink& events_;
  Logger& log_;
};

}  // namespace cinema::payment
