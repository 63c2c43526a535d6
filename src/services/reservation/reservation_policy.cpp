#include "services/reservation/reservation_policy.hpp"

#include "contracts/movie_events.hpp"
#include "contracts/payment_events.hpp"
#include "contracts/screening_events.hpp"

namespace cinema::reservation {

void ReservationPolicy::apply(const events::Event& event) {
  const auto& type = event.event_type;
  if (type == "MovieRegistered" || type == "MovieModified" || type == "MovieDeleted") {
    reservations_.set_movie_known(contracts::movie_state_of(event).movie_id, type == "MovieDeleted");
  } else if (type == "ScreeningScheduled") {
    auto s = contracts::screening_state_of(event);
    reservations_.upsert_screening(Screening{s.screening_id, s.movie_id, s.starts_at, s.rows, s.cols, s.price});
  } else if (type == "PaymentCancelled") {
    auto payload = contracts::payload_of(event);
    saga_.on_payment_cancelled(contracts::payment_state_of(payload).rsv_id,
                               {payload.value("correlationId", ""), std::chrono::system_clock::now()});
  }
}

}  // namespace cinema::reservation
