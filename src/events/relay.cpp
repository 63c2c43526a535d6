#include "events/relay.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_role.hpp"

namespace cinema::events {
namespace {
constexpr std::int64_t kRelayBatch = 500;
// Without a notify (e.g. rows left by a crash) the relay still looks this often.
constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
}  // namespace

Relay::Relay(Outbox& outbox, std::unique_ptr<Publisher> publisher, Logger& log, MetricsRegistry& metrics,
             std::chrono::milliseconds batch_interval, PacerClock& clock)
    : outbox_(outbox), publisher_(std::move(publisher)), log_(log), metrics_(metrics), pacer_(batch_interval, clock) {
  metrics_.gauge("outbox_backlog", "Events committed but not yet published", {},
                 [this] { return static_cast<double>(outbox_.backlog()); });
  thread_ = std::thread([this] {
    run_as_background("relay");
    run();
  });
}

Relay::~Relay() { stop(); }

void Relay::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

void Relay::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Relay::run() {
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kPollInterval, [this] { return pending_ || stopping_; });
      pending_ = false;
    }
    pacer_.wait_turn();
    bool stopping = false;
    try {
      while (publish_batch()) {
      }
      backoff = std::chrono::milliseconds(50);
    } catch (const std::exception& e) {
      log_.warn("outbox relay could not publish; will retry", {{"error", std::string_view(e.what())},
                                                               {"retryInMs", std::int64_t(backoff.count())}});
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(backoff * 2, kMaxBackoff);
      pending_ = true;
    }
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
    }
    if (stopping) return;
  }
}

bool Relay::publish_batch() {
  if (!outbox_.relay_leads()) return false;  // another instance publishes; asked again next poll
  auto rows = outbox_.oldest(kRelayBatch);
  if (rows.empty()) return false;
  pacer_.took_batch();
  // Consecutive rows of one topic go out together; the order of rows is kept across topics too.
  for (std::size_t start = 0; start < rows.size();) {
    std::size_t end = start;
    std::vector<Event> events;
    while (end < rows.size() && rows[end].topic == rows[start].topic) events.push_back(rows[end++].event);
    publisher_->publish(rows[start].topic, events);
    outbox_.remove_published(std::span<const OutboxRow>(rows).subspan(start, end - start));
    metrics_.counter("events_published_total", "Events the relay handed to the bus", {{"topic", rows[start].topic}})
        .inc(events.size());
    start = end;
  }
  return static_cast<std::int64_t>(rows.size()) == kRelayBatch;
}

}  // namespace cinema::events
