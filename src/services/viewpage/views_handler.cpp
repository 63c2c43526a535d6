#include "services/viewpage/views_handler.hpp"

#include <chrono>

#include "contracts/customer_id.hpp"
#include "core/http/compression.hpp"
#include "core/http/errors.hpp"
#include "core/json.hpp"
#include "core/security/ownership.hpp"
#include "services/viewpage/view_json.hpp"

namespace cinema::viewpage {

void ViewsHandler::register_routes(http::Router& router) {
  router.add_sync("GET", "/movieViews", http::Access::anyone, [this](http::Request& r) { return movies(r); });
  router.add_sync("GET", "/movieViews/{id}", http::Access::anyone, [this](http::Request& r) { return movie(r); });
  router.add_sync("GET", "/reservationViews", http::Access::signed_in, [this](http::Request& r) { return reservations(r); });
  router.add_sync("GET", "/viewpage/lag", http::Access::manager, [this](http::Request& r) { return lag(r); });
  if (feed_) router.add_sync("POST", "/viewpage/replay", http::Access::manager, [this](http::Request& r) { return replay(r); });
}

http::Response ViewsHandler::movies(const http::Request& request) const {
  return cached_answer(request, "movies", [&] { return boards_to_json(views_.boards({})); }, {});
}

http::Response ViewsHandler::movie(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "movieId");
  // An unknown movie is cached as an empty answer: a 404 is as cheap as a hit.
  return cached_answer(
      request, "movie:" + std::to_string(id),
      [&] {
        auto boards = views_.boards({id, id});
        return boards.empty() ? std::string() : board_to_json(boards.front());
      },
      "movie " + std::to_string(id) + " does not exist");
}

http::Response ViewsHandler::cached_answer(const http::Request& request, const std::string& key,
                                           const std::function<std::string()>& build,
                                           const std::string& missing) const {
  auto plain = movie_answers_.get(key, views_.version(), build);
  if (plain->empty()) throw http::NotFound(missing);
  if (http::accepts_gzip(request)) return http::gzipped_json(200, *movie_answers_.gzipped(key, plain));
  return http::Response::json(200, *plain);
}

http::Response ViewsHandler::reservations(const http::Request& request) const {
  auto customer = security::customer_filter(request.caller, contracts::customer_id_query(request));
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
