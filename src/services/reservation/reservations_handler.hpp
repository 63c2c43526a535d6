#pragma once
// HTTP <-> saga for /reservations. POST holds the seats, calls payment synchronously and answers
// with the settled reservation: 201 reserved, 402 declined, 503 + Retry-After when payment is
// unavailable (nothing held) or has not decided (settled later by recovery), 502 when payment's
// answer cannot be read. Idempotency-Key (per customer): a repeat with the same body gets the
// first answer (Idempotent-Replayed: true), another body 422, a repeat while the first is still
// being paid 409; refusals (seat taken, sold out) are not kept, so a retry tries again.
// POST is behind admission control when a gate is given: past its limit, 503 + Retry-After before
// anything is read from the store or held (so a retry under the same Idempotency-Key starts afresh).
#include "core/http/admission_gate.hpp"
#include "core/http/router.hpp"
#include "services/reservation/payment_client.hpp"
#include "services/reservation/reservation_saga.hpp"
#include "store/commit_group.hpp"

namespace cinema::reservation {

class ReservationsHandler final {
 public:
  // The saga's steps of POST go through `commits`: concurrent reservations share a commit.
  // `admission` (not owned; null: none) guards POST.
  ReservationsHandler(ReservationRepository& reservations, ReservationSaga& saga, store::CommitGroup& commits,
                      PaymentClient& payments, http::AdmissionGate* admission)
      : reservations_(reservations), saga_(saga), commits_(commits), payments_(payments), admission_(admission) {}
  void register_routes(http::Router& router);

 private:
  http::Awaitable create(http::Request& request);
  http::Awaitable replayed(const IdempotencyScope& scope, const Replay& replay);
  http::Response list(const http::Request& request) const;
  http::Response get(const http::Request& request) const;
  http::Response change(const http::Request& request);

  ReservationRepository& reservations_;
  ReservationSaga& saga_;
  store::CommitGroup& commits_;
  PaymentClient& payments_;
  http::AdmissionGate* admission_;
};

// What an answer of POST /reservations tells the admission limit: only a reservation that went the
// whole way (held, paid or declined) measured the route's latency; refusals end before payment.
http::AdmissionGate::Outcome admission_outcome(const http::Response& response);

// The answer for a reservation in its current state (also for a repeated Idempotency-Key).
http::Response reservation_response(const Reservation& reservation, int success_status);

}  // namespace cinema::reservation
