#include "services/reservation/reservation_json.hpp"

#include "contracts/customer_id.hpp"
#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::reservation {
namespace {
using cinema::json::Json;

Json to_object(const Reservation& r) {
  Json object{{"rsvId", r.id},         {"movieId", r.movie_id},       {"screeningId", r.screening_id},
              {"seats", r.seats},      {"customerId", r.customer_id}, {"status", r.status},
              {"payId", r.pay_id ? Json(*r.pay_id) : Json(nullptr)}, {"amount", r.amount},
              {"version", r.version}};
  if (!r.reason.empty()) object["reason"] = r.reason;
  return object;
}

std::vector<std::string> parse_seats(const Json& object) {
  auto it = object.find("seats");
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_array()) throw http::BadRequest("seats", "must be an array of seat names like \"A1\"");
  std::vector<std::string> seats;
  for (const auto& seat : *it) {
    if (!seat.is_string()) throw http::BadRequest("seats", "must be an array of seat names like \"A1\"");
    seats.push_back(seat.get<std::string>());
  }
  if (seats.empty()) throw http::BadRequest("seats", "must name at least one seat (or be left out)");
  return seats;
}
}  // namespace

ReservationRequest parse_reservation_request(std::string_view body) {
  auto object = json::parse_object(body);
  json::reject_unknown_fields(object, {"movieId", "screeningId", "seats", "customerId", "cardNumber", "status",
                                       "rsvId", "payId"});
  if (auto status = json::optional_string(object, "status"); status && *status != status::requested)
    throw http::BadRequest("status", "a new reservation can only be reqReserve");
  ReservationRequest request;
  request.movie_id = json::optional_id(object, "movieId");
  request.screening_id = json::optional_id(object, "screeningId");
  if (!request.movie_id && !request.screening_id)
    throw http::BadRequest("movieId", "is required (or give screeningId and seats)");
  request.seats = parse_seats(object);
  if (auto customer = json::optional_string(object, "customerId"))
    request.customer_id = contracts::checked_customer_id(std::move(*customer));
  request.card_number = json::optional_string(object, "cardNumber").value_or("");
  if (!request.card_number.empty() &&
      (request.card_number.size() < 12 || request.card_number.size() > 19 ||
       request.card_number.find_first_not_of("0123456789") != std::string::npos))
    throw http::BadRequest("cardNumber", "must be 12 to 19 digits");
  return request;
}

void parse_cancel_request(std::string_view body) {
  auto object = json::parse_object(body);
  json::reject_unknown_fields(object, {"status", "rsvId", "movieId", "payId"});
  auto status = json::require_string(object, "status");
  if (status != status::cancel_requested)
    throw http::BadRequest("status", "only reqCancel can be requested; other states follow from the saga");
}

std::string reservation_to_json(const Reservation& reservation) { return json::dump(to_object(reservation)); }

std::string reservations_to_json(const std::vector<Reservation>& reservations) {
  return json::dump_list(reservations, to_object);
}

std::string reservation_error_json(std::string_view code, std::string_view message, const Reservation& reservation) {
  Json object{{"error", code}, {"message", message}};
  auto fields = to_object(reservation);  // named: items() of a temporary would dangle
  for (auto& [key, value] : fields.items()) object[key] = value;
  return json::dump(object);
}

}  // namespace cinema::reservation
