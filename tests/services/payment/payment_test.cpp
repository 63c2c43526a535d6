// Unit tier: the card processor and the payment rules, pure values only.
#include <gtest/gtest.h>

#include "services/payment/payment.hpp"

namespace cinema::payment {
namespace {
using Kind = CardVerdict::Kind;

contracts::PaymentRequest request_with_card(std::string card) {
  return contracts::PaymentRequest{7, 3, 24000, "kim", std::move(card)};
}

contracts::PaymentState stored(std::string status) {
  return contracts::PaymentState{5, 7, 3, std::move(status), 24000, "kim", "", 1};
}

TEST(CardProcessorTest, DefaultCardIsApproved) {
  auto verdict = process_card(request_with_card(""));
  EXPECT_EQ(verdict.kind, Kind::approved);
  EXPECT_EQ(verdict.reason, "");
}

TEST(CardProcessorTest, AnyOtherCardNumberIsApproved) {
  EXPECT_EQ(process_card(request_with_card("4111111111111111")).kind, Kind::approved);
  EXPECT_EQ(process_card(request_with_card("4000000000000003")).kind, Kind::approved);
}

TEST(CardProcessorTest, DeclineTestCardIsDeclinedAsCardDeclined) {
  auto verdict = process_card(request_with_card("4000000000000002"));
  EXPECT_EQ(verdict.kind, Kind::declined);
  EXPECT_EQ(verdict.reason, "card_declined");
}

TEST(CardProcessorTest, InsufficientFundsTestCardIsDeclinedWithThatReason) {
  auto verdict = process_card(request_with_card("4000000000009995"));
  EXPECT_EQ(verdict.kind, Kind::declined);
  EXPECT_EQ(verdict.reason, "insufficient_funds");
}

TEST(CardProcessorTest, HangingTestCardHangsAndEndsAsProcessorTimeout) {
  auto verdict = process_card(request_with_card("4000000000000119"));
  EXPECT_EQ(verdict.kind, Kind::hangs);
  EXPECT_EQ(verdict.reason, "processor_timeout");
}

TEST(PaymentRulesTest, ApprovedRequestSettlesAsPaidWithTheRequestsFields) {
  auto payment = settle(request_with_card(""), {Kind::approved, {}});
  EXPECT_EQ(payment.status, "paid");
  EXPECT_EQ(payment.rsv_id, 7);
  EXPECT_EQ(payment.movie_id, 3);
  EXPECT_EQ(payment.amount, 24000);
  EXPECT_EQ(payment.customer_id, "kim");
  EXPECT_EQ(payment.reason, "");
  EXPECT_EQ(payment.version, 1);
}

TEST(PaymentRulesTest, DeclinedRequestsSettleAsDeclinedAndHungOnesPendingUntilDecided) {
  EXPECT_EQ(settle(request_with_card(""), {Kind::declined, "card_declined"}).status, "declined");
  auto hung = settle(request_with_card(""), {Kind::hangs, "processor_timeout"});
  EXPECT_EQ(hung.status, "pending");
  EXPECT_TRUE(event_type_of(hung).empty()) << "nothing to announce while pending";
  auto timed_out = decide(hung);
  EXPECT_EQ(timed_out.status, "declined");
  EXPECT_EQ(timed_out.reason, "processor_timeout");
  EXPECT_EQ(timed_out.version, 2);
}

TEST(PaymentRulesTest, RepeatIsTheSameChargeOnlyWithTheSameAmount) {
  auto request = request_with_card("");
  EXPECT_TRUE(same_charge(stored("paid"), request));
  request.amount = 24001;
  EXPECT_FALSE(same_charge(stored("paid"), request));
}

TEST(PaymentRulesTest, EventTypeFollowsTheStatus) {
  EXPECT_EQ(event_type_of(stored("paid")), "PaymentApproved");
  EXPECT_EQ(event_type_of(stored("declined")), "PaymentDeclined");
  EXPECT_EQ(event_type_of(stored("cancelled")), "PaymentCancelled");
}

TEST(RefundRuleTest, PaidPaymentIsRefundedAsCancelledWithTheNextVersion) {
  auto decision = refund(stored("paid"));
  ASSERT_TRUE(decision.refunded);
  EXPECT_EQ(decision.refunded->status, "cancelled");
  EXPECT_EQ(decision.refunded->pay_id, 5);
  EXPECT_EQ(decision.refunded->version, 2);
}

TEST(RefundRuleTest, MissingDeclinedOrCancelledPaymentIsNotRefundedAndSaysWhy) {
  for (const auto& payment : {std::optional<contracts::PaymentState>{}, std::optional(stored("declined")),
                              std::optional(stored("cancelled"))}) {
    auto decision = refund(payment);
    EXPECT_FALSE(decision.refunded);
    EXPECT_FALSE(decision.skipped_because.empty());
  }
}

}  // namespace
}  // namespace cinema::payment
