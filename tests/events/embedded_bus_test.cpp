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
