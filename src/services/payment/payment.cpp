#include "services/payment/payment.hpp"

namespace cinema::payment {

contracts::PaymentState settle(const contracts::PaymentRequest& request, const CardVerdict& verdict) {
  bool approved = verdict.kind == CardVerdict::Kind::approved;
  return contracts::PaymentState{0,
                                 request.rsv_id,
                                 request.movie_id,
                                 std::string(approved ? status::paid : status::declined),
                                 request.amount,
                                 request.customer_id,
                                 approved ? std::string{} : verdict.reason,
                                 1};
}

bool same_charge(const contracts::PaymentState& stored, const contracts::PaymentRequest& request) {
  return stored.amount == request.amount;
}

std::string_view event_type_of(const contracts::PaymentState& payment) {
  if (payment.status == status::paid) return "PaymentApproved";
  if (payment.status == status::declined) return "PaymentDeclined";
  return "PaymentCancelled";
}

Refund refund(const std::optional<contracts::PaymentState>& payment) {
  if (!payment) return {std::nullopt, "no payment for this reservation"};
  if (payment->status == status::declined) return {std::nullopt, "payment was declined: nothing was charged"};
  if (payment->status == status::cancelled) return {std::nullopt, "payment is already cancelled"};
  auto refunded = *payment;
  refunded.status = std::string(status::cancelled);
  ++refunded.version;
  return {refunded, {}};
}

}  // namespace cinema::payment
