#include "services/reservation/seat_map_handler.hpp"

#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::reservation {

void SeatMapHandler::register_routes(http::Router& router) {
  router.add_sync("GET", "/seatMaps/{id}", http::Access::anyone, [this](http::Request& r) { return seat_map(r); });
}

http::Response SeatMapHandler::seat_map(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "screeningId");
  auto screening = reservations_.find_screening(id);
  if (!screening) throw http::NotFound("screening " + std::to_string(id) + " does not exist");
  auto taken = reservations_.taken_seats(id);
  json::Json body{{"screeningId", screening->id}, {"movieId", screening->movie_id}, {"startsAt", screening->starts_at},
                  {"rows", screening->rows},      {"cols", screening->cols},        {"price", screening->price},
                  {"taken", json::Json(taken)}};
  auto response = http::Response::json(200, json::dump(body));
  // Polled about once a second by every open seat picker: never cached along the way.
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace cinema::reservation
