// Unit tier: event ids.
#include <algorithm>
#include <chrono>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "events/event.hpp"

namespace cinema::events {
namespace {

TEST(EventIdTest, IsAVersion7UuidWithTheRfcVariant) {
  static const std::regex kUuidV7("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 100; ++i) {
    auto id = new_event_id();
    EXPECT_TRUE(std::regex_match(id, kUuidV7)) << id;
  }
}

TEST(EventIdTest, CarriesItsCreationTimeSoLaterIdsSortAfterEarlierOnes) {
  auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(new_event_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a later millisecond each
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  auto hex = ids.front().substr(0, 8) + ids.front().substr(9, 4);
  EXPECT_GE(std::stoll(hex, nullptr, 16), before) << "the first 48 bits are the Unix time in ms";
}

TEST(EventIdTest, IdsOfTheSameMillisecondStillDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(new_event_id());
  EXPECT_EQ(ids.size(), 10000u);
}

}  // namespace
}  // namespace cinema::events
