#pragma once
// Request and response bodies of the movie API (seed field names: movieId, desc, status,
// reviewCnt, lastAction; plus title and version). Every bad input is a BadRequest naming its field.
#include <string>
#include <string_view>
#include <vector>

#include "services/movie/movie.hpp"

namespace cinema::movie {

MovieDraft parse_movie_draft(std::string_view body);      // POST and PUT: desc required
MovieChanges parse_movie_changes(std::string_view body);  // PATCH: at least one field
std::string movie_to_json(const Movie& movie, const MovieStats& stats);
std::string movies_to_json(const std::vector<std::pair<Movie, MovieStats>>& movies);

}  // namespace cinema::movie
