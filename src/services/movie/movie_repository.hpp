#pragma once
// Where movies live. Hides the SQL (named statements in movie_repository.cpp) behind methods
// that take and return domain values.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "services/movie/movie.hpp"
#include "store/database.hpp"

namespace cinema::movie {

std::span<const store::Migration> movie_migrations();

class MovieRepository {
 public:
  explicit MovieRepository(store::Database& db) : db_(db) {}

  Movie insert(const Movie& movie);  // returns it with its new id
  [[nodiscard]] std::optional<Movie> find(std::int64_t id) const;
  [[nodiscard]] std::vector<Movie> list(std::int64_t limit, std::int64_t offset) const;
  // Writes every field but the id; false when the movie no longer exists.
  bool update(const Movie& movie);
  bool remove(std::int64_t id);

 private:
  store::Database& db_;
};

}  // namespace cinema::movie
