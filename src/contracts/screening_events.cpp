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
  return ScreeningState{payload.at("screeningId").get<std::int64_t>(),
                        payload.at("movieId").get<std::int64_t>(),
                        payload.value("startsAt", ""),
                        payload.value("hall", ""),
                        payload.value("rows", std::int64_t{0}),
                        payload.value("cols", std::int64_t{0}),
                        payload.value("price", std::int64_t{0}),
                        payload.value("version", std::int64_t{0})};
}

}  // namespace cinema::contracts
