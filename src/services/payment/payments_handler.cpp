#include "services/payment/payments_handler.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "services/payment/payment.hpp"
#include "services/payment/payment_json.hpp"

namespace cinema::payment {
namespace {

http::Response payment_response(const contracts::PaymentState& payment, int success_status) {
  if (payment.status == status::declined) return http::Response::json(402, declined_to_json(payment));
  return http::Response::json(success_status, contracts::payment_to_json(payment));
}

// The stored outcome of an earlier call for the same rsvId: nothing is charged or announced again.
http::Response repeated(const contracts::PaymentState& stored, const contracts::PaymentRequest& wanted) {
  if (!same_charge(stored, wanted))
    throw http::Conflict("reservation " + std::to_string(wanted.rsv_id) + " was already charged with amount " +
                         std::to_string(stored.amount) + ", not " + std::to_string(wanted.amount));
  auto response = payment_response(stored, 200);
  response.headers.set("Idempotent-Replayed", "true");
  return response;
}
}  // namespace

void PaymentsHandler::register_routes(http::Router& router) {
  router.add("POST", "/payments", [this](http::Request& r) { return create(r); });
  router.add_sync("GET", "/payments", [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/payments/{id}", [this](http::Request& r) { return get(r); });
}

// The rsvId is the idempotency key. An Idempotency-Key header (reservation sends "rsv-<rsvId>")
// names the same call, so it needs no table of its own: the UNIQUE rsv_id gives its guarantee.
http::Awaitable PaymentsHandler::create(http::Request& request) {
  auto wanted = contracts::payment_request_from_json(request.body);
  if (auto stored = payments_.find_by_rsv(wanted.rsv_id)) co_return repeated(*stored, wanted);
  auto verdict = process_card(wanted);
  if (verdict.kind == CardVerdict::Kind::hangs) {
    // Waits without blocking the loop: other requests are served while this caller times out.
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, processor_hang_);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  co_return co_await commits_.run([&] { return record(wanted, verdict, request.trace_id); });
}

http::Response PaymentsHandler::record(const contracts::PaymentRequest& wanted, const CardVerdict& verdict,
                                       const std::string& trace_id) {
  // Runs inside the commit group's transaction: the payment and its event commit together.
  if (auto stored = payments_.find_by_rsv(wanted.rsv_id)) return repeated(*stored, wanted);
  auto payment = payments_.insert(settle(wanted, verdict));
  events_.emit(contracts::payment_event(event_type_of(payment), payment, {trace_id, std::chrono::system_clock::now()}));
  events_.published();
  auto response = payment_response(payment, 201);
  if (payment.status == status::paid) response.headers.set("Location", "/payments/" + std::to_string(payment.pay_id));
  return response;
}

http::Response PaymentsHandler::list(const http::Request& request) const {
  auto page = http::page_of(request);
  std::optional<std::int64_t> rsv_id;
  if (auto text = request.query_param("rsvId")) rsv_id = json::parse_id(*text, "rsvId");
  return http::Response::json(200, payments_to_json(payments_.list(rsv_id, page.limit, page.offset)));
}

http::Response PaymentsHandler::get(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "payId");
  auto payment = payments_.find(id);
  if (!payment) throw http::NotFound("payment " + std::to_string(id) + " does not exist");
  return http::Response::json(200, contracts::payment_to_json(*payment));
}

}  // namespace cinema::payment
