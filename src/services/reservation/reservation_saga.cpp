#include "services/reservation/reservation_saga.hpp"

#include <algorithm>

#include "contracts/payment_api.hpp"
#include "contracts/reservation_events.hpp"
#include "core/time.hpp"

namespace cinema::reservation {
namespace {
Refusal refusal(int status, std::string code, std::string message) {
  return Refusal{status, std::move(code), std::move(message)};
}

// FNV-1a, 64 bits: a stable digest (the same in every build and process, unlike std::hash).
std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = kHex[hash & 0xf];
  return out;
}

std::string shifted_iso(const std::string& iso, std::chrono::system_clock::duration by) {
  auto when = parse_iso_utc(iso);
  return when ? iso_utc(*when + by) : iso;
}
}  // namespace

std::string request_fingerprint(const ReservationRequest& request) {
  std::vector<std::string> seats;
  for (const auto& seat : request.seats) seats.push_back(canonical_seat(seat).value_or(seat));
  std::sort(seats.begin(), seats.end());
  std::string canonical = std::to_string(request.movie_id.value_or(0)) + '|' +
                          std::to_string(request.screening_id.value_or(0)) + '|' + request.customer_id + '|' +
                          fnv1a_hex(request.card_number);
  for (const auto& seat : seats) canonical += '|' + seat;
  return fnv1a_hex(canonical);
}

std::variant<Reservation, Refusal, Replay> ReservationSaga::start(const ReservationRequest& request,
                                                                  const std::string& now_iso,
                                                                  const std::string& guest_id) {
  store::Transaction transaction(db_);
  IdempotencyScope scope{request.customer_id, request.idempotency_key};
  auto fingerprint = request.idempotency_key.empty() ? std::string{} : request_fingerprint(request);
  if (!fingerprint.empty())
    if (auto known = replay_of(scope, fingerprint, now_iso)) {
      transaction.commit();
      if (auto* replay = std::get_if<Replay>(&*known)) return std::move(*replay);
      return std::get<Refusal>(*known);
    }
  auto customer = request.customer_id.empty() ? guest_id : request.customer_id;
  auto context = reservations_.hold_context(customer, request.screening_id);
  if (context.active_reservations >= rules_.max_per_person)
    return refusal(409, "limit_reached", "customer '" + customer + "' already holds " +
                                             std::to_string(rules_.max_per_person) +
                                             " reservations (MAX_RESERVATION_PER_PERSON)");
  auto screening = choose_screening(request, std::move(context.screening), now_iso);
  if (auto* refused = std::get_if<Refusal>(&screening)) return *refused;
  auto seats = choose_seats(request, std::get<Screening>(screening));
  if (auto* refused = std::get_if<Refusal>(&seats)) return *refused;
  const auto& chosen = std::get<std::vector<std::string>>(seats);
  auto amount = checked_amount(std::get<Screening>(screening).price, chosen.size());
  if (!amount)
    return refusal(422, "amount_out_of_range", "the price of these seats is beyond what one payment may charge");
  auto pending = request_reservation(std::get<Screening>(screening), customer, chosen, *amount, request.card_number);
  // The key is claimed before any seat is held: another process handling a retry under the same
  // key right now waits for this transaction at the key's row, then finds it taken.
  if (!fingerprint.empty()) try {
      reservations_.insert_key(scope, fingerprint, 0, now_iso);
    } catch (const store::ConstraintViolation&) {
      auto in_flight = refusal(409, "idempotency_in_flight",
                               "a request with this Idempotency-Key is being handled; retry later for its answer");
      in_flight.retry_after = std::chrono::seconds(1);
      return in_flight;
    }
  try {
    pending = reservations_.insert(pending, now_iso);
  } catch (const store::ConstraintViolation&) {
    // The primary key of seat_holds: someone else holds one of these seats.
    return refusal(409, "seat_taken", "one of the seats is already taken; nothing was reserved");
  }
  if (!fingerprint.empty()) reservations_.set_key_reservation(scope, pending.id);
  transaction.commit();
  return pending;
}

std::optional<std::variant<Refusal, Replay>> ReservationSaga::replay_of(const IdempotencyScope& scope,
                                                                       const std::string& fingerprint,
                                                                       const std::string& now_iso) {
  auto record = reservations_.find_key(scope);
  if (!record) return std::nullopt;
  auto reservation = reservations_.find(record->rsv_id);
  if (record->created_at < shifted_iso(now_iso, -rules_.idempotency_ttl) || !reservation) {
    reservations_.forget_key(scope);  // expired: the key is free again
    return std::nullopt;
  }
  if (record->fingerprint != fingerprint)
    return refusal(422, "idempotency_key_reused",
                   "Idempotency-Key '" + scope.key + "' was used for another request; use a new key for a new request");
  // The caller was never told the reservation (the service failed before it could answer), and
  // recovery found that payment had charged nothing and voided it. The retry starts afresh, as if
  // that request had never come, instead of reading a decline of a card that nobody charged. Once
  // an answer named the reservation ("payment pending, see GET /reservations/N"), the key is bound
  // to it: its replays answer with that reservation's outcome, whatever it is.
  if (!record->answer_status && !record->reservation_named && reservation->status == status::rejected &&
      reservation->reason == contracts::kNotReceived) {
    reservations_.forget_key(scope);
    return std::nullopt;
  }
  std::optional<int> status;
  if (record->answer_status) status = static_cast<int>(*record->answer_status);
  return Replay{status, record->answer_body, *reservation};
}

std::variant<Screening, Refusal> ReservationSaga::choose_screening(const ReservationRequest& request,
                                                                   std::optional<Screening> screening,
                                                                   const std::string& now_iso) {
  if (request.screening_id) {
    if (!screening) return refusal(404, "not_found", "screening " + std::to_string(*request.screening_id) + " is unknown");
    if (screening->movie_deleted)
      return refusal(404, "not_found", "the movie of screening " + std::to_string(screening->id) + " was deleted");
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
  if (request.seats.size() > kMaxSeatsPerReservation)
    return refusal(400, "bad_request", "field 'seats': at most " + std::to_string(kMaxSeatsPerReservation) +
                                           " seats per reservation");
  std::vector<std::string> seats;
  for (const auto& seat : request.seats) {
    if (auto problem = seat_problem(seat, screening); !problem.empty())
      return refusal(400, "bad_request", "field 'seats': " + problem);
    seats.push_back(*canonical_seat(seat));
  }
  auto sorted = seats;
  std::sort(sorted.begin(), sorted.end());
  if (auto twice = std::adjacent_find(sorted.begin(), sorted.end()); twice != sorted.end())
    return refusal(400, "bad_request", "field 'seats': seat " + *twice + " is listed twice");
  return seats;
}

Reservation ReservationSaga::settle(const Reservation& pending, const PaymentOutcome& outcome,
                                    const contracts::EventOrigin& origin) {
  using Kind = PaymentOutcome::Kind;
  if (outcome.kind == Kind::unknown || outcome.kind == Kind::pending) return pending;
  store::Transaction transaction(db_);
  // `pending` is the row as this request stored it. It is not read again: the update below holds
  // only while the row's version is still pending's.
  Reservation next;
  if (outcome.kind == Kind::approved) {
    next = confirm(pending, outcome.payment.pay_id);
  } else {
    auto reason = outcome.kind == Kind::declined ? outcome.payment.reason : "payment_unavailable";
    next = reject(pending, reason.empty() ? "declined" : reason);
  }
  // Settled already (by recovery, or a retry served elsewhere): the first settlement stands, and
  // this one writes and emits nothing.
  auto movie_deleted = reservations_.update_reading_movie_deleted(next);
  if (!movie_deleted) return reservations_.find(pending.id).value_or(pending);
  if (next.status == status::rejected) reservations_.release_seats(next.id);
  emit("ReservationCreated", pending, origin);
  emit(next.status == status::reserved ? "ReservationConfirmed" : "ReservationRejected", next, origin);
  // Paid while its movie was being deleted: it is cancelled and refunded like the movie's others.
  if (next.status == status::reserved && *movie_deleted)
    system_cancel(next, "movie_deleted", origin);
  transaction.commit();
  events_.published();
  return next;
}

std::variant<Reservation, Refusal> ReservationSaga::cancel(std::int64_t id, const contracts::EventOrigin& origin,
                                                           const std::string& now_iso) {
  store::Transaction transaction(db_);
  auto current = reservations_.find(id);
  if (!current) return refusal(404, "not_found", "reservation " + std::to_string(id) + " does not exist");
  std::string cutoff;
  if (auto screening = reservations_.find_screening(current->screening_id))
    cutoff = shifted_iso(screening->starts_at, -rules_.cancel_cutoff);
  auto decision = request_cancel(*current, now_iso, cutoff);
  if (!decision.next) return refusal(409, decision.refusal_code, decision.refusal);
  if (!reservations_.update(*decision.next))
    return refusal(409, "conflict", "reservation " + std::to_string(id) + " changed meanwhile; read it again");
  emit("ReservationCancelRequested", *decision.next, origin);
  transaction.commit();
  events_.published();
  return *decision.next;
}

void ReservationSaga::on_payment_cancelled(std::int64_t rsv_id, const contracts::EventOrigin& origin) {
  auto current = reservations_.find(rsv_id);
  if (!current || current->status != status::cancel_requested) return;
  auto cancelled = complete_cancel(*current);
  if (!reservations_.update(cancelled)) return;  // completed by another process of the service
  reservations_.release_seats(rsv_id);
  emit("ReservationCancelled", cancelled, origin);
}

void ReservationSaga::on_movie_deleted(std::int64_t movie_id, const contracts::EventOrigin& origin,
                                       const std::string& now_iso) {
  for (auto& reservation : reservations_.reserved_of_movie(movie_id, now_iso))
    system_cancel(std::move(reservation), "movie_deleted", origin);
}

int ReservationSaga::cancel_left_on_deleted_movies(const contracts::EventOrigin& origin, const std::string& now_iso) {
  store::Transaction transaction(db_);
  int cancelled = 0;
  for (auto& reservation : reservations_.reserved_of_deleted_movies(now_iso))
    cancelled += system_cancel(std::move(reservation), "movie_deleted", origin) ? 1 : 0;
  transaction.commit();
  events_.published();
  return cancelled;
}

bool ReservationSaga::system_cancel(Reservation reservation, std::string reason, const contracts::EventOrigin& origin) {
  auto decision = request_cancel(std::move(reservation));
  if (!decision.next) return false;
  decision.next->reason = std::move(reason);
  if (!reservations_.update(*decision.next)) return false;  // changed by another process of the service
  emit("ReservationCancelRequested", *decision.next, origin);
  return true;
}

std::int64_t ReservationSaga::expire_keys(std::chrono::system_clock::time_point now) {
  return reservations_.expire_keys(iso_utc(now - rules_.idempotency_ttl));
}

void ReservationSaga::emit(std::string_view type, const Reservation& r, const contracts::EventOrigin& origin) {
  contracts::ReservationState state{r.id,          r.movie_id, r.status, r.pay_id, r.screening_id,
                                    r.seats,       r.customer_id, r.amount, r.version};
  events_.emit(contracts::reservation_event(type, state, origin));
}

contracts::PaymentRequest payment_request_for(const Reservation& reservation) {
  return contracts::PaymentRequest{reservation.id, reservation.movie_id, reservation.amount, reservation.customer_id,
                                   reservation.card_number};
}

}  // namespace cinema::reservation
