#include "contracts/payment_events.hpp"

#include "contracts/payment_api.hpp"

namespace cinema::contracts {

events::Event payment_event(std::string_view type, const PaymentState& payment, const EventOrigin& origin) {
  Fields fields{{"payId", payment.pay_id},   {"rsvId", payment.rsv_id},
                {"movieId", payment.movie_id}, {"status", payment.status},
                {"amount", payment.amount},  {"customerId", payment.customer_id}};
  if (!payment.reason.empty()) fields["reason"] = payment.reason;
  return make_event(type, payment.movie_id, std::move(fields), payment.version, origin);
}

PaymentState payment_state_of(const events::Event& event) { return payment_state_of(payload_of(event)); }

PaymentState payment_state_of(const Fields& payload) { return payment_from_fields(payload); }

}  // namespace cinema::contracts
