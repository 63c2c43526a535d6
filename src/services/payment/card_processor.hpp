#pragma once
// The simulated card processor: a pure function of the payment request, so every outcome can be
// provoked on purpose (tests, demos, the saga's compensation paths) and a replay decides the same.
//
// Test cards (the request's cardNumber):
//   (empty: the default card) or any other number -> approved
//   4000000000000002 -> declined, reason "card_declined"
//   4000000000009995 -> declined, reason "insufficient_funds"
//   4000000000000119 -> the processor hangs: no answer for payment.processor_hang_ms (default 30 s),
//                       then the payment is recorded declined, reason "processor_timeout". A caller
//                       with a shorter timeout sees a timeout and learns the outcome from GET later.
#include <string>
#include <string_view>

#include "contracts/payment_api.hpp"

namespace cinema::payment {

inline constexpr std::string_view kDeclinedCard = "4000000000000002";
inline constexpr std::string_view kInsufficientFundsCard = "4000000000009995";
inline constexpr std::string_view kHangingCard = "4000000000000119";

struct CardVerdict {
  enum class Kind { approved, declined, hangs };
  Kind kind = Kind::approved;
  std::string reason;  // why it is declined; for `hangs`, the reason recorded once the wait is over
};

CardVerdict process_card(const contracts::PaymentRequest& request);

}  // namespace cinema::payment
