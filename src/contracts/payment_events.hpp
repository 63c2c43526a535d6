#pragma once
// Events of the payment service (PaymentApproved, PaymentDeclined, PaymentCancelled), as the seed
// writes them: {"eventType":"PaymentApproved","timestamp":..,"payId":1,"rsvId":1,"movieId":1,
// "status":"paid", + amount, customerId, reason (declines), eventId, correlationId, version}
#include <cstdint>
#include <string>

#include "contracts/event_payload.hpp"

namespace cinema::contracts {

struct PaymentState {
  std::int64_t pay_id = 0;
  std::int64_t rsv_id = 0;
  std::int64_t movie_id = 0;
  std::string status;  // paid | declined | cancelled
  std::int64_t amount = 0;
  std::string customer_id;
  std::string reason;  // why a payment was declined; empty otherwise
  std::int64_t version = 0;
};

events::Event payment_event(std::string_view type, const PaymentState& payment, const EventOrigin& origin);
PaymentState payment_state_of(const events::Event& event);
PaymentState payment_state_of(const Fields& payload);  // a payload parsed already

}  // namespace cinema::contracts
