// Unit tier: message texts and the delivery retry schedule, as pure functions.
#include "services/message/message.hpp"

#include <gtest/gtest.h>

namespace cinema::message {
namespace {
using namespace std::chrono_literals;

Notice notice(std::string kind) {
  return Notice{.kind = std::move(kind), .customer_id = "kim", .rsv_id = 1, .movie_id = 1};
}

TEST(MessageTextTest, ConfirmedNamesTheSeatsAndTheMovie) {
  auto confirmed = notice("ReservationConfirmed");
  confirmed.seats = {"A1", "A2"};
  EXPECT_EQ(notice_text(confirmed), "Reservation 1 confirmed: seats A1, A2 for movie 1.");
}

TEST(MessageTextTest, ConfirmedWithoutSeatsStillNamesTheMovie) {
  EXPECT_EQ(notice_text(notice("ReservationConfirmed")), "Reservation 1 confirmed for movie 1.");
}

TEST(MessageTextTest, RejectedSaysNoSeatsWereTaken) {
  EXPECT_EQ(notice_text(notice("ReservationRejected")), "Reservation 1 for movie 1 was rejected; no seats were taken.");
}

TEST(MessageTextTest, CancelledNamesTheRefundedPaymentWhenThereIsOne) {
  auto cancelled = notice("ReservationCancelled");
  EXPECT_EQ(notice_text(cancelled), "Reservation 1 was cancelled.");
  cancelled.pay_id = 7;
  EXPECT_EQ(notice_text(cancelled), "Reservation 1 was cancelled; your payment 7 was refunded.");
}

TEST(MessageTextTest, PaymentDeclinedGivesTheReason) {
  auto declined = notice("PaymentDeclined");
  declined.pay_id = 2;
  declined.reason = "card_declined";
  EXPECT_EQ(notice_text(declined), "Payment 2 for reservation 1 was declined (card_declined).");
}

TEST(MessageTextTest, PaymentCancelledSaysRefunded) {
  auto refunded = notice("PaymentCancelled");
  refunded.pay_id = 3;
  EXPECT_EQ(notice_text(refunded), "Payment 3 for reservation 1 was refunded.");
}

TEST(MessageTextTest, OnlyStateChangesTheCustomerMustHearOfAreNotified) {
  for (auto kind : kKinds) EXPECT_TRUE(is_notified_kind(kind)) << kind;
  for (auto kind : {"ReservationCreated", "PaymentApproved", "MovieReserved", "MessageSent", ""})
    EXPECT_FALSE(is_notified_kind(kind)) << kind;
}

TEST(MessageTest, NewMessageIsPendingDueAtOnceWithItsTextAndEvent) {
  auto message = new_message(notice("ReservationRejected"), "event-1", "2022-04-07T07:02:50Z", "trace");
  EXPECT_EQ(message.event_id, "event-1");
  EXPECT_EQ(message.customer_id, "kim");
  EXPECT_EQ(message.kind, "ReservationRejected");
  EXPECT_EQ(message.text, notice_text(notice("ReservationRejected")));
  EXPECT_EQ(message.created_at, "2022-04-07T07:02:50Z");
  EXPECT_EQ(message.delivery, delivery::pending);
  EXPECT_EQ(message.attempts, 0);
  EXPECT_EQ(message.next_attempt_ms, 0);
}

TEST(RetryScheduleTest, DelayDoublesFromTheBaseAndStopsAtOneMinute) {
  EXPECT_EQ(retry_delay(0, 500ms), 500ms);
  EXPECT_EQ(retry_delay(1, 500ms), 1000ms);
  EXPECT_EQ(retry_delay(2, 500ms), 2000ms);
  EXPECT_EQ(retry_delay(6, 500ms), 32000ms);
  EXPECT_EQ(retry_delay(7, 500ms), kMaxRetryDelay);
  EXPECT_EQ(retry_delay(1000, 500ms), kMaxRetryDelay) << "no overflow however many attempts";
  EXPECT_EQ(retry_delay(0, 90s), kMaxRetryDelay);
}

TEST(RetryScheduleTest, FailedAttemptIsRetriedAfterTheBackoff) {
  RetryPolicy policy{100ms, 8};
  auto message = new_message(notice("ReservationConfirmed"), "e", "t", "");
  auto first = after_attempt(message, false, 10'000, policy);
  EXPECT_EQ(first.delivery, delivery::pending);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_EQ(first.next_attempt_ms, 10'100);
  auto second = after_attempt(first, false, 20'000, policy);
  EXPECT_EQ(second.attempts, 2);
  EXPECT_EQ(second.next_attempt_ms, 20'200);
}

TEST(RetryScheduleTest, SuccessfulAttemptIsDelivered) {
  auto message = after_attempt(new_message(notice("ReservationConfirmed"), "e", "t", ""), true, 5, {});
  EXPECT_EQ(message.delivery, delivery::delivered);
  EXPECT_EQ(message.attempts, 1);
}

TEST(RetryScheduleTest, GivesUpAsFailedWhenTheLastAllowedAttemptFails) {
  RetryPolicy policy{100ms, 3};
  auto message = new_message(notice("ReservationConfirmed"), "e", "t", "");
  for (int i = 0; i < 2; ++i) message = after_attempt(message, false, 0, policy);
  EXPECT_EQ(message.delivery, delivery::pending);
  message = after_attempt(message, false, 0, policy);
  EXPECT_EQ(message.delivery, delivery::failed);
  EXPECT_EQ(message.attempts, 3);
}

}  // namespace
}  // namespace cinema::message
