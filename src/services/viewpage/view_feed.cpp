#include "services/viewpage/view_feed.hpp"

#include "events/consumer_runner.hpp"

namespace cinema::viewpage {

bool ViewFeed::replay() {
  std::lock_guard lock(mutex_);
  refresh();
  if (catching_up_) return false;
  rewound_ = consumer_.replay(reset_);
  catching_up_ = true;
  replay_error_.reset();
  return true;
}

FeedStatus ViewFeed::status() {
  std::lock_guard lock(mutex_);
  auto lag = refresh();
  return {lag, catching_up_, replay_error_};
}

std::optional<std::int64_t> ViewFeed::refresh() {
  if (rewound_ && rewound_->wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
    try {
      rewound_->get();
    } catch (const std::exception& e) {
      replay_error_ = e.what();
      catching_up_ = false;
    }
    rewound_.reset();
  }
  auto lag = consumer_.lag();  // read after the rewind is known done: it cannot be the lag before it
  // Caught up: the rewind ran and, measured after it, nothing waits.
  if (catching_up_ && !rewound_ && lag == 0) catching_up_ = false;
  return lag;
}

}  // namespace cinema::viewpage
