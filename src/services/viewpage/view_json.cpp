#include "services/viewpage/view_json.hpp"

#include "core/json.hpp"

namespace cinema::viewpage {
namespace {
using cinema::json::Json;

template <class T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// Rows the view knows only part of (a payment seen before its reservation) answer null, not 0 or "".
Json id_or_null(std::int64_t id) { return id == 0 ? Json(nullptr) : Json(id); }
Json text_or_null(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

Json screening_object(const ScreeningView& s) {
  return Json{{"screeningId", s.screening_id}, {"startsAt", s.starts_at},    {"hall", s.hall},
              {"seatsTotal", seats_total(s)},  {"seatsLeft", seats_left(s)}, {"price", s.price}};
}

Json board_object(const MovieBoard& board) {
  const auto& m = board.movie;
  Json screenings = Json::array();
  for (const auto& screening : board.screenings) screenings.push_back(screening_object(screening));
  Json counts = Json::object();
  for (std::size_t i = 0; i < std::size(kStatuses); ++i) counts[std::string(kStatuses[i])] = board.counts[i];
  return Json{{"movieId", m.movie_id},     {"title", m.title},
              {"desc", m.desc},            {"status", m.status},
              {"reviewCnt", m.review_count}, {"rating", or_null(average_rating(m))},
              {"lastAction", m.last_action}, {"screenings", std::move(screenings)},
              {"reservations", std::move(counts)}};
}

Json reservation_object(const CustomerReservation& entry) {
  const auto& r = entry.reservation;
  return Json{{"rsvId", r.rsv_id},
              {"movieId", r.movie_id},
              {"movieTitle", or_null(entry.movie_title)},
              {"screeningId", id_or_null(r.screening_id)},
              {"seats", r.seats},
              {"amount", r.amount},
              {"status", text_or_null(r.status)},
              {"payId", or_null(r.pay_id)},
              {"paymentStatus", text_or_null(r.payment_status)}};
}

}  // namespace

std::string board_to_json(const MovieBoard& board) { return json::dump(board_object(board)); }
std::string boards_to_json(const std::vector<MovieBoard>& boards) { return json::dump_list(boards, board_object); }
std::string customer_reservations_to_json(const std::vector<CustomerReservation>& reservations) {
  return json::dump_list(reservations, reservation_object);
}

std::string lag_to_json(const Lag& lag, const FeedStatus& feed) {
  return json::dump(Json{{"lastEventOffset", or_null(lag.last_event_offset)},
                         {"lastEventAt", or_null(lag.last_event_at)},
                         {"lagSeconds", or_null(lag.lag_seconds)},
                         {"lagEvents", or_null(feed.lag_events)},
                         {"replaying", feed.replaying},
                         {"replayError", or_null(feed.replay_error)}});
}

}  // namespace cinema::viewpage
