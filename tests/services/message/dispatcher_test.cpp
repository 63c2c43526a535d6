// Component tier: the delivery thread on a real SQLite file, with fake senders and small delays.
#include "services/message/dispatcher.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "events/inbox.hpp"
#include "message_fixture.hpp"
#include "services/message/message_policy.hpp"

namespace cinema::message {
namespace {
using namespace std::chrono_literals;

// Fails its first `failures` sends, then delivers.
class FlakySender final : public MessageSender {
 public:
  explicit FlakySender(int failures) : failures_(failures) {}
  DeliveryResult send(const Message&) override {
    if (sends_++ < failures_) return {false, "receiver down"};
    return {true, {}};
  }
  int sends() const { return sends_; }

 private:
  int failures_;
  std::atomic<int> sends_{0};
};

// Holds every send until released, as a webhook that does not answer.
class StuckSender final : public MessageSender {
 public:
  DeliveryResult send(const Message&) override {
    std::call_once(entered_once_, [this] { entered.set_value(); });
    released_.wait();
    return {true, {}};
  }
  std::promise<void> entered;
  std::promise<void> release;

 private:
  std::once_flag entered_once_;
  std::shared_future<void> released_ = release.get_future().share();
};

// Takes `delay` per send, then hangs on send number `hang_at` until released.
class SlowThenStuckSender final : public MessageSender {
 public:
  SlowThenStuckSender(std::chrono::milliseconds delay, int hang_at) : delay_(delay), hang_at_(hang_at) {}
  DeliveryResult send(const Message&) override {
    if (++sends_ == hang_at_) released_.wait();
    std::this_thread::sleep_for(delay_);
    return {true, {}};
  }
  std::promise<void> release;

 private:
  std::chrono::milliseconds delay_;
  int hang_at_;
  std::atomic<int> sends_{0};
  std::shared_future<void> released_ = release.get_future().share();
};

class DispatcherTest : public MessageDatabaseTest {
 protected:
  void TearDown() override {
    dispatcher_.reset();
    MessageDatabaseTest::TearDown();
  }
  // The fixture owns the sender so it outlives the delivery thread that calls it.
  template <typename Sender, typename... Args>
  Sender& start(RetryPolicy policy, Args&&... args) {
    auto sender = std::make_unique<Sender>(std::forward<Args>(args)...);
    auto& handle = *sender;
    sender_ = std::move(sender);
    dispatcher_.emplace(*db_, *messages_, handle, *sink_, log_, metrics_, policy);
    dispatcher_->start();
    return handle;
  }
  std::int64_t store(std::string event_id) {
    auto id = messages_->insert(stored_message(std::move(event_id)))->id;
    if (dispatcher_) dispatcher_->notify();
    return id;
  }
  // The message once it left `pending`, or as it is when `timeout` ran out.
  Message settled(std::int64_t id, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto message = *messages_->find(id);
    while (message.delivery == delivery::pending && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(2ms);
      message = *messages_->find(id);
    }
    return message;
  }

  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  std::unique_ptr<MessageSender> sender_;
  std::optional<Dispatcher> dispatcher_;  // declared after the sender: stopped before it is destroyed
};

TEST_F(DispatcherTest, MessageFailingTwiceIsDeliveredOnTheThirdAttemptAndAnnounced) {
  auto& sender = start<FlakySender>({5ms, 8}, 2);
  auto id = store("e1");
  auto message = settled(id);
  EXPECT_EQ(message.delivery, "delivered");
  EXPECT_EQ(message.attempts, 3);
  EXPECT_EQ(sender.sends(), 3);
  ASSERT_EQ(outbox_types(), std::vector<std::string>{"MessageSent"});
  auto event = outbox_->oldest(1).front().event;
  auto payload = contracts::payload_of(event);
  EXPECT_EQ(payload["messageId"], id);
  EXPECT_EQ(payload["customerId"], "kim");
  EXPECT_EQ(payload["rsvId"], 1);
  EXPECT_EQ(payload["kind"], "ReservationConfirmed");
  EXPECT_EQ(payload["correlationId"], kTrace) << "the trace of the event that caused the message";
  EXPECT_EQ(event.key, "1") << "keyed by the movie";
}

TEST_F(DispatcherTest, MessageThatNeverGetsThroughIsFailedAfterMaxAttempts) {
  auto& sender = start<FlakySender>({2ms, 4}, 1000);
  auto message = settled(store("e1"));
  EXPECT_EQ(message.delivery, "failed");
  EXPECT_EQ(message.attempts, 4);
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(sender.sends(), 4) << "a failed message is not tried again";
  EXPECT_TRUE(outbox_types().empty());
}

TEST_F(DispatcherTest, StoredMessageIsSentAtOnceNotAtTheNextTick) {
  start<FlakySender>({60s, 8}, 0);
  std::this_thread::sleep_for(20ms);  // the first pass found nothing; the next tick is a minute away
  EXPECT_EQ(settled(store("e1"), 3s).delivery, "delivered");
}

TEST_F(DispatcherTest, MessagesPendingAtRestartAreDeliveredByTheFirstPass) {
  auto waiting = stored_message("e1");
  waiting.attempts = 1;
  waiting.next_attempt_ms = 1;  // its retry came due while the service was down
  auto id = messages_->insert(waiting)->id;
  close();
  open();
  start<FlakySender>({60s, 8}, 0);
  auto message = settled(id, 3s);
  EXPECT_EQ(message.delivery, "delivered");
  EXPECT_EQ(message.attempts, 2);
}

TEST_F(DispatcherTest, OutcomesOfASlowSenderAreRecordedWithoutWaitingForTheRestOfTheBatch) {
  std::vector<std::int64_t> ids;
  for (const auto* event_id : {"e1", "e2", "e3"}) ids.push_back(store(event_id));
  auto& sender = start<SlowThenStuckSender>({60s, 8}, 80ms, 3);
  // Sent in one pass; the third send hangs. What a crash now would send again must not include
  // the first two: their outcome is on record although the pass has not finished.
  EXPECT_EQ(settled(ids[0], 3s).delivery, "delivered");
  EXPECT_EQ(settled(ids[1], 3s).delivery, "delivered");
  EXPECT_EQ(messages_->find(ids[2])->delivery, "pending");
  sender.release.set_value();
  EXPECT_EQ(settled(ids[2], 3s).delivery, "delivered");
  EXPECT_EQ(outbox_types(), (std::vector<std::string>{"MessageSent", "MessageSent", "MessageSent"}));
}

TEST_F(DispatcherTest, StoringAMessageNeverWaitsForASenderThatHangs) {
  auto& sender = start<StuckSender>({5ms, 8});
  store("e1");
  EXPECT_EQ(sender.entered.get_future().wait_for(3s), std::future_status::ready);
  MessagePolicy policy(*messages_);
  auto event = reservation_event("ReservationConfirmed", 2);
  auto stored = std::async(std::launch::async, [&] {
    return events::apply_once(*db_, event, [&] { policy.apply(event, std::chrono::system_clock::now()); });
  });
  EXPECT_EQ(stored.wait_for(2s), std::future_status::ready) << "the consumer was blocked by a delivery";
  sender.release.set_value();
  EXPECT_EQ(stored.get(), events::InboxOutcome::applied);
}

}  // namespace
}  // namespace cinema::message
