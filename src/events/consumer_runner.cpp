#include "events/consumer_runner.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/crash_point.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "core/thread_role.hpp"
#include "store/database.hpp"

namespace cinema::events {
namespace {
constexpr auto kPollTimeout = std::chrono::milliseconds(200);
// Events applied in one transaction: one commit for many, while other users of the database (the
// service's requests) wait no longer than this many events take.
constexpr std::size_t kEventsPerTransaction = 100;
const char* const kConsumedHelp = "Events consumed (applied) or skipped as already applied, by group";
}  // namespace

ConsumerRunner::ConsumerRunner(ConsumerOptions options, Bus& bus, store::Database& db, EventHandler handler,
                               Logger& log, MetricsRegistry& metrics)
    : options_(std::move(options)),
      bus_(bus),
      db_(db),
      handler_(std::move(handler)),
      log_(log),
      metrics_(metrics),
      consumed_(metrics.counter("events_consumed_total", kConsumedHelp, {{"group", options_.group}})),
      duplicates_(metrics.counter("events_duplicates_skipped_total", kConsumedHelp, {{"group", options_.group}})),
      ignored_(metrics.counter("events_ignored_total", "Events of types the group does not apply, by group",
                               {{"group", options_.group}})),
      consumer_(bus_.consumer(options_.group, options_.topic, options_.wanted)),
      dead_letters_(bus_.publisher()) {
  metrics_.gauge("events_consumer_lag", "Events of the topic this group has not applied yet (-1: unknown)",
                 {{"group", options_.group}}, [lag = lag_] { return static_cast<double>(lag->load()); });
  thread_ = std::thread([this] {
    run_as_background("consumer");
    run();
  });
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
  BatchPacer pacer(options_.batch_interval);
  while (!stopping_) {
    try {
      if (!consumer_) consumer_ = bus_.consumer(options_.group, options_.topic, options_.wanted);
      run_requested_replay();
      pacer.wait_turn();
      joined_->store(consumer_->joined());  // the embedded log's at once; Kafka's after a poll served the join
      auto batch = consumer_->poll(kPollTimeout);
      joined_->store(consumer_->joined());
      if (!batch.empty()) pacer.took_batch();
      auto applied = apply_batch(batch);  // what is not applied (stopping) comes again on restart
      if (applied > 1) crash_point(options_.group, "mid-batch");
      // One commit per batch keeps the shared log (or the Kafka coordinator) out of the per-event
      // path; a crash before it only means redelivery, which the inbox absorbs.
      if (applied > 0) consumer_->commit(batch[applied - 1]);
      measure_lag();
    } catch (const std::exception& e) {
      log_.warn("consumer failed; retrying", {{"group", options_.group}, {"error", std::string_view(e.what())}});
      // The rest of a failed batch was polled but not applied, so this consumer's position is past
      // it: a new consumer starts again from the committed one. The old one leaves the group first.
      consumer_.reset();
      joined_->store(false);
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

// Optimistic: a chunk of events in one transaction with no savepoint per event (a savepoint and
// an inbox lookup per event were a third of a consumer's statements). If an event fails, the whole
// chunk is undone and applied again one event per transaction, the failing one with retries.
std::size_t ConsumerRunner::apply_batch(const std::vector<Event>& batch) {
  auto is_wanted = [this](const Event& event) { return !options_.wanted || options_.wanted(event.event_type); };
  std::size_t next = 0;
  while (next < batch.size() && !stopping_) {
    const auto end = std::min(batch.size(), next + kEventsPerTransaction);
    if (std::none_of(batch.begin() + next, batch.begin() + end, is_wanted)) {  // no transaction for nothing
      ignored_.inc(end - next);
      next = end;
      continue;
    }
    std::size_t reached = next, applied = 0, duplicates = 0, ignored = 0;
    bool failed = false;
    {
      store::Transaction transaction(db_);
      for (; reached < end && !stopping_; ++reached) {
        const auto& event = batch[reached];
        if (!is_wanted(event)) {
          ++ignored;
          continue;
        }
        try {
          ++(apply_once_within(db_, event, [&] { handler_(event); }) == InboxOutcome::applied ? applied : duplicates);
        } catch (const std::exception&) {
          failed = true;  // the transaction rolls back as it closes
          break;
        }
      }
      if (!failed) transaction.commit();
    }
    if (failed) {
      for (reached = next; reached < end && !stopping_; ++reached) {
        if (!is_wanted(batch[reached]))
          ignored_.inc();
        else if (!apply(batch[reached]))
          break;
      }
    } else {
      consumed_.inc(applied);
      duplicates_.inc(duplicates);
      ignored_.inc(ignored);
    }
    next = reached;
  }
  return next;
}

void ConsumerRunner::count(InboxOutcome outcome) { (outcome == InboxOutcome::applied ? consumed_ : duplicates_).inc(); }

bool ConsumerRunner::apply(const Event& event) {
  auto store_wait = std::chrono::milliseconds(20);
  for (int attempt = 1;;) {
    try {
      count(apply_once(db_, event, [&] { handler_(event); }));
      return true;
    } catch (const std::exception& e) {
      if (dynamic_cast<const Transient*>(&e)) {
        if (stopping_) return false;
        std::this_thread::sleep_for(store_wait);
        store_wait = std::min(store_wait * 2, std::chrono::milliseconds(1000));
        continue;
      }
      if (attempt < options_.max_attempts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt++));
        continue;
      }
      dead_letter(event, e.what());
      return true;
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
