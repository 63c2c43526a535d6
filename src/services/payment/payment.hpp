#pragma once
// The payment aggregate and its rules, on the shared contract values (contracts::PaymentState is
// the payment itself; the API and the events carry it unchanged). Pure: no JSON, SQL or clock.
//   first request -> paid | declined (the card processor decides)
//   paid -> cancelled (refund, when the reservation is cancelled); declined and cancelled are final
#include <optional>
#include <string>
#include <string_view>

#include "contracts/payment_api.hpp"
#include "services/payment/card_processor.hpp"

namespace cinema::payment {

namespace status {
inline constexpr std::string_view paid = "paid";
inline constexpr std::string_view declined = "declined";
inline constexpr std::string_view cancelled = "cancelled";
}  // namespace status

// The payment a first request leads to once the processor decided (payId 0 until it is stored).
contracts::PaymentState settle(const contracts::PaymentRequest& request, const CardVerdict& verdict);

// A repeated request is only the same call if it asks for the same amount; otherwise it is a conflict.
bool same_charge(const contracts::PaymentState& stored, const contracts::PaymentRequest& request);

// The event announcing a payment in its current status: PaymentApproved | PaymentDeclined | PaymentCancelled.
std::string_view event_type_of(const contracts::PaymentState& payment);

struct Refund {
  std::optional<contracts::PaymentState> refunded;  // the cancelled payment, when there was one to refund
  std::string skipped_because;                      // why nothing was refunded otherwise
};
// Only a paid payment is refunded; a missing, declined or already cancelled one is left alone.
Refund refund(const std::optional<contracts::PaymentState>& payment);

}  // namespace cinema::payment
