#include "services/payment/payment_decider.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/time.hpp"
#include "services/payment/payment.hpp"

namespace cinema::payment {

int PaymentDecider::decide_due(std::chrono::system_clock::time_point now) {
  store::Transaction transaction(db_);
  auto due = payments_.due_pending(iso_utc(now));
  if (due.empty()) return 0;
  for (const auto& pending : due) {
    auto decided = decide(pending);
    payments_.update(decided);
    events_.emit(contracts::payment_event(event_type_of(decided), decided, {{}, now}));
  }
  transaction.commit();
  events_.published();
  return static_cast<int>(due.size());
}

boost::asio::awaitable<void> PaymentDecider::run_forever(std::chrono::milliseconds interval,
                                                        const std::atomic<bool>& stopped) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopped) {
    try {
      if (int decided = decide_due(std::chrono::system_clock::now()); decided > 0)
        log_.info("pending payments decided", {{"count", std::int64_t{decided}}});
    } catch (const std::exception& e) {
      log_.warn("deciding pending payments failed", {{"error", std::string_view(e.what())}});
    }
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace cinema::payment
