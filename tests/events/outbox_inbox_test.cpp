// Component tier: outbox + relay on the producing side, inbox + consumer runner on the consuming
// side, over the embedded log on real SQLite files.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/consumer_runner.hpp"
#include "events/embedded_bus.hpp"
#include "events/inbox.hpp"
#include "events/relay.hpp"

namespace cinema::events {
namespace {

bool eventually(const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!condition() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return condition();
}

class OutboxInboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("outbox-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "bus");
    db_ = store::open_sqlite((dir_ / "service.db").string());
    db_->execute_script(kOutboxSchema);
    db_->execute_script(kInboxSchema);
    db_->execute_script("CREATE TABLE effects (event_id TEXT NOT NULL);");
    bus_ = make_embedded_bus((dir_ / "bus" / "events.db").string());
  }
  void TearDown() override {
    bus_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  static Event event(const std::string& id) { return Event{id, "T", "1", "{}", "", -1}; }
  std::vector<std::string> published_ids() {
    std::vector<std::string> ids;
    for (const auto& e : bus_->consumer("probe-" + std::to_string(++probes_), "cinema")->poll(std::chrono::milliseconds(20)))
      ids.push_back(e.event_id);
    return ids;
  }
  std::int64_t effects() { return db_->query("SELECT count(*) FROM effects").at(0).integer(0); }

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Bus> bus_;
  Logger log_{"test", LogLevel::error};
  MetricsRegistry metrics_;
  int probes_ = 0;
};

TEST_F(OutboxInboxTest, EventOfARolledBackChangeIsNeverPublished) {
  Outbox outbox(*db_);
  {
    store::Transaction transaction(*db_);
    outbox.append(event("lost"), "cinema");
  }  // no commit
  {
    store::Transaction transaction(*db_);
    outbox.append(event("kept"), "cinema");
    transaction.commit();
  }
  Relay relay(outbox, bus_->publisher(), log_, metrics_);
  relay.notify();
  ASSERT_TRUE(eventually([&] { return outbox.backlog() == 0; }));
  EXPECT_EQ(published_ids(), std::vector<std::string>{"kept"});
}

TEST_F(OutboxInboxTest, RelayPublishesInCommitOrderAndEmptiesTheOutbox) {
  Outbox outbox(*db_);
  Relay relay(outbox, bus_->publisher(), log_, metrics_);
  std::vector<std::string> expected;
  for (int i = 0; i < 1200; ++i) {  // more than one relay batch
    store::Transaction transaction(*db_);
    outbox.append(event("e" + std::to_string(i)), "cinema");
    transaction.commit();
    expected.push_back("e" + std::to_string(i));
  }
  relay.notify();
  ASSERT_TRUE(eventually([&] { return outbox.backlog() == 0; }));
  std::vector<std::string> all;
  auto consumer = bus_->consumer("all", "cinema");
  for (auto batch = consumer->poll(std::chrono::milliseconds(20)); !batch.empty();
       batch = consumer->poll(std::chrono::milliseconds(20)))
    for (const auto& e : batch) all.push_back(e.event_id);
  EXPECT_EQ(all, expected);
}

// With several processes on one database server, a row with a lower id can commit after a higher
// one was read: removing what was published must not take it along unpublished.
TEST_F(OutboxInboxTest, RemovingPublishedRowsKeepsARowBetweenThemThatWasNotRead) {
  Outbox outbox(*db_);
  for (auto id : {"first", "late", "third"}) outbox.append(event(id), "cinema");
  auto rows = outbox.oldest(10);
  ASSERT_EQ(rows.size(), 3u);
  std::vector<OutboxRow> read = {rows[0], rows[2]};  // "late" was not visible yet when they were read
  outbox.remove_published(read);
  auto left = outbox.oldest(10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.front().event.event_id, "late");
}

// Two processes of a service share its database: only one relay publishes at a time, until it is gone.
TEST_F(OutboxInboxTest, OneRelayAtATimeLeadsAmongTheConnectionsOfADatabase) {
  auto other_process = store::open_sqlite((dir_ / "service.db").string());
  Outbox mine(*db_), theirs(*other_process);
  // The lock is per open file: a second connection in this process stands for another process.
  EXPECT_TRUE(mine.relay_leads());
  EXPECT_TRUE(mine.relay_leads()) << "asking again while leading";
  EXPECT_FALSE(theirs.relay_leads());
  db_.reset();  // the leader goes away (a process that exits, however)
  EXPECT_TRUE(theirs.relay_leads());
}

// A bus that refuses the first `failures` publishes.
class FlakyPublisher final : public Publisher {
 public:
  FlakyPublisher(std::unique_ptr<Publisher> inner, int failures) : inner_(std::move(inner)), failures_(failures) {}
  void publish(const std::string& topic, std::span<const Event> events) override {
    if (failures_-- > 0) throw BusError("bus unavailable");
    inner_->publish(topic, events);
  }

 private:
  std::unique_ptr<Publisher> inner_;
  int failures_;
};

TEST_F(OutboxInboxTest, RelayKeepsEventsWhileTheBusFailsAndPublishesThemLater) {
  Outbox outbox(*db_);
  {
    store::Transaction transaction(*db_);
    outbox.append(event("a"), "cinema");
    outbox.append(event("b"), "cinema");
    transaction.commit();
  }
  Relay relay(outbox, std::make_unique<FlakyPublisher>(bus_->publisher(), 3), log_, metrics_);
  relay.notify();
  ASSERT_TRUE(eventually([&] { return outbox.backlog() == 0; }));
  EXPECT_EQ(published_ids(), (std::vector<std::string>{"a", "b"}));
}

// Counts the batches handed to the bus.
class CountingPublisher final : public Publisher {
 public:
  CountingPublisher(std::unique_ptr<Publisher> inner, std::atomic<int>& batches) : inner_(std::move(inner)), batches_(batches) {}
  void publish(const std::string& topic, std::span<const Event> events) override {
    inner_->publish(topic, events);
    ++batches_;
  }

 private:
  std::unique_ptr<Publisher> inner_;
  std::atomic<int>& batches_;
};

// A pacer clock that moves only when the test advances it; a sleeper waits for that.
class ManualPacerClock final : public PacerClock {
 public:
  time_point now() override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_until(time_point when) override {
    std::unique_lock lock(mutex_);
    ++sleepers_;
    moved_.wait(lock, [&] { return now_ >= when; });
    --sleepers_;
  }
  void advance(std::chrono::milliseconds by) {
    {
      std::lock_guard lock(mutex_);
      now_ += by;
    }
    moved_.notify_all();
  }
  int sleepers() {
    std::lock_guard lock(mutex_);
    return sleepers_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable moved_;
  time_point now_ = time_point{} + std::chrono::hours(1);  // long after the zero "last batch"
  int sleepers_ = 0;
};

TEST_F(OutboxInboxTest, RelayPublishesWhatArrivesWithinItsBatchIntervalInOneBatch) {
  Outbox outbox(*db_);
  std::atomic<int> batches{0};
  ManualPacerClock clock;
  constexpr auto kInterval = std::chrono::milliseconds(300);
  Relay relay(outbox, std::make_unique<CountingPublisher>(bus_->publisher(), batches), log_, metrics_, kInterval,
              clock);
  // Destroyed before the relay: whatever the relay waits for on the clock (its next turn, even after
  // the test), it gets, so that stopping it can join its thread.
  struct EndOfTime {
    ManualPacerClock& clock;
    ~EndOfTime() { clock.advance(std::chrono::hours(1)); }
  } end_of_time{clock};
  auto commit_and_notify = [&](const std::string& id) {
    store::Transaction transaction(*db_);
    outbox.append(event(id), "cinema");
    transaction.commit();
    relay.notify();
  };
  commit_and_notify("first");  // long after any earlier batch: published at once
  ASSERT_TRUE(eventually([&] { return outbox.backlog() == 0; }));
  EXPECT_EQ(batches, 1);

  // Five commits, each waking the relay, while the clock stands within the interval: the relay
  // waits for its turn with all of them in the outbox.
  for (int i = 0; i < 5; ++i) commit_and_notify("e" + std::to_string(i));
  ASSERT_TRUE(eventually([&] { return clock.sleepers() == 1; })) << "the relay did not wait for its turn";
  EXPECT_EQ(outbox.backlog(), 5);
  clock.advance(kInterval - std::chrono::milliseconds(1));
  EXPECT_EQ(clock.sleepers(), 1) << "the relay's turn came before its interval was over";
  EXPECT_EQ(outbox.backlog(), 5);
  clock.advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(eventually([&] { return outbox.backlog() == 0; }));
  EXPECT_EQ(batches, 2) << "the five commits were published one batch at a time";
  EXPECT_EQ(published_ids(), (std::vector<std::string>{"first", "e0", "e1", "e2", "e3", "e4"}));
}

TEST_F(OutboxInboxTest, InboxAppliesAnEventOnlyOnce) {
  auto effect = [&](const Event& e) { db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id}); };
  auto e = event("once");
  EXPECT_EQ(apply_once(*db_, e, [&] { effect(e); }), InboxOutcome::applied);
  EXPECT_EQ(apply_once(*db_, e, [&] { effect(e); }), InboxOutcome::duplicate);
  EXPECT_EQ(effects(), 1);
}

TEST_F(OutboxInboxTest, InboxKeepsNothingOfAFailedEffect) {
  auto e = event("fails");
  EXPECT_THROW(apply_once(*db_, e,
                          [&] {
                            db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id});
                            throw std::runtime_error("boom");
                          }),
               std::runtime_error);
  EXPECT_EQ(effects(), 0);
  EXPECT_EQ(apply_once(*db_, e, [] {}), InboxOutcome::applied) << "a failed event is not marked as applied";
}

TEST_F(OutboxInboxTest, RedeliveredEventsHaveOneEffectEach) {
  std::vector<Event> events{event("x"), event("y"), event("x"), event("z"), event("y")};
  bus_->publisher()->publish("cinema", events);
  ConsumerRunner runner({"svc", "cinema", "cinema.DLT", 3}, *bus_, *db_,
                        [&](const Event& e) { db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id}); }, log_,
                        metrics_);
  ASSERT_TRUE(eventually([&] { return metrics_.render().find("events_duplicates_skipped_total{group=\"svc\"} 2") != std::string::npos; }));
  EXPECT_EQ(effects(), 3);
}

TEST_F(OutboxInboxTest, PoisonEventGoesToTheDeadLetterTopicAndConsumptionContinues) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("poison"), event("fine")});
  ConsumerRunner runner({"svc", "cinema", "cinema.DLT", 3}, *bus_, *db_,
                        [&](const Event& e) {
                          if (e.event_id == "poison") throw std::runtime_error("cannot apply");
                          db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id});
                        },
                        log_, metrics_);
  ASSERT_TRUE(eventually([&] { return effects() == 1; }));
  auto dead = bus_->consumer("dlt-reader", "cinema.DLT")->poll(std::chrono::seconds(5));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event_id, "poison");
  EXPECT_NE(dead[0].payload.find("cannot apply"), std::string::npos);
  EXPECT_NE(metrics_.render().find("events_dead_lettered_total{group=\"svc\"} 1"), std::string::npos);
}

// A consumer whose first commit fails: its position is past the batch it polled, so the runner must
// start a new consumer at the committed position rather than go on with this one.
class CommitFailsOnce final : public Bus {
 public:
  explicit CommitFailsOnce(Bus& inner) : inner_(inner) {}
  std::unique_ptr<Publisher> publisher() override { return inner_.publisher(); }
  using Bus::consumer;
  std::unique_ptr<Consumer> consumer(const std::string& group, const std::string& topic, EventFilter wanted) override {
    class Failing final : public Consumer {
     public:
      Failing(std::unique_ptr<Consumer> inner, bool& failed) : inner_(std::move(inner)), failed_(failed) {}
      std::vector<Event> poll(std::chrono::milliseconds timeout) override { return inner_->poll(timeout); }
      void commit(const Event& event) override {
        if (!failed_) {
          failed_ = true;
          throw BusError("commit lost");
        }
        inner_->commit(event);
      }
      std::optional<std::int64_t> lag() override { return inner_->lag(); }
      void rewind() override { inner_->rewind(); }

     private:
      std::unique_ptr<Consumer> inner_;
      bool& failed_;
    };
    return std::make_unique<Failing>(inner_.consumer(group, topic, std::move(wanted)), failed_);
  }
  [[nodiscard]] std::string name() const override { return "failing"; }

 private:
  Bus& inner_;
  bool failed_ = false;
};

TEST_F(OutboxInboxTest, AFailedCommitLosesNoEventAndAppliesNoneTwice) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  CommitFailsOnce failing(*bus_);
  ConsumerRunner runner({"svc", "cinema", "cinema.DLT", 3}, failing, *db_,
                        [&](const Event& e) { db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id}); }, log_,
                        metrics_);
  ASSERT_TRUE(eventually([&] { return runner.lag() == 0; })) << "the batch was committed in the end";
  EXPECT_EQ(effects(), 3);
  EXPECT_NE(metrics_.render().find("events_duplicates_skipped_total{group=\"svc\"} 3"), std::string::npos)
      << "the batch came again and the inbox skipped all of it";
}

TEST_F(OutboxInboxTest, ManyEventsAreAppliedInOrderWithOneFailingEventUndoneAlone) {
  std::vector<Event> events;
  for (int i = 0; i < 250; ++i) events.push_back(event("e" + std::to_string(i)));
  bus_->publisher()->publish("cinema", events);
  ConsumerRunner runner({"svc", "cinema", "cinema.DLT", 2}, *bus_, *db_,
                        [&](const Event& e) {
                          db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id});
                          if (e.event_id == "e150") throw std::runtime_error("cannot apply");
                        },
                        log_, metrics_);
  ASSERT_TRUE(eventually([&] { return runner.lag() == 0; }));
  EXPECT_EQ(effects(), 249) << "everything but the failing event, whose own write was undone";
  auto first = db_->query("SELECT event_id FROM effects ORDER BY rowid LIMIT 1").at(0).text(0);
  auto last = db_->query("SELECT event_id FROM effects ORDER BY rowid DESC LIMIT 1").at(0).text(0);
  EXPECT_EQ(first, "e0");
  EXPECT_EQ(last, "e249");
  EXPECT_EQ(bus_->consumer("dlt-reader", "cinema.DLT")->poll(std::chrono::seconds(5)).size(), 1u);
  // The failing event's chunk was undone whole and applied again one event at a time: counted once.
  auto metrics = metrics_.render();
  EXPECT_NE(metrics.find("events_consumed_total{group=\"svc\"} 249\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("events_duplicates_skipped_total{group=\"svc\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(OutboxInboxTest, EventsAGroupDoesNotApplyOnlyMoveItsPositionWithoutATransaction) {
  auto typed = [](std::string id, std::string type) { return Event{std::move(id), std::move(type), "1", "{}", "", -1}; };
  ConsumerOptions options{"svc", "cinema", "cinema.DLT", 3, [](std::string_view type) { return type == "Wanted"; }};
  bus_->publisher()->publish("cinema", std::vector<Event>{typed("a", "Other"), typed("b", "Wanted")});
  ConsumerRunner runner(options, *bus_, *db_,
                        [&](const Event& e) { db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id}); }, log_,
                        metrics_);
  ASSERT_TRUE(eventually([&] { return runner.lag() == 0; }));
  EXPECT_EQ(effects(), 1);
  EXPECT_EQ(db_->query("SELECT group_concat(event_id) FROM inbox").at(0).text(0), "b") << "no record of what it ignores";

  // Another connection holds the service database's write lock: a batch with nothing to apply
  // still goes by, since it takes no transaction.
  auto other = store::open_sqlite((dir_ / "service.db").string());
  store::Transaction lock(*other);
  bus_->publisher()->publish("cinema", std::vector<Event>{typed("c", "Other"), typed("d", "Other")});
  auto ignored_all = [&] { return metrics_.render().find("events_ignored_total{group=\"svc\"} 3\n") != std::string::npos; };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);  // within SQLite's 5 s busy timeout
  while (!ignored_all() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(ignored_all()) << "the ignored events waited for the write lock";
}

TEST_F(OutboxInboxTest, ReplayRewindsThenResetsAndAppliesEveryEventAgain) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b")});
  ConsumerRunner runner({"svc", "cinema", "cinema.DLT", 3}, *bus_, *db_,
                        [&](const Event& e) { db_->execute("INSERT INTO effects VALUES ($1)", {e.event_id}); }, log_,
                        metrics_);
  ASSERT_TRUE(eventually([&] { return effects() == 2 && runner.lag() == 0; }));
  EXPECT_NE(metrics_.render().find("events_consumer_lag{group=\"svc\"} 0"), std::string::npos);
  auto reset = [&] {
    store::Transaction transaction(*db_);
    db_->execute("DELETE FROM effects");
    db_->execute("DELETE FROM inbox");
    transaction.commit();
  };
  runner.replay(reset).get();
  ASSERT_TRUE(eventually([&] { return effects() == 2 && runner.lag() == 0; })) << "rebuilt from the first event";
  EXPECT_NE(metrics_.render().find("events_consumed_total{group=\"svc\"} 4"), std::string::npos);
}

}  // namespace
}  // namespace cinema::events
