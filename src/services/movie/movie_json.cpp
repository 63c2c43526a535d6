#include "services/movie/movie_json.hpp"

#include <cmath>

#include "core/http/errors.hpp"
#include "core/json.hpp"

namespace cinema::movie {
namespace {
using cinema::json::Json;

// Fields a client may send back from a GET (movieId, reviewCnt, lastAction, rating, seatsLeft, version) are
// accepted and ignored, so GET-modify-PUT works; anything else unknown is rejected.
void check_fields(const Json& object) {
  json::reject_unknown_fields(object, {"title", "desc", "status", "movieId", "reviewCnt", "lastAction", "rating",
                                       "seatsLeft", "version"});
}

std::string checked(std::string value, std::string_view field, std::string (*problem_of)(std::string_view)) {
  if (auto problem = problem_of(value); !problem.empty()) throw http::BadRequest(std::string(field), problem);
  return value;
}

Json to_object(const Movie& movie, const MovieStats& stats) {
  auto rating = stats.rating ? Json(std::round(*stats.rating * 100) / 100) : Json(nullptr);
  return Json{{"movieId", movie.id},
              {"title", movie.title},
              {"desc", movie.desc},
              {"status", movie.status},
              {"reviewCnt", movie.review_count},
              {"lastAction", movie.last_action},
              {"rating", rating},
              {"seatsLeft", stats.seats_left},
              {"version", movie.version}};
}
}  // namespace

MovieDraft parse_movie_draft(std::string_view body) {
  auto object = json::parse_object(body);
  check_fields(object);
  MovieDraft draft;
  draft.desc = checked(json::require_string(object, "desc"), "desc", desc_problem);
  draft.title = checked(json::optional_string(object, "title").value_or(""), "title", title_problem);
  draft.status = checked(json::optional_string(object, "status").value_or("available"), "status", status_problem);
  return draft;
}

MovieChanges parse_movie_changes(std::string_view body) {
  auto object = json::parse_object(body);
  check_fields(object);
  MovieChanges changes;
  if (auto title = json::optional_string(object, "title")) changes.title = checked(*title, "title", title_problem);
  if (auto desc = json::optional_string(object, "desc")) changes.desc = checked(*desc, "desc", desc_problem);
  if (auto status = json::optional_string(object, "status"))
    changes.status = checked(*status, "status", status_problem);
  if (!changes.title && !changes.desc && !changes.status)
    throw http::BadRequest("", "nothing to change: send at least one of title, desc, status");
  return changes;
}

std::string movie_to_json(const Movie& movie, const MovieStats& stats) { return json::dump(to_object(movie, stats)); }

std::string movies_to_json(const std::vector<std::pair<Movie, MovieStats>>& movies) {
  return json::dump_list(movies, [](const auto& entry) { return to_object(entry.first, entry.second); });
}

}  // namespace cinema::movie
