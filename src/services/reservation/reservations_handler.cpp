#include "services/reservation/reservations_handler.hpp"

#include <algorithm>

#include "contracts/customer_id.hpp"
#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "core/security/ownership.hpp"
#include "core/time.hpp"
#include "core/trace.hpp"
#include "services/reservation/reservation_json.hpp"

namespace cinema::reservation {
namespace {
constexpr std::size_t kMaxIdempotencyKeyBytes = 255;

http::Response with_retry_after(http::Response response, std::chrono::seconds after) {
  response.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, after.count())));
  return response;
}

http::Response refusal_response(const Refusal& refusal) {
  auto response = http::Response::json(refusal.status, http::error_body(refusal.code, refusal.message));
  return refusal.retry_after.count() > 0 ? with_retry_after(std::move(response), refusal.retry_after) : response;
}

// The answer when payment gave no decision: the reservation waits for recovery (held), or nothing
// was reserved (payment unreachable); an unreadable answer is payment's fault (502).
http::Response undecided_response(const Reservation& reservation, const PaymentOutcome& outcome) {
  auto see = "; the reservation is settled automatically, see GET /reservations/" + std::to_string(reservation.id);
  if (outcome.malformed_answer)
    return http::Response::json(502, reservation_error_json("bad_gateway", "payment answered something unreadable" + see,
                                                            reservation));
  bool held = reservation.status == status::requested;
  auto message = !held ? "payment is unavailable (" + outcome.detail + "); nothing was reserved, retry later"
                 : outcome.kind == PaymentOutcome::Kind::pending ? "the card processor has not decided yet" + see
                                                                 : "payment did not answer in time" + see;
  return with_retry_after(
      http::Response::json(503, reservation_error_json(held ? "payment_pending" : "payment_unavailable", message,
                                                       reservation)),
      outcome.retry_after);
}

// Printable ASCII only: the key is stored and compared as text (PostgreSQL refuses bytes that are
// not UTF-8, and a control character would print or log as something else), and a header present
// but empty is a client's mistake, not a request without a key.
std::string idempotency_key_of(const http::Request& request) {
  auto header = request.headers.get("Idempotency-Key");
  if (!header) return {};
  std::string key(*header);
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes)
    throw http::BadRequest("Idempotency-Key", "must be 1 to " + std::to_string(kMaxIdempotencyKeyBytes) + " bytes");
  if (!std::all_of(key.begin(), key.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }))
    throw http::BadRequest("Idempotency-Key", "must be printable ASCII characters");
  return key;
}
}  // namespace

http::AdmissionGate::Outcome admission_outcome(const http::Response& response) {
  bool whole_way = response.status == 201 || response.status == 402;
  return whole_way ? http::AdmissionGate::Outcome::sample : http::AdmissionGate::Outcome::ignore;
}

void ReservationsHandler::register_routes(http::Router& router) {
  http::AsyncHandler create_handler = [this](http::Request& r) { return create(r); };
  if (admission_) create_handler = admission_->guard(std::move(create_handler));
  router.add("POST", "/reservations", http::Access::signed_in, std::move(create_handler));
  router.add_sync("GET", "/reservations", http::Access::signed_in, [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/reservations/{id}", http::Access::signed_in, [this](http::Request& r) { return get(r); });
  router.add_sync("PATCH", "/reservations/{id}", http::Access::signed_in, [this](http::Request& r) { return change(r); });
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
  wanted.customer_id = security::acting_customer(request.caller, wanted.customer_id);
  wanted.idempotency_key = idempotency_key_of(request);
  auto now = iso_utc(std::chrono::system_clock::now());
  // Only a developer or manager who names no customer needs a guest id: none is drawn for a named one.
  auto guest = wanted.customer_id.empty() ? "guest-" + new_span_id() : std::string{};
  auto started = co_await commits_.run([&] { return saga_.start(wanted, now, guest); });
  if (auto* refused = std::get_if<Refusal>(&started)) co_return refusal_response(*refused);
  IdempotencyScope scope{wanted.customer_id, wanted.idempotency_key};
  if (auto* replay = std::get_if<Replay>(&started)) co_return co_await replayed(scope, *replay);
  auto pending = std::get<Reservation>(started);
  auto outcome = co_await payments_.pay(payment_request_for(pending), request.trace_id);
  contracts::EventOrigin origin{request.trace_id, std::chrono::system_clock::now()};
  co_return co_await commits_.run([&] {
    auto settled = saga_.settle(pending, outcome, origin);
    auto answer = outcome.definitive() ? reservation_response(settled, 201) : undecided_response(settled, outcome);
    if (!scope.key.empty()) {
      // Nothing was charged: a retry under the same key starts afresh. A decided answer is kept
      // for replays. An undecided one named the reservation: replays answer with its outcome
      // once recovery settled it.
      if (outcome.kind == PaymentOutcome::Kind::unavailable) reservations_.forget_key(scope);
      else if (settled.status != status::requested) reservations_.remember_answer(scope, answer.status, answer.body);
      else reservations_.mark_reservation_named(scope);
    }
    return answer;
  });
}

http::Awaitable ReservationsHandler::replayed(const IdempotencyScope& scope, const Replay& replay) {
  http::Response answer;
  if (replay.status) {
    answer = http::Response::json(*replay.status, replay.body);
    if (*replay.status == 201) answer.headers.set("Location", "/reservations/" + std::to_string(replay.reservation.id));
  } else if (replay.reservation.status == status::requested) {
    // It names no reservation: the first request may yet end with nothing reserved (payment
    // unreachable), and a retry then starts afresh. Only an answer that tells the caller a
    // reservation binds the key to it.
    co_return with_retry_after(
        http::Response::json(409, http::error_body("idempotency_in_flight",
                                                   "the first request with this Idempotency-Key is still being paid; "
                                                   "retry later for its answer")),
        std::chrono::seconds(1));
  } else {
    // Settled by recovery after the first answer said "pending": its outcome is the answer from now on.
    answer = reservation_response(replay.reservation, 201);
    co_await commits_.run([&] {
      reservations_.remember_answer(scope, answer.status, answer.body);
      return 0;
    });
  }
  answer.headers.set("Idempotent-Replayed", "true");
  co_return answer;
}

http::Response ReservationsHandler::list(const http::Request& request) const {
  auto page = http::page_of(request);
  auto customer = security::customer_filter(request.caller, contracts::customer_id_query(request));
  return http::Response::json(200, reservations_to_json(reservations_.list(customer, page.limit, page.offset)));
}

http::Response ReservationsHandler::get(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "rsvId");
  auto reservation = reservations_.find(id);
  if (!reservation) throw http::NotFound("reservation " + std::to_string(id) + " does not exist");
  security::require_owner(request.caller, reservation->customer_id, "reservation " + std::to_string(id));
  return http::Response::json(200, reservation_to_json(*reservation));
}

http::Response ReservationsHandler::change(const http::Request& request) {
  auto id = json::parse_id(request.path_param("id"), "rsvId");
  parse_cancel_request(request.body);
  if (auto reservation = reservations_.find(id))
    security::require_owner(request.caller, reservation->customer_id, "reservation " + std::to_string(id));
  auto now = std::chrono::system_clock::now();
  auto result = saga_.cancel(id, {request.trace_id, now}, iso_utc(now));
  if (auto* refused = std::get_if<Refusal>(&result)) return refusal_response(*refused);
  return http::Response::json(200, reservation_to_json(std::get<Reservation>(result)));
}

}  // namespace cinema::reservation
