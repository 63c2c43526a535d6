#include "services/reservation/payment_client.hpp"

#include <optional>

#include "core/trace.hpp"

namespace cinema::reservation {
namespace {
using Kind = PaymentOutcome::Kind;
constexpr std::chrono::seconds kRetryAfterUnavailable{5};

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::approved: return "approved";
    case Kind::declined: return "declined";
    case Kind::unavailable: return "unavailable";
    case Kind::unknown: return "unknown";
  }
  return "unknown";
}
}  // namespace

PaymentClient::PaymentClient(boost::asio::io_context& io, PaymentClientOptions options,
                             resilience::CircuitBreaker& breaker, MetricsRegistry& metrics)
    : client_(io, http::ClientOptions{.connect_timeout = options.timeout, .request_timeout = options.timeout}),
      options_(std::move(options)),
      breaker_(breaker),
      metrics_(metrics) {
  metrics_.gauge("payment_circuit_open", "1 while the circuit breaker in front of payment is open", {},
                 [this] { return breaker_.state(resilience::CircuitBreaker::Clock::now()) ==
                                         resilience::CircuitBreaker::State::open ? 1.0 : 0.0; });
}

boost::asio::awaitable<PaymentOutcome> PaymentClient::pay(contracts::PaymentRequest request, std::string trace_id) {
  auto now = resilience::CircuitBreaker::Clock::now();
  if (in_flight_ >= options_.max_in_flight)
    co_return failed(Kind::unavailable, "payment path overloaded", std::chrono::seconds(1));
  if (!breaker_.allow(now)) {
    auto wait = std::chrono::ceil<std::chrono::seconds>(breaker_.retry_after(now));
    co_return failed(Kind::unavailable, "payment circuit open", std::max(wait, std::chrono::seconds(1)));
  }
  http::Request call{.method = "POST", .target = "/payments", .body = contracts::payment_request_to_json(request)};
  call.headers.set("Content-Type", "application/json");
  call.headers.set("Idempotency-Key", "rsv-" + std::to_string(request.rsv_id));
  call.headers.set("traceparent", format_traceparent({trace_id.empty() ? new_trace_id() : trace_id, new_span_id()}));
  ++in_flight_;
  std::optional<http::UpstreamError> error;
  http::Response response;
  try {
    response = co_await client_.send(options_.upstream, std::move(call));
  } catch (const http::UpstreamError& e) {
    error = e;
  }
  --in_flight_;
  if (!error) co_return classify(response);
  breaker_.record_failure(resilience::CircuitBreaker::Clock::now());
  // Refused connection: nothing reached payment. Timeout or a broken answer: it may have charged.
  if (error->kind() == http::UpstreamError::Kind::connect)
    co_return failed(Kind::unavailable, error->what(), kRetryAfterUnavailable);
  co_return failed(Kind::unknown, error->what(), kRetryAfterUnavailable);
}

PaymentOutcome PaymentClient::classify(const http::Response& response) {
  if (response.status == 200 || response.status == 201 || response.status == 402) {
    breaker_.record_success();
    auto kind = response.status == 402 ? Kind::declined : Kind::approved;
    metrics_.counter("payment_calls_total", "Calls to payment, by outcome", {{"outcome", std::string(kind_name(kind))}}).inc();
    return PaymentOutcome{kind, contracts::payment_from_json(response.body), {}, {}};
  }
  breaker_.record_failure(resilience::CircuitBreaker::Clock::now());
  auto detail = "payment answered " + std::to_string(response.status) + ": " + response.body;
  // 503 is payment saying it did nothing; any other answer leaves the outcome open.
  return failed(response.status == 503 ? Kind::unavailable : Kind::unknown, detail, kRetryAfterUnavailable);
}

PaymentOutcome PaymentClient::failed(Kind kind, std::string detail, std::chrono::seconds retry_after) {
  metrics_.counter("payment_calls_total", "Calls to payment, by outcome", {{"outcome", std::string(kind_name(kind))}}).inc();
  return PaymentOutcome{kind, {}, std::move(detail), retry_after};
}

}  // namespace cinema::reservation
