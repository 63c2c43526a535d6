#pragma once
// HTTP <-> domain for a movie's screenings and reviews:
//   POST/GET /movies/{id}/screenings   (manager schedules showtimes -> ScreeningScheduled)
//   POST/GET /movies/{id}/reviews      (only from a customer who held a confirmed reservation of a
//                                       screening that has started -> ReviewCreated)
#include "core/http/router.hpp"
#include "services/movie/audience_repository.hpp"
#include "services/movie/movie_publisher.hpp"
#include "services/movie/movie_repository.hpp"

namespace cinema::movie {

class AudienceHandler final {
 public:
  AudienceHandler(store::Database& db, MovieRepository& movies, AudienceRepository& audience, MoviePublisher& publisher)
      : db_(db), movies_(movies), audience_(audience), publisher_(publisher) {}
  void register_routes(http::Router& router);

 private:
  http::Response schedule(const http::Request& request);
  http::Response screenings(const http::Request& request) const;
  http::Response review(const http::Request& request);
  http::Response reviews(const http::Request& request) const;
  Movie existing(const http::Request& request) const;

  store::Database& db_;
  MovieRepository& movies_;
  AudienceRepository& audience_;
  MoviePublisher& publisher_;
};

}  // namespace cinema::movie
