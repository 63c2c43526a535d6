// Component tier: the embedded event log on a real SQLite file, across connections as processes
// would use it.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "events/embedded_bus.hpp"

namespace cinema::events {
namespace {

class EmbeddedBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("embedded-bus-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    bus_ = make_embedded_bus((dir_ / "events.db").string());
  }
  void TearDown() override {
    bus_.reset();
    std::filesystem::remove_all(dir_);
  }
  static Event event(std::string id, std::string key = "1") {
    return Event{std::move(id), "MovieRegistered", std::move(key), R"({"eventType":"MovieRegistered"})", "tp", -1};
  }
  std::filesystem::path dir_;
  std::unique_ptr<Bus> bus_;
};

TEST_F(EmbeddedBusTest, PublishedEventsAreConsumedInOrderWithTheirFields) {
  std::vector<Event> events{event("a", "1"), event("b", "2"), event("c", "1")};
  bus_->publisher()->publish("cinema", events);
  auto consumed = bus_->consumer("viewpage", "cinema")->poll(std::chrono::milliseconds(100));
  ASSERT_EQ(consumed.size(), 3u);
  EXPECT_EQ(consumed[0].event_id, "a");
  EXPECT_EQ(consumed[1].key, "2");
  EXPECT_EQ(consumed[2].traceparent, "tp");
  EXPECT_LT(consumed[0].offset, consumed[1].offset);
  EXPECT_LT(consumed[1].offset, consumed[2].offset);
}

TEST_F(EmbeddedBusTest, AFilteredGroupGetsOtherTypesAsTypeAndOffsetOnly) {
  auto typed = [](std::string id, std::string type) {
    return Event{std::move(id), std::move(type), "1", R"({"eventType":")" + type + R"("})", "tp", -1};
  };
  // Around the wanted ones, and between them: the content is read for exactly the wanted events.
  bus_->publisher()->publish("cinema", std::vector<Event>{typed("a", "Other"), typed("b", "Wanted"),
                                                          typed("c", "Other"), typed("d", "Wanted"),
                                                          typed("e", "Other")});
  auto consumer = bus_->consumer("payment", "cinema", [](std::string_view type) { return type == "Wanted"; });
  auto consumed = consumer->poll(std::chrono::milliseconds(100));
  ASSERT_EQ(consumed.size(), 5u) << "every event moves the position, wanted or not";
  for (std::size_t i = 0; i < consumed.size(); ++i) {
    SCOPED_TRACE(i);
    bool wanted = i % 2 == 1;
    EXPECT_EQ(consumed[i].event_type, wanted ? "Wanted" : "Other");
    EXPECT_EQ(consumed[i].event_id, wanted ? std::string(1, static_cast<char>('a' + i)) : "");
    EXPECT_EQ(consumed[i].payload.empty(), !wanted);
    EXPECT_EQ(consumed[i].traceparent, wanted ? "tp" : "");
    if (i > 0) {
      EXPECT_LT(consumed[i - 1].offset, consumed[i].offset);
    }
  }
  consumer->commit(consumed.back());
  EXPECT_EQ(consumer->lag(), 0);
  EXPECT_TRUE(consumer->poll(std::chrono::milliseconds(20)).empty());
}

TEST_F(EmbeddedBusTest, TopicsAreSeparate) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a")});
  bus_->publisher()->publish("cinema.DLT", std::vector<Event>{event("dead")});
  auto main = bus_->consumer("g", "cinema")->poll(std::chrono::milliseconds(50));
  auto dead = bus_->consumer("g", "cinema.DLT")->poll(std::chrono::milliseconds(50));
  ASSERT_EQ(main.size(), 1u);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event_id, "dead");
}

TEST_F(EmbeddedBusTest, AGroupResumesAfterItsCommittedPositionOnly) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  {
    auto consumer = bus_->consumer("message", "cinema");
    auto batch = consumer->poll(std::chrono::milliseconds(50));
    ASSERT_EQ(batch.size(), 3u);
    consumer->commit(batch[0]);  // "crash" after applying only the first
  }
  auto again = bus_->consumer("message", "cinema")->poll(std::chrono::milliseconds(50));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].event_id, "b");
}

TEST_F(EmbeddedBusTest, LagCountsTheTopicsEventsAfterTheCommittedPosition) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  bus_->publisher()->publish("other", std::vector<Event>{event("x")});
  auto consumer = bus_->consumer("viewpage", "cinema");
  EXPECT_EQ(consumer->lag(), 3);
  auto batch = consumer->poll(std::chrono::milliseconds(50));
  EXPECT_EQ(consumer->lag(), 3) << "polled is not applied";
  consumer->commit(batch[1]);
  EXPECT_EQ(consumer->lag(), 1);
  consumer->commit(batch[2]);
  EXPECT_EQ(consumer->lag(), 0);
}

TEST_F(EmbeddedBusTest, RewindStartsTheGroupAgainAtTheFirstEventAndSurvivesARestart) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b")});
  {
    auto consumer = bus_->consumer("viewpage", "cinema");
    auto batch = consumer->poll(std::chrono::milliseconds(50));
    consumer->commit(batch.back());
    consumer->rewind();
    EXPECT_EQ(consumer->lag(), 2);
    auto again = consumer->poll(std::chrono::milliseconds(50));
    ASSERT_EQ(again.size(), 2u);
    EXPECT_EQ(again[0].event_id, "a");
  }
  auto restarted = bus_->consumer("viewpage", "cinema")->poll(std::chrono::milliseconds(50));
  ASSERT_EQ(restarted.size(), 2u) << "the rewound position was committed";
  EXPECT_EQ(bus_->consumer("message", "cinema")->lag(), 2) << "other groups keep their own position";
}

TEST_F(EmbeddedBusTest, RetentionDeletesOldEventsOnlyOnceEveryGroupCommittedThem) {
  auto bus = make_embedded_bus((dir_ / "retained.db").string(),
                               {.retention = std::chrono::milliseconds(1), .prune_interval = std::chrono::milliseconds(0)});
  auto publisher = bus->publisher();
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  auto viewpage = bus->consumer("viewpage", "cinema");
  auto message = bus->consumer("message", "cinema");
  auto batch = viewpage->poll(std::chrono::milliseconds(50));
  viewpage->commit(batch[2]);
  message->commit(message->poll(std::chrono::milliseconds(50))[0]);  // message applied only "a"
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("d")});  // publishing prunes

  auto late = bus->consumer("late", "cinema")->poll(std::chrono::milliseconds(50));
  ASSERT_EQ(late.size(), 3u) << "only what every group committed is gone";
  EXPECT_EQ(late[0].event_id, "b");
  EXPECT_EQ(message->lag(), 3) << "message still gets b, c and d";
}

TEST_F(EmbeddedBusTest, WithoutRetentionEveryEventIsKept) {
  auto publisher = bus_->publisher();
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b")});
  auto viewpage = bus_->consumer("viewpage", "cinema");
  viewpage->commit(viewpage->poll(std::chrono::milliseconds(50)).back());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("c")});
  EXPECT_EQ(bus_->consumer("late", "cinema")->poll(std::chrono::milliseconds(50)).size(), 3u);
}

TEST_F(EmbeddedBusTest, EveryGroupSeesEveryEvent) {
  bus_->publisher()->publish("cinema", std::vector<Event>{event("a"), event("b")});
  auto first = bus_->consumer("viewpage", "cinema");
  auto second = bus_->consumer("message", "cinema");
  auto batch = first->poll(std::chrono::milliseconds(50));
  first->commit(batch.back());
  EXPECT_EQ(second->poll(std::chrono::milliseconds(50)).size(), 2u);
}

TEST_F(EmbeddedBusTest, PollReturnsEmptyAfterItsTimeoutWhenNothingArrives) {
  auto consumer = bus_->consumer("g", "cinema");
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(consumer->poll(std::chrono::milliseconds(100)).empty());
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(100));
}

TEST_F(EmbeddedBusTest, AWaitingConsumerWakesWhenAnotherConnectionCommits) {
  auto consumer = bus_->consumer("g", "cinema");
  EXPECT_TRUE(consumer->poll(std::chrono::milliseconds(1)).empty());
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    make_embedded_bus((dir_ / "events.db").string())->publisher()->publish("cinema", std::vector<Event>{event("x")});
  });
  auto started = std::chrono::steady_clock::now();
  auto batch = consumer->poll(std::chrono::seconds(10));
  auto waited = std::chrono::steady_clock::now() - started;
  writer.join();
  // Far less than the 10 s timeout: the commit itself wakes the consumer (generous bound for CI).
  EXPECT_LT(waited, std::chrono::seconds(3));
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].event_id, "x");
}

}  // namespace
}  // namespace cinema::events
