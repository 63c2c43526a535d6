#pragma once
// Resolves reservations left in reqReserve (the process crashed between holding the seats and
// recording payment's answer, or payment timed out): it repeats the payment call — idempotent per
// rsvId, so it returns the outcome payment already decided, or decides it now — and settles.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>

#include "core/log.hpp"
#include "services/reservation/payment_client.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {

class ReservationRecovery {
 public:
  ReservationRecovery(ReservationRepository& reservations, ReservationSaga& saga, PaymentClient& payments,
                      Logger& log, std::chrono::milliseconds settle_after)
      : reservations_(reservations), saga_(saga), payments_(payments), log_(log), settle_after_(settle_after) {}
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
};

}  // namespace cinema::reservation
