// Component tier: the message repository on a real SQLite file.
#include "message_fixture.hpp"

namespace cinema::message {
namespace {

using MessageRepositoryTest = MessageDatabaseTest;

TEST_F(MessageRepositoryTest, StoredMessageReadsBackFieldForField) {
  auto message = stored_message("event-1");
  message.attempts = 2;
  message.next_attempt_ms = 1234;
  auto stored = messages_->insert(message);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->id, 1);
  auto found = messages_->find(stored->id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->event_id, "event-1");
  EXPECT_EQ(found->customer_id, "kim");
  EXPECT_EQ(found->rsv_id, 1);
  EXPECT_EQ(found->movie_id, 1);
  EXPECT_EQ(found->kind, "ReservationConfirmed");
  EXPECT_EQ(found->text, message.text);
  EXPECT_EQ(found->created_at, "2022-04-07T07:02:50Z");
  EXPECT_EQ(found->trace_id, kTrace);
  EXPECT_EQ(found->delivery, "pending");
  EXPECT_EQ(found->attempts, 2);
  EXPECT_EQ(found->next_attempt_ms, 1234);
  EXPECT_FALSE(messages_->find(2));
}

TEST_F(MessageRepositoryTest, SecondMessageForTheSameEventIsNotStored) {
  ASSERT_TRUE(messages_->insert(stored_message("event-1")));
  EXPECT_FALSE(messages_->insert(stored_message("event-1")));
  EXPECT_EQ(messages_of("kim").size(), 1u);
}

TEST_F(MessageRepositoryTest, ListIsOneCustomersOldestFirstOptionallyOfOneReservation) {
  messages_->insert(stored_message("e1", "kim", 1));
  messages_->insert(stored_message("e2", "lee", 2));
  messages_->insert(stored_message("e3", "kim", 3));
  messages_->insert(stored_message("e4", "kim", 1));
  auto kims = messages_of("kim");
  ASSERT_EQ(kims.size(), 3u);
  EXPECT_EQ(kims[0].event_id, "e1");
  EXPECT_EQ(kims[2].event_id, "e4");
  auto of_rsv_1 = messages_->list("kim", 1, 100, 0);
  ASSERT_EQ(of_rsv_1.size(), 2u);
  EXPECT_EQ(of_rsv_1[1].event_id, "e4");
  auto page = messages_->list("kim", std::nullopt, 1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].event_id, "e3");
}

TEST_F(MessageRepositoryTest, DueIsPendingMessagesWhoseTimeHasComeEarliestFirst) {
  auto later = stored_message("later");
  later.next_attempt_ms = 200;
  auto sooner = stored_message("sooner");
  sooner.next_attempt_ms = 100;
  auto delivered = stored_message("delivered");
  delivered.delivery = delivery::delivered;
  auto future = stored_message("future");
  future.next_attempt_ms = 1000;
  for (const auto& m : {later, sooner, delivered, future}) messages_->insert(m);
  auto due = messages_->due(500, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].event_id, "sooner");
  EXPECT_EQ(due[1].event_id, "later");
  EXPECT_EQ(messages_->due(500, 1).size(), 1u);
}

TEST_F(MessageRepositoryTest, RecordAttemptWritesTheDeliveryState) {
  auto message = *messages_->insert(stored_message("e1"));
  message.delivery = delivery::failed;
  message.attempts = 8;
  message.next_attempt_ms = 99;
  message.text = "not written";
  messages_->record_attempt(message);
  auto found = messages_->find(message.id);
  EXPECT_EQ(found->delivery, "failed");
  EXPECT_EQ(found->attempts, 8);
  EXPECT_EQ(found->next_attempt_ms, 99);
  EXPECT_NE(found->text, "not written") << "only the delivery state changes";
}

}  // namespace
}  // namespace cinema::message
