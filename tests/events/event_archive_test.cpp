// Component tier: consumed events leave the embedded log for compressed archive segments, and a
// consumer behind them (a replay, a reader that never commits) still gets every event, in order.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "events/embedded_bus.hpp"
#include "events/event_archive.hpp"
#include "core/temp_file.hpp"

namespace cinema::events {
namespace {
namespace fs = std::filesystem;
using std::chrono::milliseconds;

class EventArchiveTest : public ::testing::Test {
 protected:
  // Archives what every group committed as soon as it is 1 ms old, at every publish.
  std::unique_ptr<Bus> bus(std::uintmax_t max_bytes = 0) {
    return make_embedded_bus((dir_ / "events.db").string(),
                             {.archive_after = milliseconds(1), .archive_max_bytes = max_bytes,
                              .prune_interval = milliseconds(0)});
  }
  static Event event(std::string id) {
    return Event{id, "MovieRegistered", "1", R"({"eventType":"MovieRegistered","id":")" + id + "\"}", "tp", -1};
  }
  static std::vector<std::string> ids(const std::vector<Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.event_id);
    return out;
  }
  // Everything a consumer gets until a poll comes back empty.
  static std::vector<Event> drain(Consumer& consumer) {
    std::vector<Event> all;
    for (auto batch = consumer.poll(milliseconds(50)); !batch.empty(); batch = consumer.poll(milliseconds(50)))
      all.insert(all.end(), batch.begin(), batch.end());
    return all;
  }
  [[nodiscard]] std::size_t segments() const { return EventArchive(dir_ / "archive").segments("cinema").size(); }
  test_support::TestDirectory directory_{"event-archive"};
  const fs::path& dir_ = directory_.path();
};

TEST_F(EventArchiveTest, ConsumedEventsMoveToTheArchiveAndAReplayReadsThemInOrder) {
  auto log = bus();
  auto publisher = log->publisher();
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  auto viewpage = log->consumer("viewpage", "cinema");
  viewpage->commit(viewpage->poll(milliseconds(50)).back());
  std::this_thread::sleep_for(milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("d")});  // publishing archives
  ASSERT_EQ(segments(), 1u);
  EXPECT_EQ(ids(viewpage->poll(milliseconds(50))), std::vector<std::string>{"d"});

  viewpage->rewind();
  EXPECT_EQ(viewpage->lag(), 4) << "a replay has the archived events ahead of it too";
  auto replayed = drain(*viewpage);
  EXPECT_EQ(ids(replayed), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(replayed[1].payload, event("b").payload) << "whole events come back";
  EXPECT_EQ(replayed[1].traceparent, "tp");
  EXPECT_LT(replayed[2].offset, replayed[3].offset);
  viewpage->commit(replayed.back());
  EXPECT_EQ(viewpage->lag(), 0);
  EXPECT_EQ(ids(drain(*log->consumer("never-committed", "cinema"))),
            (std::vector<std::string>{"a", "b", "c", "d"}))
      << "a reader from the first event (cinema events) sees the whole history";
}

TEST_F(EventArchiveTest, OnlyWhatEveryGroupCommittedLeavesTheLog) {
  auto log = bus();
  auto publisher = log->publisher();
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b"), event("c")});
  auto viewpage = log->consumer("viewpage", "cinema");
  auto message = log->consumer("message", "cinema");
  viewpage->commit(viewpage->poll(milliseconds(50)).back());
  message->commit(message->poll(milliseconds(50)).front());  // message applied only "a"
  std::this_thread::sleep_for(milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("d")});
  auto archived = EventArchive(dir_ / "archive").segments("cinema");
  ASSERT_EQ(archived.size(), 1u);
  EXPECT_EQ(archived[0].first, archived[0].last) << "one event: a";
  EXPECT_EQ(message->lag(), 3) << "b, c and d wait for message in the log";
  // A new consumer of message (a restart) goes on from its committed position.
  EXPECT_EQ(ids(drain(*log->consumer("message", "cinema"))), (std::vector<std::string>{"b", "c", "d"}));
}

TEST_F(EventArchiveTest, AGroupThatNeverCommittedHoldsNothingBackAndLosesNothing) {
  auto log = bus();
  auto publisher = log->publisher();
  auto reader = log->consumer("reader", "cinema");  // like `cinema events`: reads, never commits
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b")});
  EXPECT_EQ(ids(reader->poll(milliseconds(50))), (std::vector<std::string>{"a", "b"}));
  publisher->publish("cinema", std::vector<Event>{event("c"), event("d")});
  auto viewpage = log->consumer("viewpage", "cinema");
  viewpage->commit(drain(*viewpage).back());
  std::this_thread::sleep_for(milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("e")});  // a to d move while reader is at b
  EXPECT_EQ(ids(drain(*reader)), (std::vector<std::string>{"c", "d", "e"}));
}

TEST_F(EventArchiveTest, TheArchiveIsCappedOldestSegmentFirst) {
  auto log = bus(1);  // one byte: no segment fits, each is deleted once written
  auto publisher = log->publisher();
  auto viewpage = log->consumer("viewpage", "cinema");
  publisher->publish("cinema", std::vector<Event>{event("a"), event("b")});
  viewpage->commit(drain(*viewpage).back());
  std::this_thread::sleep_for(milliseconds(5));
  publisher->publish("cinema", std::vector<Event>{event("c")});
  EXPECT_EQ(segments(), 0u);
  viewpage->rewind();
  EXPECT_EQ(ids(drain(*viewpage)), std::vector<std::string>{"c"}) << "a replay starts at the oldest event kept";
}

TEST_F(EventArchiveTest, ASegmentThatCannotBeWrittenLeavesNothingBehind) {
  EventArchive archive("/dev/full/archive");  // not a directory: nothing can be created there
  std::vector<Event> events{event("a")};
  events[0].offset = 1;
  EXPECT_THROW(archive.write("cinema", events), std::exception);
  EXPECT_TRUE(archive.segments("cinema").empty());
}

}  // namespace
}  // namespace cinema::events
