#pragma once
// The synchronous call to payment (NFR 1: a reservation stands only if paid), behind a circuit
// breaker and a bulkhead (NFR 3: when payment is failing or the path is overloaded, callers are
// turned away at once with a Retry-After instead of piling up).
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <string>

#include "contracts/payment_api.hpp"
#include "core/http/client.hpp"
#include "core/metrics.hpp"
#include "core/resilience/circuit_breaker.hpp"

namespace cinema::reservation {

struct PaymentOutcome {
  enum class Kind {
    approved,     // paid: the reservation is confirmed
    declined,     // the card was refused: the reservation is rejected
    unavailable,  // payment certainly did not charge (refused connection, open circuit, overload)
    unknown,      // payment may have charged (timeout): settled later by asking again
  };
  Kind kind;
  contracts::PaymentState payment;  // approved and declined
  std::string detail;
  std::chrono::seconds retry_after{0};
};

struct PaymentClientOptions {
  std::string upstream;  // host:port of payment
  std::chrono::milliseconds timeout{3000};
  std::size_t max_in_flight = 256;
};

class PaymentClient {
 public:
  PaymentClient(boost::asio::io_context& io, PaymentClientOptions options, resilience::CircuitBreaker& breaker,
                MetricsRegistry& metrics);
  // Idempotent per rsvId on payment's side, so the same request may be sent again safely.
  boost::asio::awaitable<PaymentOutcome> pay(contracts::PaymentRequest request, std::string trace_id);

 private:
  PaymentOutcome classify(const http::Response& response);
  PaymentOutcome failed(PaymentOutcome::Kind kind, std::string detail, std::chrono::seconds retry_after);

  http::Client client_;
  PaymentClientOptions options_;
  resilience::CircuitBreaker& breaker_;
  MetricsRegistry& metrics_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace cinema::reservation
