#include "services/payment/payment_decider.hpp"

#include "core/blocking.hpp"
#include "core/periodic.hpp"
#include "core/time.hpp"
#include "services/payment/payment.hpp"

namespace cinema::payment {

int PaymentDecider::decide_due(std::chrono::system_clock::time_point now) {
  store::Transaction transaction(db_);
  auto due = payments_.due_pending(iso_utc(now));
  if (due.empty()) return 0;
  int decided_here = 0;
  for (const auto& pending : due) {
    auto decided = decide(pending);
    // Another instance decided it since it was read: announced there, once.
    if (!payments_.update(decided)) continue;
    events_.emit(contracts::payment_event(event_type_of(decided), decided, {{}, now}));
    ++decided_here;
  }
  transaction.commit();
  events_.published();
  return decided_here;
}

boost::asio::awaitable<void> PaymentDecider::run_forever(std::chrono::milliseconds interval,
                                                        const std::atomic<bool>& stopped) {
  co_await run_every(interval, stopped, log_, "deciding pending payments", [this]() -> boost::asio::awaitable<void> {
    auto now = std::chrono::system_clock::now();
    if (int decided = co_await run_blocking(db_.blocking(), [&] { return decide_due(now); }); decided > 0)
      log_.info("pending payments decided", {{"count", std::int64_t{decided}}});
    co_return;
  });
}

}  // namespace cinema::payment
