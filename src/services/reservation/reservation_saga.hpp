#pragma once
// The reservation saga (SPEC.md §2's event log): every step is one local transaction that
// changes the reservation, its held seats and appends its events to the outbox together.
//   start:   reqReserve + seats held (no event yet; the seed publishes ReservationCreated with the outcome)
//   settle:  paid -> reserved (ReservationCreated, ReservationConfirmed)
//            declined or payment unavailable -> rejected, seats freed (ReservationCreated, ReservationRejected)
//   cancel:  reserved -> reqCancel (ReservationCancelRequested); payment refunds (PaymentCancelled)
//            -> cancelled, seats freed (ReservationCancelled)
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
  std::string customer_id;
  std::string card_number;
  std::string idempotency_key;
};

// An expected refusal (sold out, seat taken, over the cap): a value the handler maps to a status.
struct Refusal {
  int status;
  std::string code;
  std::string message;
};

class ReservationSaga {
 public:
  ReservationSaga(store::Database& db, ReservationRepository& reservations, events::EventSink& events,
                  std::int64_t max_per_person)
      : db_(db), reservations_(reservations), events_(events), max_per_person_(max_per_person) {}

  // Holds the seats; an existing reservation of the same idempotency key is returned as is.
  std::variant<Reservation, Refusal> start(const ReservationRequest& request, const std::string& now_iso);
  // Applies payment's answer; an `unknown` outcome leaves the reservation to recovery.
  Reservation settle(const Reservation& pending, const PaymentOutcome& outcome, const contracts::EventOrigin& origin);
  std::variant<Reservation, Refusal> cancel(std::int64_t id, const contracts::EventOrigin& origin);
  // Consumer side, inside the inbox transaction: the refund happened.
  void on_payment_cancelled(std::int64_t rsv_id, const contracts::EventOrigin& origin);

 private:
  std::variant<Screening, Refusal> choose_screening(const ReservationRequest& request, const std::string& now_iso);
  std::variant<std::vector<std::string>, Refusal> choose_seats(const ReservationRequest& request,
                                                               const Screening& screening);
  void emit(std::string_view type, const Reservation& reservation, const contracts::EventOrigin& origin);

  store::Database& db_;
  ReservationRepository& reservations_;
  events::EventSink& events_;
  std::int64_t max_per_person_;
};

contracts::PaymentRequest payment_request_for(const Reservation& reservation);

}  // namespace cinema::reservation
