// Component tier: how reservation reads payment's answers, against a real HTTP server standing in
// for payment. Only an answer that certainly did nothing may release a reservation.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/http/errors.hpp"
#include "core/metrics.hpp"
#include "core/security/guard.hpp"
#include "core/test_server.hpp"
#include "core/transient.hpp"
#include "services/reservation/payment_client.hpp"

namespace cinema::reservation {
namespace {
namespace asio = boost::asio;
using Kind = PaymentOutcome::Kind;

// A payment that answers every charge with 503 and the given "error".
class RefusingPayment {
 public:
  explicit RefusingPayment(std::string code)
      : server_([code](http::Router& router) {
          router.add_sync("POST", "/payments", http::Access::open, [code](http::Request&) {
            auto response = http::Response::json(503, http::error_body(code, "refused"));
            response.headers.set("Retry-After", "1");
            return response;
          });
        }) {}
  [[nodiscard]] std::string upstream() const { return server_.upstream(); }

 private:
  test_support::TestServer server_;
};

PaymentOutcome charge(const std::string& upstream) {
  asio::io_context io;
  MetricsRegistry metrics;
  resilience::CircuitBreaker breaker(resilience::CircuitBreakerOptions{});
  security::ServiceCredential credential(nullptr, "reservation");
  PaymentClient client(io, PaymentClientOptions{.upstream = upstream}, breaker, credential, metrics);
  auto outcome = asio::co_spawn(io, client.pay(contracts::PaymentRequest{1, 1, 1000, "kim", "4111111111111111"}, ""),
                                asio::use_future);
  io.run();
  return outcome.get();
}

// The caller is told to retry soon: the breaker probes within half a second of payment's return.
TEST(PaymentClient, A503SaysNothingWasDoneAndToRetryInASecond) {
  RefusingPayment payment("unavailable");
  auto outcome = charge(payment.upstream());
  EXPECT_EQ(outcome.kind, Kind::unavailable);
  EXPECT_EQ(outcome.retry_after, std::chrono::seconds(1));
}

TEST(PaymentClient, ARefusedConnectionSaysNothingWasDoneAndToRetryInASecond) {
  std::string upstream;
  {
    RefusingPayment gone("unavailable");  // a port that nothing listens on once it is destroyed
    upstream = gone.upstream();
  }
  auto outcome = charge(upstream);
  EXPECT_EQ(outcome.kind, Kind::unavailable);
  EXPECT_EQ(outcome.retry_after, std::chrono::seconds(1));
}

TEST(PaymentClient, A503WhoseCommitsOutcomeIsUnknownLeavesTheChargeOpenForRecovery) {
  // Payment's database connection broke during its COMMIT: the charge may stand, and only recovery
  // (reservation.settle_after_ms) decides it, so a replay is not asked for at once.
  RefusingPayment payment{std::string(kCommitOutcomeUnknown)};
  auto outcome = charge(payment.upstream());
  EXPECT_EQ(outcome.kind, Kind::unknown);
  EXPECT_EQ(outcome.retry_after, std::chrono::seconds(5));
}

}  // namespace
}  // namespace cinema::reservation
