#pragma once
// What reservation does with the events it consumes (group "reservation"):
//   MovieRegistered/MovieModified/MovieDeleted -> which movies exist (replica)
//   ScreeningScheduled                         -> replica of screenings: reservations go on while movie is down
//   PaymentCancelled                           -> the refund is done: finish the cancel saga
#include "events/event.hpp"
#include "services/reservation/reservation_repository.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {

class ReservationPolicy {
 public:
  ReservationPolicy(ReservationRepository& reservations, ReservationSaga& saga)
      : reservations_(reservations), saga_(saga) {}
  // Runs inside the inbox transaction.
  void apply(const events::Event& event);

 private:
  ReservationRepository& reservations_;
  ReservationSaga& saga_;
};

}  // namespace cinema::reservation
