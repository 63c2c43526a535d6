#include "services/movie/audience_handler.hpp"

#include "core/http/errors.hpp"
#include "core/json.hpp"
#include "core/security/ownership.hpp"
#include "core/time.hpp"
#include "services/movie/audience_json.hpp"

namespace cinema::movie {

void AudienceHandler::register_routes(http::Router& router) {
  router.add_sync("POST", "/movies/{id}/screenings", http::Access::manager, [this](http::Request& r) { return schedule(r); });
  router.add_sync("GET", "/movies/{id}/screenings", http::Access::anyone, [this](http::Request& r) { return screenings(r); });
  router.add_sync("POST", "/movies/{id}/reviews", http::Access::signed_in, [this](http::Request& r) { return review(r); });
  router.add_sync("GET", "/movies/{id}/reviews", http::Access::anyone, [this](http::Request& r) { return reviews(r); });
}

Movie AudienceHandler::existing(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "movieId");
  auto movie = movies_.find(id);
  if (!movie) throw http::NotFound("movie " + std::to_string(id) + " does not exist");
  return *movie;
}

http::Response AudienceHandler::schedule(const http::Request& request) {
  store::Transaction transaction(db_);
  auto movie = existing(request);
  auto screening = audience_.insert_screening(parse_screening(request.body, movie.id));
  publisher_.screening(screening, {request.trace_id, std::chrono::system_clock::now()});
  transaction.commit();
  publisher_.published();
  auto response = http::Response::json(201, screening_to_json(screening));
  response.headers.set("Location", "/movies/" + std::to_string(movie.id) + "/screenings");
  return response;
}

http::Response AudienceHandler::screenings(const http::Request& request) const {
  return http::Response::json(200, screenings_to_json(audience_.screenings_of(existing(request).id)));
}

http::Response AudienceHandler::review(const http::Request& request) {
  auto now = std::chrono::system_clock::now();
  store::Transaction transaction(db_);
  auto movie = existing(request);
  auto review = parse_review(request.body, movie.id);
  review.customer_id = security::acting_customer(request.caller, review.customer_id);
  if (review.customer_id.empty()) throw http::BadRequest("customerId", "is required when no customer is signed in");
  if (!audience_.watched(movie.id, review.customer_id, iso_utc(now)))
    throw http::HttpError(403, "not_allowed",
                          "customer '" + review.customer_id +
                              "' has no confirmed reservation of a screening of this movie that has started");
  if (audience_.reviewed(movie.id, review.customer_id))
    throw http::HttpError(409, "already_reviewed",
                          "customer '" + review.customer_id + "' has reviewed this movie already (one review each)");
  review = audience_.insert_review(review);
  movie = after_review(movie);
  movies_.update(movie);
  publisher_.review(review, movie, {request.trace_id, now});
  transaction.commit();
  publisher_.published();
  return http::Response::json(201, review_to_json(review));
}

http::Response AudienceHandler::reviews(const http::Request& request) const {
  return http::Response::json(200, reviews_to_json(audience_.reviews_of(existing(request).id)));
}

}  // namespace cinema::movie
