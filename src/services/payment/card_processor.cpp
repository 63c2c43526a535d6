#include "services/payment/card_processor.hpp"

namespace cinema::payment {

CardVerdict process_card(const contracts::PaymentRequest& request) {
  using Kind = CardVerdict::Kind;
  if (request.card_number == kDeclinedCard) return {Kind::declined, "card_declined"};
  if (request.card_number == kInsufficientFundsCard) return {Kind::declined, "insufficient_funds"};
  if (request.card_number == kHangingCard) return {Kind::hangs, "processor_timeout"};
  return {Kind::approved, {}};
}

}  // namespace cinema::payment
