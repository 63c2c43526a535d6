#pragma once
// The reservation saga (SPEC.md §2's event log): every step is one local transaction that
// changes the reservation, its held seats and appends its events to the outbox together.
//   start:   reqReserve + seats held (no event yet; the seed publishes ReservationCreated with the outcome)
//   settle:  paid -> reserved (ReservationCreated, ReservationConfirmed)
//            declined, or payment certainly not reached -> rejected, seats freed (ReservationCreated,
//            ReservationRejected); payment consumes ReservationRejected and refunds or voids
//   cancel:  reserved -> reqCancel (ReservationCancelRequested); payment refunds (PaymentCancelled)
//            -> cancelled, seats freed (ReservationCancelled)
//   movie deleted: its reserved reservations of screenings to come are cancelled the same way
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "contracts/event_payload.hpp"
#include "events/event_sink.hpp"
#include "services/reservation/payment_client.hpp"
#include "services/reservation/reservation_repository.hpp"

namespace cinema::reservation {

struct ReservationRequest {
  std::optional<std::int64_t> movie_id;
  std::optional<std::int64_t> screening_id;
  std::vector<std::string> seats;  // empty: any free seat
  std::string customer_id;         // empty: an anonymous caller, who becomes a guest of their own
  std::string card_number;
  std::string idempotency_key;
};

// What identifies a request under its Idempotency-Key: everything the caller asked for (seats in
// canonical spelling and order, the card as part of a hash only). Another body is another request.
std::string request_fingerprint(const ReservationRequest& request);

// An expected refusal (sold out, seat taken, over the cap): a value the handler maps to a status.
struct Refusal {
  int status;
  std::string code;
  std::string message;
  std::chrono::seconds retry_after{0};  // > 0: the same request may succeed after this long
};

// A request whose Idempotency-Key was used before with the same body.
struct Replay {
  std::optional<int> status;  // the first answer, once it was final
  std::string body;
  Reservation reservation;    // the reservation the first request made, as it is now
};

struct SagaRules {
  std::int64_t max_per_person = 100;
  std::chrono::minutes cancel_cutoff{0};        // customers may cancel until this long before the start
  std::chrono::hours idempotency_ttl{24};       // a key is forgotten after this
};

class ReservationSaga {
 public:
  ReservationSaga(store::Database& db, ReservationRepository& reservations, events::EventSink& events, SagaRules rules)
      : db_(db), reservations_(reservations), events_(events), rules_(rules) {}

  // Holds the seats. `guest_id` names an anonymous caller (one of their own, so anonymous callers
  // never share a cap); a known Idempotency-Key answers a Replay or refuses (422 other body).
  std::variant<Reservation, Refusal, Replay> start(const ReservationRequest& request, const std::string& now_iso,
                                                   const std::string& guest_id = "guest");
  // Applies payment's answer. `approved` confirms, `declined` rejects; `unavailable` rejects too and
  // must only be passed when payment was certainly never reached for this reservation (the first
  // attempt); `pending` and `unknown` leave the reservation to recovery.
  Reservation settle(const Reservation& pending, const PaymentOutcome& outcome, const contracts::EventOrigin& origin);
  std::variant<Reservation, Refusal> cancel(std::int64_t id, const contracts::EventOrigin& origin,
                                            const std::string& now_iso);
  // Consumer side, inside the inbox transaction: the refund happened.
  void on_payment_cancelled(std::int64_t rsv_id, const contracts::EventOrigin& origin);
  // Consumer side: the movie is gone; its reservations of screenings to come are cancelled and refunded.
  void on_movie_deleted(std::int64_t movie_id, const contracts::EventOrigin& origin, const std::string& now_iso);
  // Recovery side, in a transaction of its own: a reservation confirmed while its movie's deletion
  // was applied (two transactions at once on a database server, neither seeing the other's
  // uncommitted change) is still reserved on a deleted movie; it is cancelled and refunded like
  // the others. Returns how many.
  int cancel_left_on_deleted_movies(const contracts::EventOrigin& origin, const std::string& now_iso);
  // Deletes Idempotency-Keys older than the rules allow.
  std::int64_t expire_keys(std::chrono::system_clock::time_point now);

 private:
  // `screening`: the one request.screening_id names, as read with the customer's count (absent:
  // unknown); without a screening id, the movie's next one with a free seat is looked up.
  std::variant<Screening, Refusal> choose_screening(const ReservationRequest& request,
                                                    std::optional<Screening> screening, const std::string& now_iso);
  std::variant<std::vector<std::string>, Refusal> choose_seats(const ReservationRequest& request,
                                                               const Screening& screening);
  std::optional<std::variant<Refusal, Replay>> replay_of(const IdempotencyScope& scope, const std::string& fingerprint,
                                                         const std::string& now_iso);
  bool system_cancel(Reservation reservation, std::string reason, const contracts::EventOrigin& origin);
  void emit(std::string_view type, const Reservation& reservation, const contracts::EventOrigin& origin);

  store::Database& db_;
  ReservationRepository& reservations_;
  events::EventSink& events_;
  SagaRules rules_;
};

contracts::PaymentRequest payment_request_for(const Reservation& reservation);

}  // namespace cinema::reservation
