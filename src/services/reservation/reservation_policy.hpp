#pragma once
// What reservation does with the events it consumes (group "reservation"):
//   MovieRegistered/MovieModified/MovieDeleted -> which movies exist (replica); a deleted movie's
//                                                 reservations of screenings to come are cancelled
//                                                 and refunded through the saga
//   ScreeningScheduled                         -> replica of screenings: reservations go on while movie is down
//   PaymentCancelled                           -> the refund is done: finish the cancel saga
#include <chrono>
#include <string_view>

#include "events/event.hpp"
#include "services/reservation/reservation_repository.hpp"
#include "services/reservation/reservation_saga.hpp"

namespace cinema::reservation {

class ReservationPolicy {
 public:
  ReservationPolicy(ReservationRepository& reservations, ReservationSaga& saga)
      : reservations_(reservations), saga_(saga) {}
  // The event types apply() acts on; the consumer skips the others without a transaction.
  static bool handles(std::string_view event_type) {
    return event_type == "MovieRegistered" || event_type == "MovieModified" || event_type == "MovieDeleted" ||
           event_type == "ScreeningScheduled" || event_type == "PaymentCancelled";
  }
  // Runs inside the inbox transaction.
  void apply(const events::Event& event, std::chrono::system_clock::time_point now);

 private:
  ReservationRepository& reservations_;
  ReservationSaga& saga_;
};

}  // namespace cinema::reservation
