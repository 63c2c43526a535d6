#include "services/payment/payments_handler.hpp"

#include "contracts/customer_id.hpp"
#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "core/security/ownership.hpp"
#include "core/time.hpp"
#include "services/payment/payment.hpp"
#include "services/payment/payment_json.hpp"

namespace cinema::payment {
namespace {

http::Response payment_response(const contracts::PaymentState& payment, int success_status) {
  if (payment.status == status::declined) return http::Response::json(402, declined_to_json(payment));
  if (payment.status == status::pending) return http::Response::json(202, contracts::payment_to_json(payment));
  return http::Response::json(success_status, contracts::payment_to_json(payment));
}

// The stored outcome of an earlier call for the same rsvId: nothing is charged or announced again.
http::Response repeated(const contracts::PaymentState& stored, const contracts::PaymentRequest& wanted) {
  if (!same_charge(stored, wanted))
    throw http::Conflict("reservation " + std::to_string(wanted.rsv_id) + " was already charged " +
                         std::to_string(stored.amount) + " for customer '" + stored.customer_id +
                         "'; this request asks for something else");
  auto response = payment_response(stored, 200);
  response.headers.set("Idempotent-Replayed", "true");
  return response;
}

contracts::PaymentRequest parse_charge(const http::Request& request) {
  auto wanted = contracts::payment_request_from_json(request.body);
  if (!amount_in_bounds(wanted.amount))
    throw http::BadRequest("amount", "must be from 0 to " + std::to_string(contracts::kMaxAmount));
  return wanted;
}
}  // namespace

void PaymentsHandler::register_routes(http::Router& router) {
  router.add("POST", "/payments", http::Access::service, [this](http::Request& r) { return create(r); });
  router.add("POST", "/payments/void", http::Access::service, [this](http::Request& r) { return void_charge(r); });
  router.add_sync("GET", "/payments", http::Access::signed_in, [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/payments/{id}", http::Access::signed_in, [this](http::Request& r) { return get(r); });
}

// The rsvId is the idempotency key. An Idempotency-Key header (reservation sends "rsv-<rsvId>")
// names the same call, so it needs no table of its own: the UNIQUE rsv_id gives its guarantee.
http::Awaitable PaymentsHandler::create(http::Request& request) {
  auto wanted = parse_charge(request);
  if (auto stored = co_await commits_.read([&] { return payments_.find_by_rsv(wanted.rsv_id); }))
    co_return repeated(*stored, wanted);
  auto payment = settle(wanted, process_card(wanted));
  co_return co_await commits_.run([&] { return record(wanted, payment, request.trace_id); });
}

http::Awaitable PaymentsHandler::void_charge(http::Request& request) {
  auto wanted = parse_charge(request);
  co_return co_await commits_.run([&] { return record(wanted, voided(wanted, std::string(contracts::kNotReceived)), request.trace_id); });
}

http::Response PaymentsHandler::record(const contracts::PaymentRequest& wanted, contracts::PaymentState payment,
                                       const std::string& trace_id) {
  // Runs inside the commit group's transaction: the payment and its event commit together. The
  // insert is the repeat check: it stores nothing when the reservation has a payment already.
  auto now = std::chrono::system_clock::now();
  bool pending = payment.status == status::pending;
  auto inserted = payments_.insert_first(payment, pending ? iso_utc(now + options_.processor_hang) : std::string{});
  if (!inserted) {  // recorded first by an earlier call, or by another process of payment
    if (auto stored = payments_.find_by_rsv(wanted.rsv_id)) return repeated(*stored, wanted);
    throw store::StoreError("payment of reservation " + std::to_string(wanted.rsv_id) + " vanished");
  }
  payment = *inserted;
  if (!pending) {
    events_.emit(contracts::payment_event(event_type_of(payment), payment, {trace_id, now}));
    events_.published();
  }
  auto response = payment_response(payment, 201);
  if (payment.status == status::paid) response.headers.set("Location", "/payments/" + std::to_string(payment.pay_id));
  return response;
}

http::Response PaymentsHandler::list(const http::Request& request) const {
  auto page = http::page_of(request);
  std::optional<std::int64_t> rsv_id;
  if (auto text = request.query_param("rsvId")) rsv_id = json::parse_id(*text, "rsvId");
  auto customer = security::customer_filter(request.caller, contracts::customer_id_query(request));
  return http::Response::json(200, payments_to_json(payments_.list(rsv_id, customer, page.limit, page.offset)));
}

http::Response PaymentsHandler::get(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "payId");
  auto payment = payments_.find(id);
  if (!payment) throw http::NotFound("payment " + std::to_string(id) + " does not exist");
  security::require_owner(request.caller, payment->customer_id, "payment " + std::to_string(id));
  return http::Response::json(200, contracts::payment_to_json(*payment));
}

}  // namespace cinema::payment
