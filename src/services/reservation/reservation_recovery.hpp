#pragma once
// Resolves reservations left in reqReserve (the process crashed between holding the seats and
// recording payment's answer, payment timed out, or its card processor is slow): it asks payment
// for the charge made for the reservation, or to void it when none was made (so that none can
// follow), and settles only on that definitive answer. While payment is unreachable or still
// deciding, the reservation waits: an unanswered question never becomes "nothing was charged".
// These questions bypass the circuit breaker and never count in it. Also expires old
// Idempotency-Keys, and cancels reservations left reserved on a deleted movie
// (ReservationSaga::cancel_left_on_deleted_movies).
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>

#include "core/log.hpp"

namespace cinema {
class BlockingPool;
}
#include "services/reservation/payment_client.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {

class ReservationRecovery {
 public:
  ReservationRecovery(ReservationRepository& reservations, ReservationSaga& saga, PaymentClient& payments,
                      Logger& log, std::chrono::milliseconds settle_after, BlockingPool* blocking = nullptr)
      : reservations_(reservations),
        saga_(saga),
        payments_(payments),
        log_(log),
        settle_after_(settle_after),
        blocking_(blocking) {}
  // One pass over the unsettled reservations; returns how many it settled.
  boost::asio::awaitable<int> run_once();
  // Passes every `interval` until `stopped` is set.
  boost::asio::awaitable<void> run_forever(std::chrono::milliseconds interval, const std::atomic<bool>& stopped);

 private:
  ReservationRepository& reservations_;
  ReservationSaga& saga_;
  PaymentClient& payments_;
  Logger& log_;
  std::chrono::milliseconds settle_after_;
  BlockingPool* blocking_;  // where its database calls run (the store's), null: in place
};

}  // namespace cinema::reservation
