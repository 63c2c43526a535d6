// The view page's tail of recent events, behind the manager console's live event stream.
#include <gtest/gtest.h>

#include "services/viewpage/event_tail.hpp"

namespace cinema::viewpage {
namespace {

events::Event event_at(std::int64_t offset, std::string type = "MovieRegistered") {
  events::Event event;
  event.offset = offset;
  event.event_type = std::move(type);
  event.payload = R"({"eventType":")" + event.event_type + R"("})";
  return event;
}

std::vector<std::int64_t> offsets(const std::vector<EventTail::Entry>& entries) {
  std::vector<std::int64_t> found;
  for (const auto& entry : entries) found.push_back(entry.offset);
  return found;
}

TEST(EventTail, GivesTheEventsPastAnOffsetOldestFirstAndSkipsRedeliveries) {
  EventTail tail;
  for (std::int64_t offset : {0, 1, 2, 2, 1, 3}) tail.record(event_at(offset));
  EXPECT_EQ(offsets(tail.after(0, 10)), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(offsets(tail.after(1, 1)), (std::vector<std::int64_t>{2}));
  EXPECT_TRUE(tail.after(3, 10).empty());
}

TEST(EventTail, WithoutAnOffsetGivesTheNewestAndKeepsOnlyTheLastFiveHundred) {
  EventTail tail;
  for (std::int64_t offset = 0; offset < 600; ++offset) tail.record(event_at(offset));
  EXPECT_EQ(offsets(tail.after(-1, 3)), (std::vector<std::int64_t>{597, 598, 599}));
  EXPECT_EQ(tail.after(-1, 1000).size(), EventTail::kKept);
  EXPECT_EQ(tail.after(-1, 1000).front().offset, 100);
}

TEST(EventTail, AReplayFromTheFirstEventStartsTheTailOver) {
  EventTail tail;
  for (std::int64_t offset = 5; offset < 10; ++offset) tail.record(event_at(offset));
  tail.record(event_at(0, "ReservationCreated"));
  auto entries = tail.after(-1, 10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].event_type, "ReservationCreated");
}

}  // namespace
}  // namespace cinema::viewpage
