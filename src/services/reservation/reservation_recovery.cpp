#include "services/reservation/reservation_recovery.hpp"

#include "core/periodic.hpp"
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
  co_await run_every(interval, stopped, log_, "reservation recovery pass",
                     [this]() -> boost::asio::awaitable<void> { co_await run_once(); });
}

}  // namespace cinema::reservation
