// Component tier: the events message consumes, applied through the inbox on a real SQLite file.
#include "services/message/message_policy.hpp"

#include "events/inbox.hpp"
#include "message_fixture.hpp"

namespace cinema::message {
namespace {

class MessagePolicyTest : public MessageDatabaseTest {
 protected:
  void SetUp() override {
    MessageDatabaseTest::SetUp();
    policy_.emplace(*messages_);
  }
  events::InboxOutcome deliver(const events::Event& event) {
    return events::apply_once(*db_, event, [&] { stored_ = policy_->apply(event, now_); });
  }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::from_time_t(1'700'000'000);
  bool stored_ = false;
  std::optional<MessagePolicy> policy_;
};

TEST_F(MessagePolicyTest, ConfirmedReservationStoresOnePendingMessageForTheCustomer) {
  auto event = reservation_event("ReservationConfirmed", 1);
  EXPECT_EQ(deliver(event), events::InboxOutcome::applied);
  EXPECT_TRUE(stored_);
  auto stored = messages_of("kim");
  ASSERT_EQ(stored.size(), 1u);
  const auto& message = stored.front();
  EXPECT_EQ(message.event_id, event.event_id);
  EXPECT_EQ(message.kind, "ReservationConfirmed");
  EXPECT_EQ(message.rsv_id, 1);
  EXPECT_EQ(message.movie_id, 1);
  EXPECT_EQ(message.text, "Reservation 1 confirmed: seats A1, A2 for movie 1.");
  EXPECT_EQ(message.delivery, "pending");
  EXPECT_EQ(message.trace_id, kTrace);
  EXPECT_EQ(message.created_at, "2022-04-07T07:02:50Z") << "the event's timestamp, not the consumer's clock";
}

TEST_F(MessagePolicyTest, SameEventDeliveredTwiceStoresOneMessage) {
  auto event = reservation_event("ReservationConfirmed", 1);
  EXPECT_EQ(deliver(event), events::InboxOutcome::applied);
  EXPECT_EQ(deliver(event), events::InboxOutcome::duplicate);
  EXPECT_EQ(messages_of("kim").size(), 1u);
}

TEST_F(MessagePolicyTest, ReplayPastTheInboxIsStoppedByTheUniqueEvent) {
  auto event = reservation_event("ReservationConfirmed", 1);
  EXPECT_TRUE(policy_->apply(event, now_));
  EXPECT_FALSE(policy_->apply(event, now_));
  EXPECT_EQ(messages_of("kim").size(), 1u);
}

TEST_F(MessagePolicyTest, EveryStateChangeOfAReservationIsOneMessage) {
  deliver(reservation_event("ReservationConfirmed", 1));
  deliver(reservation_event("ReservationRejected", 2));
  deliver(payment_event("PaymentDeclined", 2));
  deliver(payment_event("PaymentCancelled", 1));
  deliver(reservation_event("ReservationCancelled", 1));
  auto stored = messages_of("kim");
  ASSERT_EQ(stored.size(), 5u);
  std::vector<std::string> kinds;
  for (const auto& message : stored) kinds.push_back(message.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"ReservationConfirmed", "ReservationRejected", "PaymentDeclined",
                                             "PaymentCancelled", "ReservationCancelled"}));
  EXPECT_EQ(stored[3].text, "Payment 1 for reservation 1 was refunded.");
  EXPECT_EQ(stored[4].text, "Reservation 1 was cancelled; your payment 1 was refunded.");
}

TEST_F(MessagePolicyTest, UnrelatedEventsStoreNothing) {
  for (auto type : {"ReservationCreated", "ReservationCancelRequested"}) deliver(reservation_event(type, 1));
  deliver(payment_event("PaymentApproved", 1));
  EXPECT_FALSE(stored_);
  EXPECT_TRUE(messages_of("kim").empty());
}

TEST_F(MessagePolicyTest, EventWithoutTimestampIsDatedByTheConsumersClock) {
  auto event = reservation_event("ReservationConfirmed", 1);
  auto payload = contracts::payload_of(event);
  payload.erase("timestamp");
  event.payload = payload.dump();
  deliver(event);
  EXPECT_EQ(messages_of("kim").front().created_at, "2023-11-14T22:13:20Z");
}

}  // namespace
}  // namespace cinema::message
