#include "services/message/dispatcher.hpp"

#include <utility>

#include "core/thread_role.hpp"
#include "services/message/message_json.hpp"

namespace cinema::message {
namespace {
constexpr std::int64_t kBatch = 100;
// Outcomes are recorded at least this often, so a slow sender does not widen what a crash would
// send again (everything sent but not yet recorded) to a whole batch.
constexpr auto kRecordWithin = std::chrono::milliseconds(100);

std::int64_t unix_ms(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}
}  // namespace

Dispatcher::Dispatcher(store::Database& db, MessageRepository& messages, MessageSender& sender,
                       events::EventSink& events, Logger& log, MetricsRegistry& metrics, RetryPolicy policy,
                       DeliveryClock clock)
    : db_(db),
      messages_(messages),
      sender_(sender),
      events_(events),
      log_(log),
      metrics_(metrics),
      policy_(policy),
      clock_(std::move(clock)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  thread_ = std::thread([this] {
    run_as_background("dispatcher");
    run();
  });
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void Dispatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    notified_ = false;
    lock.unlock();
    try {
      deliver_due();
    } catch (const std::exception& e) {
      log_.warn("message delivery pass failed", {{"error", std::string_view(e.what())}});
    }
    lock.lock();
    wake_.wait_for(lock, policy_.base, [this] { return notified_ || stopping_; });
  }
}

// A message that failed is rescheduled past `now`, so it leaves the due set: a full batch means
// there may be more due, never the same ones again.
int Dispatcher::deliver_due() {
  int attempted = 0;
  for (;;) {
    auto due = messages_.due(unix_ms(clock_.wall()), kBatch);
    std::vector<Attempt> unrecorded;
    auto first_send = clock_.steady();
    for (const auto& message : due) {
      if (stopping_) break;
      if (unrecorded.empty()) first_send = clock_.steady();
      unrecorded.push_back(send(message));
      ++attempted;
      if (clock_.steady() - first_send >= kRecordWithin) record(std::exchange(unrecorded, {}));
    }
    record(unrecorded);
    if (stopping_ || static_cast<std::int64_t>(due.size()) < kBatch) return attempted;
  }
}

Dispatcher::Attempt Dispatcher::send(const Message& message) {
  auto result = sender_.send(message);
  auto now = clock_.wall();
  return Attempt{after_attempt(message, result.delivered, unix_ms(now), policy_), now, std::move(result.error)};
}

// One transaction for the outcomes of many sends: a commit per message was a fifth of the
// service's CPU under load.
void Dispatcher::record(const std::vector<Attempt>& attempts) {
  if (attempts.empty()) return;
  {
    store::Transaction transaction(db_);
    for (const auto& [next, at, error] : attempts) {
      messages_.record_attempt(next);
      if (next.delivery == delivery::delivered) events_.emit(message_sent_event(next, {next.trace_id, at}));
    }
    transaction.commit();
  }
  events_.published();
  for (const auto& [next, at, error] : attempts) {
    count(next.delivery == delivery::pending ? "retry" : next.delivery);
    if (next.delivery != delivery::delivered)
      log_.log(LogLevel::warn, "message not delivered", next.trace_id,
               {{"messageId", next.id},
                {"attempts", next.attempts},
                {"delivery", std::string_view(next.delivery)},
                {"error", std::string_view(error)}});
  }
}

void Dispatcher::count(std::string_view outcome) {
  metrics_
      .counter("messages_attempts_total", "Message delivery attempts by outcome", {{"outcome", std::string(outcome)}})
      .inc();
}

}  // namespace cinema::message
