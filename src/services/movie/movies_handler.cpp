#include "services/movie/movies_handler.hpp"

#include "core/http/errors.hpp"
#include "core/http/query.hpp"
#include "core/json.hpp"
#include "services/movie/movie_json.hpp"

namespace cinema::movie {
void MoviesHandler::register_routes(http::Router& router) {
  router.add_sync("POST", "/movies", http::Access::manager, [this](http::Request& r) { return create(r); });
  router.add_sync("GET", "/movies", http::Access::anyone, [this](http::Request& r) { return list(r); });
  router.add_sync("GET", "/movies/{id}", http::Access::anyone, [this](http::Request& r) { return get(r); });
  router.add_sync("PUT", "/movies/{id}", http::Access::manager, [this](http::Request& r) { return replace(r); });
  router.add_sync("PATCH", "/movies/{id}", http::Access::manager, [this](http::Request& r) { return change(r); });
  router.add_sync("DELETE", "/movies/{id}", http::Access::manager, [this](http::Request& r) { return remove(r); });
}

http::Response MoviesHandler::create(const http::Request& request) {
  auto movie = register_movie(parse_movie_draft(request.body));
  auto now = std::chrono::system_clock::now();
  store::Transaction transaction(db_);
  movie = movies_.insert(movie);
  publisher_.movie("MovieRegistered", movie, {request.trace_id, now});
  if (auto screening = default_screening(movie.id, now, default_screening_))
    publisher_.screening(audience_.insert_screening(*screening), {request.trace_id, now});
  transaction.commit();
  publisher_.published();
  auto response = http::Response::json(201, present(movie));
  response.headers.set("Location", "/movies/" + std::to_string(movie.id));
  return response;
}

http::Response MoviesHandler::list(const http::Request& request) const {
  auto page = http::page_of(request);
  std::vector<std::pair<Movie, MovieStats>> movies;
  for (auto& movie : movies_.list(page.limit, page.offset)) movies.emplace_back(movie, audience_.stats_of(movie.id));
  return http::Response::json(200, movies_to_json(movies));
}

http::Response MoviesHandler::get(const http::Request& request) const {
  return http::Response::json(200, present(existing(request)));
}

http::Response MoviesHandler::replace(const http::Request& request) {
  auto draft = parse_movie_draft(request.body);
  return save(request, [&](Movie current) { return replace_movie(std::move(current), draft); });
}

http::Response MoviesHandler::change(const http::Request& request) {
  auto changes = parse_movie_changes(request.body);
  return save(request, [&](Movie current) { return change_movie(std::move(current), changes); });
}

http::Response MoviesHandler::remove(const http::Request& request) {
  store::Transaction transaction(db_);
  auto movie = existing(request);
  movies_.remove(movie.id);
  movie.last_action = "delete";
  ++movie.version;
  commit_with_event(transaction, "MovieDeleted", movie, request);
  return http::Response::empty(204);
}

std::string MoviesHandler::present(const Movie& movie) const {
  return movie_to_json(movie, audience_.stats_of(movie.id));
}

Movie MoviesHandler::existing(const http::Request& request) const {
  auto id = json::parse_id(request.path_param("id"), "movieId");
  auto movie = movies_.find(id);
  if (!movie) throw http::NotFound("movie " + std::to_string(id) + " does not exist");
  return *movie;
}

// Read, change and write in one transaction so two concurrent edits cannot lose one another.
http::Response MoviesHandler::save(const http::Request& request, const std::function<Movie(Movie)>& edit) {
  store::Transaction transaction(db_);
  auto movie = edit(existing(request));
  movies_.update(movie);
  commit_with_event(transaction, "MovieModified", movie, request);
  return http::Response::json(200, present(movie));
}

void MoviesHandler::commit_with_event(store::Transaction& transaction, std::string_view type, const Movie& movie,
                                      const http::Request& request) {
  publisher_.movie(type, movie, {request.trace_id, std::chrono::system_clock::now()});
  transaction.commit();
  publisher_.published();
}

}  // namespace cinema::movie
