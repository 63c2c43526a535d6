// Component tier: the delivery thread on a real SQLite file, with fake senders and, where time
// matters, clocks the test advances.
#include "services/message/dispatcher.hpp"

#include <atomic>
#include <functional>
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

// Clocks that move only when the test advances them. `wall_reads` counts how often the dispatcher
// asked for the wall time (a pass asks before it looks for due messages).
class ManualClock {
 public:
  DeliveryClock clock() {
    DeliveryClock clock;
    clock.wall = [this] {
      ++wall_reads;
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(wall_ms_.load()));
    };
    clock.steady = [this] {
      return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady_ms_.load()));
    };
    return clock;
  }
  void advance(std::chrono::milliseconds by) {
    wall_ms_ += by.count();
    steady_ms_ += by.count();
  }
  std::int64_t wall_ms() const { return wall_ms_; }
  std::atomic<int> wall_reads{0};

 private:
  std::atomic<std::int64_t> wall_ms_{1'700'000'000'000};  // November 2023
  std::atomic<std::int64_t> steady_ms_{3'600'000};
};

// Each send takes `delay` on the manual clock; send number `hang_at` hangs until released.
class SlowThenStuckSender final : public MessageSender {
 public:
  SlowThenStuckSender(ManualClock& clock, std::chrono::milliseconds delay, int hang_at)
      : clock_(clock), delay_(delay), hang_at_(hang_at) {}
  DeliveryResult send(const Message&) override {
    if (++sends_ == hang_at_) released_.wait();
    clock_.advance(delay_);
    return {true, {}};
  }
  std::promise<void> release;

 private:
  ManualClock& clock_;
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
  // The fixture owns the sender so it outlives the delivery thread that calls it. The dispatcher
  // reads the system's clocks unless `clock` is given.
  template <typename Sender, typename... Args>
  Sender& make(RetryPolicy policy, DeliveryClock clock, Args&&... args) {
    auto sender = std::make_unique<Sender>(std::forward<Args>(args)...);
    auto& handle = *sender;
    sender_ = std::move(sender);
    dispatcher_.emplace(*db_, *messages_, handle, *sink_, log_, metrics_, policy, std::move(clock));
    return handle;
  }
  template <typename Sender, typename... Args>
  Sender& start(RetryPolicy policy, Args&&... args) {
    auto& sender = make<Sender>(policy, DeliveryClock{}, std::forward<Args>(args)...);
    dispatcher_->start();
    return sender;
  }
  std::int64_t store(std::string event_id) {
    auto id = messages_->insert(stored_message(std::move(event_id)))->id;
    if (dispatcher_) dispatcher_->notify();
    return id;
  }
  // Polls `condition` until it holds or `timeout` ran out; returns whether it held.
  static bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    for (auto deadline = std::chrono::steady_clock::now() + timeout; !condition();) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }
  // The message once it left `pending`, or as it is when `timeout` ran out.
  Message settled(std::int64_t id, std::chrono::milliseconds timeout = 5s) {
    eventually([&] { return messages_->find(id)->delivery != delivery::pending; }, timeout);
    return *messages_->find(id);
  }

  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  ManualClock manual_;  // for the tests that pass manual_.clock(); outlives the dispatcher
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

// Passes made by the test on a manual clock (no delivery thread), each a retry delay or more apart.
TEST_F(DispatcherTest, MessageThatNeverGetsThroughIsFailedAfterMaxAttempts) {
  auto& sender = make<FlakySender>({2ms, 4}, manual_.clock(), 1000);
  auto id = store("e1");
  EXPECT_EQ(dispatcher_->deliver_due(), 1);
  EXPECT_EQ(dispatcher_->deliver_due(), 0) << "a retry waits for its delay";
  int attempted = 1;
  for (int pass = 0; pass < 10; ++pass) {  // ten passes, each after the longest retry delay
    manual_.advance(kMaxRetryDelay);
    attempted += dispatcher_->deliver_due();
  }
  auto message = *messages_->find(id);
  EXPECT_EQ(message.delivery, "failed");
  EXPECT_EQ(message.attempts, 4);
  EXPECT_EQ(attempted, 4) << "a failed message is not tried again";
  EXPECT_EQ(sender.sends(), 4);
  EXPECT_TRUE(outbox_types().empty());
}

TEST_F(DispatcherTest, StoredMessageIsSentAtOnceNotAtTheNextTick) {
  make<FlakySender>({60s, 8}, manual_.clock(), 0);
  dispatcher_->start();
  // The first pass read the time before it looked for messages: it cannot see one due after that
  // time, whenever its query runs. Its next tick is a minute away; only the notify can send it.
  ASSERT_TRUE(eventually([&] { return manual_.wall_reads > 0; }));
  auto message = stored_message("e1");
  message.next_attempt_ms = manual_.wall_ms() + 1;
  auto id = messages_->insert(message)->id;
  manual_.advance(1ms);
  dispatcher_->notify();
  EXPECT_EQ(settled(id, 3s).delivery, "delivered");
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
  auto& sender = make<SlowThenStuckSender>({60s, 8}, manual_.clock(), manual_, 60ms, 3);
  dispatcher_->start();
  // Sent in one pass; the first two take 120 ms (past the 100 ms within which outcomes are
  // recorded), the third hangs. What a crash now would send again must not include the first two:
  // their outcome is on record although the pass has not finished.
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
