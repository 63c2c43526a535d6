#include "contracts/screening_events.hpp"

namespace cinema::contracts {

events::Event screening_event(std::string_view type, const ScreeningState& screening, const EventOrigin& origin) {
  Fields fields{{"screeningId", screening.screening_id}, {"movieId", screening.movie_id},
                {"startsAt", screening.starts_at},       {"hall", screening.hall},
                {"rows", screening.rows},                {"cols", screening.cols},
                {"price", screening.price}};
  return make_event(type, screening.movie_id, std::move(fields), screening.version, origin);
}

ScreeningState screening_state_of(const events::Event& event) { return screening_state_of(payload_of(event)); }

ScreeningState screening_state_of(const Fields& payload) {
  return ScreeningState{integer_field(payload, "screeningId"),
                        integer_field(payload, "movieId"),
                        payload.value("startsAt", ""),
                        payload.value("hall", ""),
                        integer_field(payload, "rows", 0),
                        integer_field(payload, "cols", 0),
                        integer_field(payload, "price", 0),
                        integer_field(payload, "version", 0)};
}

}  // namespace cinema::contracts
