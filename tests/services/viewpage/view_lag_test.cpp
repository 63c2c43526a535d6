// Unit tier: the view page's lag report (pure: time is passed in).
#include <gtest/gtest.h>

#include "services/viewpage/view_lag.hpp"

namespace cinema::viewpage {
namespace {
using namespace std::chrono;

TEST(ViewLagTest, ParsesTheSeedsTimestamp) {
  auto parsed = parse_seed_timestamp("20220407055544");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, sys_days{2022y / April / 7} + 5h + 55min + 44s);
}

TEST(ViewLagTest, RefusesAnythingElse) {
  EXPECT_FALSE(parse_seed_timestamp(""));
  EXPECT_FALSE(parse_seed_timestamp("2022040705554"));
  EXPECT_FALSE(parse_seed_timestamp("2022-04-07T05:55"));
  EXPECT_FALSE(parse_seed_timestamp("20221307055544")) << "month 13";
  EXPECT_FALSE(parse_seed_timestamp("20220230055544")) << "February 30";
  EXPECT_FALSE(parse_seed_timestamp("20220407245544")) << "hour 24";
}

TEST(ViewLagTest, BeforeTheFirstEventEverythingIsNull) {
  auto lag = lag_of(std::nullopt, system_clock::now());
  EXPECT_FALSE(lag.last_event_offset);
  EXPECT_FALSE(lag.last_event_at);
  EXPECT_FALSE(lag.lag_seconds);
}

TEST(ViewLagTest, LagIsTheTimeSinceTheLastEventsTimestamp) {
  auto now = sys_days{2022y / April / 7} + 5h + 57min + 4s;
  auto lag = lag_of(ViewMeta{41, "20220407055544"}, now);
  EXPECT_EQ(lag.last_event_offset, 41);
  EXPECT_EQ(lag.last_event_at, "2022-04-07T05:55:44Z");
  EXPECT_EQ(lag.lag_seconds, 80);
}

TEST(ViewLagTest, AProducerClockAheadOfOursIsNoNegativeLag) {
  auto now = sys_days{2022y / April / 7} + 5h;
  EXPECT_EQ(lag_of(ViewMeta{1, "20220407055544"}, now).lag_seconds, 0);
}

TEST(ViewLagTest, AnUnreadableTimestampIsReportedAsIsWithoutLag) {
  auto lag = lag_of(ViewMeta{3, "yesterday"}, system_clock::now());
  EXPECT_EQ(lag.last_event_offset, 3);
  EXPECT_EQ(lag.last_event_at, "yesterday");
  EXPECT_FALSE(lag.lag_seconds);
}

}  // namespace
}  // namespace cinema::viewpage
