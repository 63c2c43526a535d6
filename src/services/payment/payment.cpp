#include "services/payment/payment.hpp"

namespace cinema::payment {

contracts::PaymentState settle(const contracts::PaymentRequest& request, const CardVerdict& verdict) {
  using Kind = CardVerdict::Kind;
  auto state = verdict.kind == Kind::approved ? status::paid : verdict.kind == Kind::hangs ? status::pending
                                                                                           : status::declined;
  return contracts::PaymentState{0,
                                 request.rsv_id,
                                 request.movie_id,
                                 std::string(state),
                                 request.amount,
                                 request.customer_id,
                                 verdict.kind == Kind::approved ? std::string{} : verdict.reason,
                                 1};
}

contracts::PaymentState decide(contracts::PaymentState pending) {
  pending.status = std::string(status::declined);
  ++pending.version;
  return pending;
}

contracts::PaymentState voided(const contracts::PaymentRequest& request, std::string reason) {
  return contracts::PaymentState{0,       request.rsv_id,      request.movie_id, std::string(status::declined),
                                 request.amount, request.customer_id, std::move(reason), 1};
}

bool same_charge(const contracts::PaymentState& stored, const contracts::PaymentRequest& request) {
  return stored.rsv_id == request.rsv_id && stored.amount == request.amount &&
         stored.customer_id == request.customer_id && stored.movie_id == request.movie_id;
}

bool amount_in_bounds(std::int64_t amount) { return amount >= 0 && amount <= contracts::kMaxAmount; }

std::string_view event_type_of(const contracts::PaymentState& payment) {
  if (payment.status == status::paid) return "PaymentApproved";
  if (payment.status == status::pending) return {};
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
