#include "services/payment/payment_policy.hpp"

#include "contracts/reservation_events.hpp"
#include "services/payment/payment.hpp"

namespace cinema::payment {

void PaymentPolicy::apply(const events::Event& event) {
  if (!handles(event.event_type)) return;
  auto reservation = contracts::reservation_state_of(event);
  auto decision = refund(payments_.find_by_rsv(reservation.rsv_id));
  auto trace_id = contracts::payload_of(event).value("correlationId", "");
  if (!decision.refunded) {
    log_.log(LogLevel::info, "no refund", trace_id,
             {{"rsvId", reservation.rsv_id}, {"reason", std::string_view(decision.skipped_because)}});
    return;
  }
  payments_.update(*decision.refunded);
  events_.emit(contracts::payment_event("PaymentCancelled", *decision.refunded,
                                        {trace_id, std::chrono::system_clock::now()}));
}

}  // namespace cinema::payment
