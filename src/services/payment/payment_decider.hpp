#pragma once
// Decides the pending payments (a card processor that did not answer) once their time is up:
// pending -> declined (processor_timeout), with PaymentDeclined. The due time is stored with the
// payment, so a restart decides what a crash left pending.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>

#include "core/log.hpp"
#include "events/event_sink.hpp"
#include "services/payment/payment_repository.hpp"

namespace cinema::payment {

class PaymentDecider {
 public:
  PaymentDecider(store::Database& db, PaymentRepository& payments, events::EventSink& events, Logger& log)
      : db_(db), payments_(payments), events_(events), log_(log) {}
  // Decides the payments due at `now` in one transaction; returns how many.
  int decide_due(std::chrono::system_clock::time_point now);
  // Runs decide_due every `interval` until `stopped` is set.
  boost::asio::awaitable<void> run_forever(std::chrono::milliseconds interval, const std::atomic<bool>& stopped);

 private:
  store::Database& db_;
  PaymentRepository& payments_;
  events::EventSink& events_;
  Logger& log_;
};

}  // namespace cinema::payment
