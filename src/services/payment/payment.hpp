#pragma once
// The payment aggregate and its rules, on the shared contract values (contracts::PaymentState is
// the payment itself; the API and the events carry it unchanged). Pure: no JSON, SQL or clock.
//   first request -> paid | declined | pending (the card processor decides, or takes its time)
//   pending -> declined once the processor's time is up (processor_timeout)
//   no request yet, asked to void (recovery) or the reservation was rejected -> declined: nothing is
//   charged and no later request can charge it
//   paid -> cancelled (refund, when the reservation is cancelled or rejected); declined and cancelled are final
#include <optional>
#include <string>
#include <string_view>

#include "contracts/payment_api.hpp"
#include "services/payment/card_processor.hpp"

namespace cinema::payment {

namespace status {
inline constexpr std::string_view pending = "pending";
inline constexpr std::string_view paid = "paid";
inline constexpr std::string_view declined = "declined";
inline constexpr std::string_view cancelled = "cancelled";
}  // namespace status

// The payment a first request leads to (payId 0 until it is stored): paid or declined as the
// processor decided, or pending while a hanging processor takes its time (reason: what it becomes).
contracts::PaymentState settle(const contracts::PaymentRequest& request, const CardVerdict& verdict);
// A pending payment whose processor's time is up: declined with the reason it was stored with.
contracts::PaymentState decide(contracts::PaymentState pending);
// A charge that was never made and now never will be (`reason`: not_received | reservation_rejected).
contracts::PaymentState voided(const contracts::PaymentRequest& request, std::string reason);

// A repeated request is only the same call if it asks for the same reservation, amount, customer
// and movie; otherwise it is a conflict, never a second charge.
bool same_charge(const contracts::PaymentState& stored, const contracts::PaymentRequest& request);

// The event announcing a payment in its current status: PaymentApproved | PaymentDeclined |
// PaymentCancelled; empty for a pending one (nothing is decided to announce yet).
std::string_view event_type_of(const contracts::PaymentState& payment);

struct Refund {
  std::optional<contracts::PaymentState> refunded;  // the cancelled payment, when there was one to refund
  std::string skipped_because;                      // why nothing was refunded otherwise
};
// Only a paid payment is refunded; a missing, declined or already cancelled one is left alone.
Refund refund(const std::optional<contracts::PaymentState>& payment);

// Whether a request of this amount may be charged at all (0 .. contracts::kMaxAmount).
bool amount_in_bounds(std::int64_t amount);

}  // namespace cinema::payment
