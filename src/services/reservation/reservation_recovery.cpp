#include "services/reservation/reservation_recovery.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/time.hpp"

namespace cinema::reservation {

boost::asio::awaitable<int> ReservationRecovery::run_once() {
  auto now = std::chrono::system_clock::now();
  saga_.expire_keys(now);
  int settled = 0;
  for (const auto& pending : reservations_.unsettled(iso_utc(now - settle_after_))) {
    auto outcome = co_await payments_.settle_or_void(payment_request_for(pending));
    // "I could not ask" is not "nothing was charged": only payment's decision settles a reservation.
    if (!outcome.definitive()) {
      using Kind = PaymentOutcome::Kind;
      if (outcome.kind == Kind::unavailable || outcome.kind == Kind::unknown) break;  // payment unreachable: next pass
      continue;  // still pending at the card processor
    }
    auto result = saga_.settle(pending, outcome, {{}, std::chrono::system_clock::now()});
    if (result.status == status::requested) continue;
    ++settled;
    log_.info("recovered reservation", {{"rsvId", result.id}, {"status", result.status}});
  }
  co_return settled;
}

boost::asio::awaitable<void> ReservationRecovery::run_forever(std::chrono::milliseconds interval,
                                                             const std::atomic<bool>& stopped) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopped) {
    try {
      co_await run_once();
    } catch (const std::exception& e) {
      log_.warn("reservation recovery pass failed", {{"error", std::string_view(e.what())}});
    }
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace cinema::reservation
