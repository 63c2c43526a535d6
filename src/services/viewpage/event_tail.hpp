#pragma once
// The last events the view page applied, in memory, for the manager console's live event stream:
//   GET /viewpage/events?after=OFFSET   (managers) up to 100 events past OFFSET, oldest first;
//                                       without `after`, the newest 100
// The view page consumes every event of the topic, so its consumer is the one place that sees them
// all as they happen. Kept: the newest 500 since the process started (a replay starts it over).
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/http/router.hpp"
#include "events/event.hpp"

namespace cinema::viewpage {

class EventTail final {
 public:
  struct Entry {
    std::int64_t offset;
    std::string event_type;
    std::string payload;  // the event's JSON object as published
  };
  static constexpr std::size_t kKept = 500;

  // Called by the consumer's thread after the event was applied; a redelivered offset is skipped.
  void record(const events::Event& event);
  // Up to `limit` entries past `offset`, oldest first; offset < 0: the newest `limit`.
  [[nodiscard]] std::vector<Entry> after(std::int64_t offset, std::size_t limit) const;

 private:
  mutable std::mutex mutex_;
  std::deque<Entry> entries_;
};

class EventTailHandler final {
 public:
  explicit EventTailHandler(const EventTail& tail) : tail_(tail) {}
  void register_routes(http::Router& router);

 private:
  http::Response events(const http::Request& request) const;

  const EventTail& tail_;
};

}  // namespace cinema::viewpage
