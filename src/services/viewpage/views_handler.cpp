#include "services/viewpage/views_handler.hpp"

#include <chrono>

#include "core/http/errors.hpp"
#include "core/json.hpp"
#include "services/viewpage/view_json.hpp"

namespace cinema::viewpage {

void ViewsHandler::register_routes(http::Router& router) {
  router.add_sync("GET", "/movieViews", [this](http::Request& r) { return movies(r); });
  router.add_sync("GET", "/movieViews/{id}", [this](http::Request& r) { return movie(r); });
  router.add_sync("GET", "/reservationViews", [this](http::Request& r) { return reservations(r); });
  router.add_sync("GET", "/viewpage/lag", [this](http::Request& r) { return lag(r); });
  if (feed_) router.add_sync("POST", "/viewpage/replay", [this](http::Request& r) { return replay(r); });
}

http::Response ViewsHandler::movies(const http::Request&) const {
  auto answer = movie_answers_.get("movies", views_.version(), [&] { return boards_to_json(views_.boards({})); });
  return http::Response::json(200, *answer);
}

http::Response ViewsHandler::movie(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "movieId");
  // An unknown movie is cached as an empty answer: a 404 is as cheap as a hit.
  auto answer = movie_answers_.get("movie:" + std::to_string(id), views_.version(), [&] {
    auto boards = views_.boards({id, id});
    return boards.empty() ? std::string() : board_to_json(boards.front());
  });
  if (answer->empty()) throw http::NotFound("movie " + std::to_string(id) + " does not exist");
  return http::Response::json(200, *answer);
}

http::Response ViewsHandler::reservations(const http::Request& request) const {
  auto customer = request.query_param("customerId");
  if (!customer || customer->empty()) throw http::BadRequest("customerId", "is required: ?customerId=kim");
  return http::Response::json(200, customer_reservations_to_json(views_.reservations_of(*customer)));
}

http::Response ViewsHandler::lag(const http::Request&) const {
  auto feed = feed_ ? feed_->status() : FeedStatus{};
  return http::Response::json(200, lag_to_json(lag_of(views_.meta(), std::chrono::system_clock::now()), feed));
}

http::Response ViewsHandler::replay(const http::Request&) const {
  if (!feed_->replay()) throw http::Conflict("a replay is underway already; GET /viewpage/lag tells when it ends");
  return http::Response::json(202, R"({"replay":"started","from":"the first event of the log"})");
}

}  // namespace cinema::viewpage
