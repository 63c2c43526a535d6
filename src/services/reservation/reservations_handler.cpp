#include "services/reservation/reservations_handler.hpp"

#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "services/reservation/reservation_json.hpp"

namespace cinema::reservation {
namespace {
http::Response refusal_response(const Refusal& refusal) {
  return http::Response::json(refusal.status, http::error_body(refusal.code, refusal.message));
}

http::Response pending_response(const Reservation& reservation, const PaymentOutcome& outcome) {
  bool held = reservation.status == status::requested;
  auto message = held ? "payment did not answer in time; the reservation is settled automatically, see GET "
                        "/reservations/" + std::to_string(reservation.id)
                      : "payment is unavailable (" + outcome.detail + "); nothing was reserved, retry later";
  auto response = http::Response::json(503, reservation_error_json(held ? "payment_pending" : "payment_unavailable",
                                                                   message, reservation));
  response.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, outcome.retry_after.count())));
  return response;
}
}  // namespace

void ReservationsHandler::register_routes(http::Router& router) {
  router.add("POST", "/reservations", [this](http::Request& r) { return create(r); });
  router.add_sync("GET", "/reservations", [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/reservations/{id}", [this](http::Request& r) { return get(r); });
  router.add_sync("PATCH", "/reservations/{id}", [this](http::Request& r) { return change(r); });
}

http::Response reservation_response(const Reservation& reservation, int success_status) {
  if (reservation.status == status::rejected)
    return http::Response::json(402, reservation_error_json("payment_declined",
                                                            "payment declined: " + reservation.reason, reservation));
  auto response = http::Response::json(success_status, reservation_to_json(reservation));
  response.headers.set("Location", "/reservations/" + std::to_string(reservation.id));
  return response;
}

http::Awaitable ReservationsHandler::create(http::Request& request) {
  auto wanted = parse_reservation_request(request.body);
  wanted.idempotency_key = std::string(request.headers.get("Idempotency-Key").value_or(""));
  auto now = iso_utc(std::chrono::system_clock::now());
  auto started = co_await commits_.run([&] { return saga_.start(wanted, now); });
  if (auto* refused = std::get_if<Refusal>(&started)) co_return refusal_response(*refused);
  auto pending = std::get<Reservation>(started);
  if (pending.status != status::requested) co_return reservation_response(pending, 200);  // a repeated key
  auto outcome = co_await payments_.pay(payment_request_for(pending), request.trace_id);
  contracts::EventOrigin origin{request.trace_id, std::chrono::system_clock::now()};
  auto settled = co_await commits_.run([&] { return saga_.settle(pending, outcome, origin); });
  if (settled.status == status::requested || outcome.kind == PaymentOutcome::Kind::unavailable)
    co_return pending_response(settled, outcome);
  co_return reservation_response(settled, 201);
}

http::Response ReservationsHandler::list(const http::Request& request) const {
  auto page = http::page_of(request);
  return http::Response::json(200, reservations_to_json(reservations_.list(request.query_param("customerId"), page.limit, page.offset)));
}

http::Response ReservationsHandler::get(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "rsvId");
  auto reservation = reservations_.find(id);
  if (!reservation) throw http::NotFound("reservation " + std::to_string(id) + " does not exist");
  return http::Response::json(200, reservation_to_json(*reservation));
}

http::Response ReservationsHandler::change(const http::Request& request) {
  auto id = json::parse_id(request.path_param("id"), "rsvId");
  parse_cancel_request(request.body);
  auto result = saga_.cancel(id, {request.trace_id, std::chrono::system_clock::now()});
  if (auto* refused = std::get_if<Refusal>(&result)) return refusal_response(*refused);
  return http::Response::json(200, reservation_to_json(std::get<Reservation>(result)));
}

}  // namespace cinema::reservation
