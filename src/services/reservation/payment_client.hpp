#pragma once
// The synchronous call to payment (NFR 1: a reservation stands only if paid), behind a circuit
// breaker and a bulkhead (NFR 3: when payment is failing or the path is overloaded, callers are
// turned away at once with a Retry-After instead of piling up).
//
// The breaker counts payment's own failures only: no answer, a refused connection, a 5xx or an
// answer it cannot read. An answer about the customer's card (declined, or still being decided)
// is payment working, and recovery's questions about earlier charges neither pass through the
// breaker nor feed it, so one customer's card or one backlog cannot turn everyone away.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <string>

#include "contracts/payment_api.hpp"
#include "core/http/client.hpp"
#include "core/http/instances.hpp"
#include "core/metrics.hpp"
#include "core/resilience/circuit_breaker.hpp"

namespace cinema::security {
class ServiceCredential;
}

namespace cinema::reservation {

struct PaymentOutcome {
  enum class Kind {
    approved,     // paid: the reservation is confirmed
    declined,     // the card was refused (or the charge was voided): the reservation is rejected
    pending,      // payment is still deciding (a slow card processor): ask again later
    unavailable,  // this call certainly reached no payment logic (refused connection, open circuit, 503)
    unknown,      // payment may have charged (timeout, an answer that cannot be read): ask again later
  };
  Kind kind;
  contracts::PaymentState payment;  // approved, declined and pending
  std::string detail;
  std::chrono::seconds retry_after{0};
  bool malformed_answer = false;  // payment answered something unreadable (the caller's 502)

  // Whether the outcome decides the reservation: a charge was made, or certainly will never be.
  [[nodiscard]] bool definitive() const { return kind == Kind::approved || kind == Kind::declined; }
};

struct PaymentClientOptions {
  std::string upstream;  // host:port of payment; several instances: "h:p1,h:p2" (spread in turn)
  std::chrono::milliseconds timeout{3000};
  std::size_t max_in_flight = 256;
  resilience::OutlierOptions outlier = {};  // ejection of failing payment instances
};

class PaymentClient {
 public:
  // `credential` proves to payment that the caller is the reservation service.
  PaymentClient(boost::asio::io_context& io, PaymentClientOptions options, resilience::CircuitBreaker& breaker,
                security::ServiceCredential& credential, MetricsRegistry& metrics);
  // The charge of a new reservation (POST /payments), idempotent per rsvId on payment's side.
  boost::asio::awaitable<PaymentOutcome> pay(contracts::PaymentRequest request, std::string trace_id);
  // Recovery's question about a reservation whose first call got no clear answer (POST
  // /payments/void): payment answers the charge it made, or voids it so that none can follow.
  // Never turned away by the breaker and never counted in it.
  boost::asio::awaitable<PaymentOutcome> settle_or_void(contracts::PaymentRequest request);

 private:
  boost::asio::awaitable<PaymentOutcome> call(std::string target, contracts::PaymentRequest request,
                                              std::string trace_id, bool through_breaker);
  PaymentOutcome classify(const http::Response& response, bool through_breaker);
  void record_failure(resilience::CircuitBreaker::Clock::time_point now);
  PaymentOutcome failed(PaymentOutcome::Kind kind, std::string detail, std::chrono::seconds retry_after);

  http::Client client_;
  PaymentClientOptions options_;
  http::Instances payment_;
  resilience::CircuitBreaker& breaker_;
  security::ServiceCredential& credential_;
  MetricsRegistry& metrics_;
  Counter& circuit_openings_;
  std::atomic<std::size_t> in_flight_{0};
};

}  // namespace cinema::reservation
