#include "services/reservation/reservation_saga.hpp"

#include <algorithm>

#include "contracts/reservation_events.hpp"

namespace cinema::reservation {
namespace {
Refusal refusal(int status, std::string code, std::string message) {
  return Refusal{status, std::move(code), std::move(message)};
}
}  // namespace

std::variant<Reservation, Refusal> ReservationSaga::start(const ReservationRequest& request, const std::string& now_iso) {
  store::Transaction transaction(db_);
  if (!request.idempotency_key.empty())
    if (auto existing = reservations_.find_by_idempotency_key(request.idempotency_key)) return *existing;
  if (reservations_.count_active(request.customer_id) >= max_per_person_)
    return refusal(409, "limit_reached", "customer '" + request.customer_id + "' already holds " +
                                             std::to_string(max_per_person_) +
                                             " reservations (MAX_RESERVATION_PER_PERSON)");
  auto screening = choose_screening(request, now_iso);
  if (auto* refused = std::get_if<Refusal>(&screening)) return *refused;
  auto seats = choose_seats(request, std::get<Screening>(screening));
  if (auto* refused = std::get_if<Refusal>(&seats)) return *refused;
  auto pending = request_reservation(std::get<Screening>(screening), request.customer_id,
                                     std::get<std::vector<std::string>>(seats), request.card_number);
  try {
    pending = reservations_.insert(pending, request.idempotency_key, now_iso);
  } catch (const store::ConstraintViolation&) {
    // The primary key of seat_holds: someone else holds one of these seats.
    return refusal(409, "seat_taken", "one of the seats is already taken; nothing was reserved");
  }
  transaction.commit();
  return pending;
}

std::variant<Screening, Refusal> ReservationSaga::choose_screening(const ReservationRequest& request,
                                                                   const std::string& now_iso) {
  std::optional<Screening> screening;
  if (request.screening_id) {
    screening = reservations_.find_screening(*request.screening_id);
    if (!screening) return refusal(404, "not_found", "screening " + std::to_string(*request.screening_id) + " is unknown");
  } else {
    if (!reservations_.movie_exists(*request.movie_id))
      return refusal(404, "not_found", "movie " + std::to_string(*request.movie_id) + " is unknown");
    screening = reservations_.next_screening_with_free_seat(*request.movie_id, now_iso);
    if (!screening) return refusal(409, "sold_out", "no upcoming screening of this movie has a free seat");
  }
  if (request.movie_id && screening->movie_id != *request.movie_id)
    return refusal(400, "bad_request", "field 'screeningId': screening is not of movie " + std::to_string(*request.movie_id));
  if (screening->starts_at <= now_iso) return refusal(409, "screening_started", "the screening has already started");
  return *screening;
}

std::variant<std::vector<std::string>, Refusal> ReservationSaga::choose_seats(const ReservationRequest& request,
                                                                              const Screening& screening) {
  if (request.seats.empty()) {
    auto free = first_free_seats(screening, reservations_.taken_seats(screening.id), 1);
    if (free.empty()) return refusal(409, "sold_out", "the screening has no free seat");
    return free;
  }
  for (const auto& seat : request.seats)
    if (auto problem = seat_problem(seat, screening); !problem.empty())
      return refusal(400, "bad_request", "field 'seats': " + problem);
  auto sorted = request.seats;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return refusal(400, "bad_request", "field 'seats': a seat is listed twice");
  return request.seats;
}

Reservation ReservationSaga::settle(const Reservation& pending, const PaymentOutcome& outcome,
                                    const contracts::EventOrigin& origin) {
  if (outcome.kind == PaymentOutcome::Kind::unknown) return pending;
  store::Transaction transaction(db_);
  auto current = reservations_.find(pending.id);
  // Settled already (by recovery or a concurrent retry): the first settlement stands.
  if (!current || current->status != status::requested) return current.value_or(pending);
  Reservation next;
  if (outcome.kind == PaymentOutcome::Kind::approved) {
    next = confirm(*current, outcome.payment.pay_id);
  } else {
    auto reason = outcome.kind == PaymentOutcome::Kind::declined ? outcome.payment.reason : "payment_unavailable";
    next = reject(*current, reason.empty() ? "declined" : reason);
    reservations_.release_seats(next.id);
    // Payment never charged: the client's retry with the same key gets a fresh attempt.
    if (outcome.kind == PaymentOutcome::Kind::unavailable) reservations_.forget_idempotency_key(next.id);
  }
  reservations_.update(next);
  emit("ReservationCreated", *current, origin);
  emit(next.status == status::reserved ? "ReservationConfirmed" : "ReservationRejected", next, origin);
  transaction.commit();
  events_.published();
  return next;
}

std::variant<Reservation, Refusal> ReservationSaga::cancel(std::int64_t id, const contracts::EventOrigin& origin) {
  store::Transaction transaction(db_);
  auto current = reservations_.find(id);
  if (!current) return refusal(404, "not_found", "reservation " + std::to_string(id) + " does not exist");
  auto decision = request_cancel(*current);
  if (!decision.next) return refusal(409, "conflict", decision.refusal);
  reservations_.update(*decision.next);
  emit("ReservationCancelRequested", *decision.next, origin);
  transaction.commit();
  events_.published();
  return *decision.next;
}

void ReservationSaga::on_payment_cancelled(std::int64_t rsv_id, const contracts::EventOrigin& origin) {
  auto current = reservations_.find(rsv_id);
  if (!current || current->status != status::cancel_requested) return;
  auto cancelled = complete_cancel(*current);
  reservations_.update(cancelled);
  reservations_.release_seats(rsv_id);
  emit("ReservationCancelled", cancelled, origin);
}

void ReservationSaga::emit(std::string_view type, const Reservation& r, const contracts::EventOrigin& origin) {
  contracts::ReservationState state{r.id,          r.movie_id, r.status, r.pay_id, r.screening_id,
                                    r.seats,       r.customer_id, r.amount, r.version};
  events_.emit(contracts::reservation_event(type, state, origin));
}

contracts::PaymentRequest payment_request_for(const Reservation& reservation) {
  return contracts::PaymentRequest{reservation.id, reservation.movie_id, reservation.amount, reservation.customer_id,
                                   reservation.card_token};
}

}  // namespace cinema::reservation
