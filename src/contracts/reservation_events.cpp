#include "contracts/reservation_events.hpp"

namespace cinema::contracts {

events::Event reservation_event(std::string_view type, const ReservationState& reservation,
                                const EventOrigin& origin) {
  Fields fields{{"rsvId", reservation.rsv_id},
                {"movieId", reservation.movie_id},
                {"status", reservation.status},
                {"payId", reservation.pay_id ? Fields(*reservation.pay_id) : Fields(nullptr)},
                {"screeningId", reservation.screening_id},
                {"seats", reservation.seats},
                {"customerId", reservation.customer_id},
                {"amount", reservation.amount}};
  return make_event(type, reservation.movie_id, std::move(fields), reservation.version, origin);
}

ReservationState reservation_state_of(const events::Event& event) { return reservation_state_of(payload_of(event)); }

ReservationState reservation_state_of(const Fields& payload) {
  ReservationState state;
  state.rsv_id = integer_field(payload, "rsvId");
  state.movie_id = integer_field(payload, "movieId");
  state.status = payload.value("status", "");
  if (payload.contains("payId") && !payload["payId"].is_null()) state.pay_id = integer_field(payload, "payId");
  state.screening_id = integer_field(payload, "screeningId", 0);
  state.seats = payload.value("seats", std::vector<std::string>{});
  state.customer_id = payload.value("customerId", "");
  state.amount = integer_field(payload, "amount", 0);
  state.version = integer_field(payload, "version", 0);
  return state;
}

}  // namespace cinema::contracts
