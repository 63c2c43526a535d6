#include "services/reservation/reservation_recovery.hpp"

#include "core/blocking.hpp"
#include "core/periodic.hpp"
#include "core/time.hpp"

namespace cinema::reservation {
namespace {
// Longer than one recovery of a reservation takes (a payment call times out in seconds).
constexpr auto kRecoveryLease = std::chrono::seconds(30);
}  // namespace

boost::asio::awaitable<int> ReservationRecovery::run_once() {
  auto now = std::chrono::system_clock::now();
  auto unsettled = co_await run_blocking(blocking_, [&] {
    saga_.expire_keys(now);
    return reservations_.unsettled(iso_utc(now - settle_after_));
  });
  if (int cancelled = co_await run_blocking(blocking_, [&] {
        return saga_.cancel_left_on_deleted_movies({{}, now}, iso_utc(now));
      }); cancelled > 0)
    log_.warn("reservations confirmed while their movie was being deleted: cancelled", {{"count", std::int64_t{cancelled}}});
  int settled = 0;
  for (const auto& pending : unsettled) {
    // Claimed first: another instance of the service recovering at the same time skips it.
    if (!co_await run_blocking(blocking_, [&] {
          return reservations_.claim_for_recovery(pending.id, iso_utc(now), iso_utc(now + kRecoveryLease));
        }))
      continue;
    auto outcome = co_await payments_.settle_or_void(payment_request_for(pending));
    // "I could not ask" is not "nothing was charged": only payment's decision settles a reservation.
    if (!outcome.definitive()) {
      co_await run_blocking(blocking_, [&] { reservations_.release_recovery(pending.id); });  // next pass may try
      using Kind = PaymentOutcome::Kind;
      if (outcome.kind == Kind::unavailable || outcome.kind == Kind::unknown) break;  // payment unreachable: next pass
      continue;  // still pending at the card processor
    }
    auto result = co_await run_blocking(
        blocking_, [&] { return saga_.settle(pending, outcome, {{}, std::chrono::system_clock::now()}); });
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
