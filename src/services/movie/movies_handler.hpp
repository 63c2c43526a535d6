#pragma once
// HTTP <-> domain for /movies: parse the request into a typed value, call the domain and the
// repository, write the answer. No SQL and no business rule here.
#include <functional>

#include "core/http/router.hpp"
#include "services/movie/movie_publisher.hpp"
#include "services/movie/movie_repository.hpp"
#include "services/movie/screening.hpp"

namespace cinema::movie {

class MoviesHandler final {
 public:
  MoviesHandler(store::Database& db, MovieRepository& movies, AudienceRepository& audience,
                MoviePublisher& publisher, DefaultScreening default_screening)
      : db_(db), movies_(movies), audience_(audience), publisher_(publisher), default_screening_(default_screening) {}
  void register_routes(http::Router& router);

 private:
  http::Response create(const http::Request& request);
  http::Response list(const http::Request& request) const;
  http::Response get(const http::Request& request) const;
  http::Response replace(const http::Request& request);
  http::Response change(const http::Request& request);
  http::Response remove(const http::Request& request);
  Movie existing(const http::Request& request) const;  // 404 when absent
  std::string present(const Movie& movie) const;       // JSON with seats left and rating
  http::Response save(const http::Request& request, const std::function<Movie(Movie)>& edit);

  // Stores the movie's event in the open transaction, commits, and wakes the relay.
  void commit_with_event(store::Transaction& transaction, std::string_view type, const Movie& movie,
                         const http::Request& request);

  store::Database& db_;
  MovieRepository& movies_;
  AudienceRepository& audience_;
  MoviePublisher& publisher_;
  DefaultScreening default_screening_;
};

}  // namespace cinema::movie
