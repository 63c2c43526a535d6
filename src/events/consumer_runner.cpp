#include "events/consumer_runner.hpp"

#include <nlohmann/json.hpp>

#include "core/crash_point.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "events/inbox.hpp"

namespace cinema::events {
namespace {
constexpr auto kPollTimeout = std::chrono::milliseconds(200);
}  // namespace

ConsumerRunner::ConsumerRunner(ConsumerOptions options, Bus& bus, store::Database& db, EventHandler handler,
                               Logger& log, MetricsRegistry& metrics)
    : options_(std::move(options)),
      bus_(bus),
      db_(db),
      handler_(std::move(handler)),
      log_(log),
      metrics_(metrics),
      consumer_(bus_.consumer(options_.group, options_.topic)),
      dead_letters_(bus_.publisher()) {
  metrics_.gauge("events_consumer_lag", "Events of the topic this group has not applied yet (-1: unknown)",
                 {{"group", options_.group}}, [lag = lag_] { return static_cast<double>(lag->load()); });
  thread_ = std::thread([this] { run(); });
}

ConsumerRunner::~ConsumerRunner() { stop(); }

void ConsumerRunner::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

std::future<void> ConsumerRunner::replay(std::function<void()> reset) {
  std::packaged_task<void()> task([this, reset = std::move(reset)] {
    consumer_->rewind();
    lag_->store(-1);
    reset();
    log_.info("replaying from the first event", {{"group", options_.group}});
  });
  auto done = task.get_future();
  std::lock_guard lock(replay_mutex_);
  replay_.emplace(std::move(task));
  return done;
}

std::optional<std::int64_t> ConsumerRunner::lag() const {
  auto lag = lag_->load();
  return lag < 0 ? std::nullopt : std::optional(lag);
}

void ConsumerRunner::run() {
  while (!stopping_) {
    try {
      if (!consumer_) consumer_ = bus_.consumer(options_.group, options_.topic);
      run_requested_replay();
      auto batch = consumer_->poll(kPollTimeout);
      for (const auto& event : batch) {
        if (stopping_) return;  // uncommitted events come again on restart
        apply(event);
        if (&event != &batch.back()) crash_point(options_.group, "mid-batch");
        consumer_->commit(event);
      }
      measure_lag();
    } catch (const std::exception& e) {
      log_.warn("consumer failed; retrying", {{"group", options_.group}, {"error", std::string_view(e.what())}});
      // The rest of a failed batch was polled but not applied, so this consumer's position is past
      // it: a new consumer starts again from the committed one. The old one leaves the group first.
      consumer_.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

void ConsumerRunner::run_requested_replay() {
  std::optional<std::packaged_task<void()>> task;
  {
    std::lock_guard lock(replay_mutex_);
    task.swap(replay_);
  }
  if (task) (*task)();  // its failure reaches the caller through the future
}

void ConsumerRunner::measure_lag() {
  auto lag = consumer_->lag();
  lag_->store(lag ? *lag : -1);
}

void ConsumerRunner::apply(const Event& event) {
  auto labels = Labels{{"group", options_.group}};
  for (int attempt = 1;; ++attempt) {
    try {
      auto outcome = apply_once(db_, event, [&] { handler_(event); });
      auto name = outcome == InboxOutcome::applied ? "events_consumed_total" : "events_duplicates_skipped_total";
      metrics_.counter(name, "Events consumed (applied) or skipped as already applied, by group", labels).inc();
      return;
    } catch (const std::exception& e) {
      if (attempt < options_.max_attempts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
        continue;
      }
      dead_letter(event, e.what());
      return;
    }
  }
}

void ConsumerRunner::dead_letter(const Event& event, const std::string& error) {
  log_.log(LogLevel::error, "event dead-lettered", {},
           {{"group", options_.group}, {"eventId", event.event_id}, {"eventType", event.event_type},
            {"error", error}});
  nlohmann::ordered_json letter{{"group", options_.group}, {"error", error}, {"offset", event.offset},
                                {"event", nlohmann::json::parse(event.payload, nullptr, false)}};
  Event dead = event;
  dead.payload = letter.dump();
  dead_letters_->publish(options_.dead_letter_topic, std::span<const Event>(&dead, 1));
  metrics_.counter("events_dead_lettered_total", "Events sent to the dead-letter topic after repeated failures",
                   {{"group", options_.group}})
      .inc();
}

}  // namespace cinema::events
