#include "services/payment/payment_policy.hpp"

#include "services/payment/payment.hpp"

namespace cinema::payment {
namespace {
// The payment changed between this event's read and its write (another instance of payment
// decided it): a transient failure, so the event is applied again on what is there now.
void changed_by_nobody_else(bool updated) {
  if (!updated) throw store::StoreConflict("the payment changed while this event was applied; applying it again");
}
}  // namespace

void PaymentPolicy::apply(const events::Event& event) {
  if (!handles(event.event_type)) return;
  auto reservation = contracts::reservation_state_of(event);
  auto trace_id = contracts::payload_of(event).value("correlationId", "");
  refund_paid(reservation, trace_id);
  if (event.event_type == "ReservationRejected") close_unpaid(reservation, trace_id);
}

void PaymentPolicy::refund_paid(const contracts::ReservationState& reservation, const std::string& trace_id) {
  auto decision = refund(payments_.find_by_rsv(reservation.rsv_id));
  if (!decision.refunded) {
    log_.log(LogLevel::debug, "no refund", trace_id,
             {{"rsvId", reservation.rsv_id}, {"reason", std::string_view(decision.skipped_because)}});
    return;
  }
  changed_by_nobody_else(payments_.update(*decision.refunded));
  events_.emit(contracts::payment_event("PaymentCancelled", *decision.refunded,
                                        {trace_id, std::chrono::system_clock::now()}));
}

void PaymentPolicy::close_unpaid(const contracts::ReservationState& reservation, const std::string& trace_id) {
  auto current = payments_.find_by_rsv(reservation.rsv_id);
  if (current && current->status != status::pending) return;
  contracts::PaymentRequest request{reservation.rsv_id, reservation.movie_id, reservation.amount,
                                    reservation.customer_id, {}};
  auto closed = voided(request, "reservation_rejected");
  if (current) {
    closed = decide(*current);
    closed.reason = "reservation_rejected";
    changed_by_nobody_else(payments_.update(closed));
    events_.emit(contracts::payment_event(event_type_of(closed), closed, {trace_id, std::chrono::system_clock::now()}));
  } else {
    // No payment was ever made: a marker, not a change of money, so nothing to announce.
    payments_.insert(closed);
  }
  log_.log(LogLevel::warn, "charge closed for a rejected reservation", trace_id, {{"rsvId", reservation.rsv_id}});
}

}  // namespace cinema::payment
