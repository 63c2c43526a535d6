#pragma once
// The view page's consumer as its HTTP answers see it: how many events wait to be applied, and the
// replay that rebuilds every view from the first event of the log (`cinema replay viewpage`).
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>

namespace cinema::events {
class ConsumerRunner;
}

namespace cinema::viewpage {

struct FeedStatus {
  std::optional<std::int64_t> lag_events;  // null while the consumer cannot tell
  bool replaying = false;                  // from the replay request until the view caught up again
  std::optional<std::string> replay_error; // why the last replay could not start
};

class ViewFeed {
 public:
  // `reset` clears the views and the inbox in one transaction (reset_views).
  ViewFeed(events::ConsumerRunner& consumer, std::function<void()> reset)
      : consumer_(consumer), reset_(std::move(reset)) {}

  // Starts a replay; false when one is underway already.
  bool replay();
  FeedStatus status();

 private:
  // Notes a finished rewind and the end of catching up; returns the lag. Called under mutex_.
  std::optional<std::int64_t> refresh();

  events::ConsumerRunner& consumer_;
  std::function<void()> reset_;
  std::mutex mutex_;
  std::optional<std::future<void>> rewound_;  // ready once the consumer rewound and the views were cleared
  bool catching_up_ = false;
  std::optional<std::string> replay_error_;
};

}  // namespace cinema::viewpage
