#include "services/reservation/payment_client.hpp"

#include <optional>

#include "core/http/errors.hpp"
#include "core/security/guard.hpp"
#include "core/trace.hpp"
#include "core/transient.hpp"

namespace cinema::reservation {
namespace {
using Kind = PaymentOutcome::Kind;
// Payment did nothing (down, refusing): the breaker probes again within half a second of its
// return, so a client may retry in a second. Payment may have acted: recovery settles the
// reservation, and a replay before that only learns it is still open.
constexpr std::chrono::seconds kRetryAfterUnavailable{1};
constexpr std::chrono::seconds kRetryAfterUnknown{5};
constexpr std::chrono::seconds kRetryAfterPending{2};

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::approved: return "approved";
    case Kind::declined: return "declined";
    case Kind::pending: return "pending";
    case Kind::unavailable: return "unavailable";
    case Kind::unknown: return "unknown";
  }
  return "unknown";
}
}  // namespace

PaymentClient::PaymentClient(boost::asio::io_context& io, PaymentClientOptions options,
                             resilience::CircuitBreaker& breaker, security::ServiceCredential& credential,
                             MetricsRegistry& metrics)
    : client_(io, http::ClientOptions{.connect_timeout = options.timeout, .request_timeout = options.timeout}),
      options_(std::move(options)),
      payment_("payment", http::parse_instances(options_.upstream), options_.outlier, metrics),
      breaker_(breaker),
      credential_(credential),
      metrics_(metrics),
      circuit_openings_(metrics.counter("payment_circuit_openings_total",
                                        "Times the circuit breaker in front of payment opened (also again "
                                        "after a failed probe)")) {
  payment_.start_probing(io);
  // Half-open counts as open: all but one probe are still turned away.
  metrics_.gauge("payment_circuit_open", "1 while the circuit breaker in front of payment is open or half-open", {},
                 [this] { return breaker_.state(resilience::CircuitBreaker::Clock::now()) !=
                                         resilience::CircuitBreaker::State::closed ? 1.0 : 0.0; });
}

boost::asio::awaitable<PaymentOutcome> PaymentClient::pay(contracts::PaymentRequest request, std::string trace_id) {
  auto now = resilience::CircuitBreaker::Clock::now();
  if (in_flight_ >= options_.max_in_flight)
    co_return failed(Kind::unavailable, "payment path overloaded", std::chrono::seconds(1));
  if (!breaker_.allow(now)) {
    auto wait = std::chrono::ceil<std::chrono::seconds>(breaker_.retry_after(now));
    co_return failed(Kind::unavailable, "payment circuit open", std::max(wait, std::chrono::seconds(1)));
  }
  co_return co_await call("/payments", std::move(request), std::move(trace_id), true);
}

boost::asio::awaitable<PaymentOutcome> PaymentClient::settle_or_void(contracts::PaymentRequest request) {
  co_return co_await call("/payments/void", std::move(request), {}, false);
}

boost::asio::awaitable<PaymentOutcome> PaymentClient::call(std::string target, contracts::PaymentRequest request,
                                                           std::string trace_id, bool through_breaker) {
  http::Request call{.method = "POST", .target = std::move(target), .body = contracts::payment_request_to_json(request)};
  call.headers.set("Content-Type", "application/json");
  call.headers.set("Idempotency-Key", "rsv-" + std::to_string(request.rsv_id));
  call.headers.set("Authorization", credential_.authorization());
  call.headers.set("traceparent", format_traceparent({trace_id.empty() ? new_trace_id() : trace_id, new_span_id()}));
  ++in_flight_;
  std::optional<http::UpstreamError> error;
  http::Response response;
  // Spread over payment's instances, failing ones ejected; the call names its Idempotency-Key, so a
  // call that reached no instance or broke off is repeated on another (core/http/instances.hpp).
  try {
    response = co_await payment_.send(client_, std::move(call));
  } catch (const http::UpstreamError& e) {
    error = e;
  }
  --in_flight_;
  if (!error) co_return classify(response, through_breaker);
  if (through_breaker) record_failure(resilience::CircuitBreaker::Clock::now());
  // Refused connection: nothing reached payment. Timeout or a broken answer: it may have charged.
  if (error->kind() == http::UpstreamError::Kind::connect)
    co_return failed(Kind::unavailable, error->what(), kRetryAfterUnavailable);
  co_return failed(Kind::unknown, error->what(), kRetryAfterUnknown);
}

PaymentOutcome PaymentClient::classify(const http::Response& response, bool through_breaker) {
  auto now = resilience::CircuitBreaker::Clock::now();
  auto answered = [&](bool payments_fault) {
    if (!through_breaker) return;
    if (payments_fault) record_failure(now);
    else breaker_.record_success(now);
  };
  auto status = response.status;
  if (status == 200 || status == 201 || status == 202 || status == 402) {
    std::optional<contracts::PaymentState> payment;
    try {
      payment = contracts::payment_from_json(response.body);
    } catch (const std::exception& e) {
      answered(true);
      auto outcome = failed(Kind::unknown, "payment answered " + std::to_string(status) + " with a body that "
                                           "cannot be read: " + e.what(), kRetryAfterUnknown);
      outcome.malformed_answer = true;
      return outcome;
    }
    answered(false);
    auto kind = status == 402 ? Kind::declined : status == 202 ? Kind::pending : Kind::approved;
    // A refunded payment (its reservation was cancelled meanwhile) confirms nothing.
    if (payment->status == "cancelled") kind = Kind::declined;
    metrics_.counter("payment_calls_total", "Calls to payment, by outcome", {{"outcome", std::string(kind_name(kind))}}).inc();
    PaymentOutcome outcome{kind, *payment, {}, {}};
    if (kind == Kind::pending) {
      outcome.detail = "the card processor has not decided yet";
      outcome.retry_after = kRetryAfterPending;
    }
    return outcome;
  }
  // 5xx: payment failed (503: it did nothing, unless its commit's answer was lost). 4xx: payment
  // works but refused this call (a bug or a misconfigured token): not its failure, and the outcome
  // stays open for recovery.
  answered(status >= 500);
  auto detail = "payment answered " + std::to_string(status) + ": " + response.body;
  bool did_nothing = status == 503 && http::error_code_of(response.body) != kCommitOutcomeUnknown;
  return failed(did_nothing ? Kind::unavailable : Kind::unknown, detail,
                did_nothing ? kRetryAfterUnavailable : kRetryAfterUnknown);
}

void PaymentClient::record_failure(resilience::CircuitBreaker::Clock::time_point now) {
  if (breaker_.record_failure(now)) circuit_openings_.inc();
}

PaymentOutcome PaymentClient::failed(Kind kind, std::string detail, std::chrono::seconds retry_after) {
  metrics_.counter("payment_calls_total", "Calls to payment, by outcome", {{"outcome", std::string(kind_name(kind))}}).inc();
  return PaymentOutcome{kind, {}, std::move(detail), retry_after};
}

}  // namespace cinema::reservation
