#include "services/movie/movie_repository.hpp"

#include "events/inbox.hpp"
#include "events/outbox.hpp"

namespace cinema::movie {
namespace {
constexpr store::Migration kMigrations[] = {
    {1, "create movies", R"sql(
      CREATE TABLE movies (
        movie_id     INTEGER PRIMARY KEY AUTOINCREMENT,
        title        TEXT    NOT NULL,
        description  TEXT    NOT NULL,
        status       TEXT    NOT NULL,
        review_count INTEGER NOT NULL DEFAULT 0,
        last_action  TEXT    NOT NULL,
        version      INTEGER NOT NULL DEFAULT 1
      );
    )sql"},
    {2, "create outbox", events::kOutboxSchema},
    {3, "create screenings, audience and reviews", R"sql(
      CREATE TABLE screenings (
        screening_id INTEGER PRIMARY KEY AUTOINCREMENT,
        movie_id     INTEGER NOT NULL,
        starts_at    TEXT    NOT NULL,
        hall         TEXT    NOT NULL,
        seat_rows    INTEGER NOT NULL,
        seat_cols    INTEGER NOT NULL,
        price        INTEGER NOT NULL
      );
      CREATE INDEX screenings_by_movie ON screenings (movie_id, starts_at);
      CREATE TABLE audience (
        rsv_id       INTEGER PRIMARY KEY,
        movie_id     INTEGER NOT NULL,
        screening_id INTEGER NOT NULL,
        customer_id  TEXT    NOT NULL,
        seats        INTEGER NOT NULL,
        status       TEXT    NOT NULL
      );
      CREATE INDEX audience_by_movie ON audience (movie_id, customer_id);
      CREATE TABLE reviews (
        review_id   INTEGER PRIMARY KEY AUTOINCREMENT,
        movie_id    INTEGER NOT NULL,
        customer_id TEXT    NOT NULL,
        rating      INTEGER NOT NULL,
        text        TEXT    NOT NULL
      );
    )sql"},
    {4, "create inbox", events::kInboxSchema},
    // Seats reserved per movie, kept as a running sum: summing the audience on every reservation
    // made each one cost more than the last.
    {5, "count reserved seats per movie", R"sql(
      CREATE TABLE movie_seats (
        movie_id INTEGER PRIMARY KEY,
        reserved INTEGER NOT NULL
      );
      INSERT INTO movie_seats (movie_id, reserved)
        SELECT movie_id, SUM(seats) FROM audience WHERE status = 'reserved' GROUP BY movie_id;
    )sql"},
    // One review per customer and movie, so no one moves a rating by repeating themselves; of
    // earlier repeats the first is kept and the counts follow.
    {6, "one review per customer and movie", R"sql(
      DELETE FROM reviews WHERE review_id NOT IN (SELECT MIN(review_id) FROM reviews GROUP BY movie_id, customer_id);
      CREATE UNIQUE INDEX reviews_once_per_customer ON reviews (movie_id, customer_id);
      UPDATE movies SET review_count = (SELECT count(*) FROM reviews r WHERE r.movie_id = movies.movie_id);
    )sql"},
};

constexpr std::string_view kInsert =
    "INSERT INTO movies (title, description, status, review_count, last_action, version) "
    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING movie_id";
constexpr std::string_view kFindById =
    "SELECT movie_id, title, description, status, review_count, last_action, version FROM movies WHERE movie_id = $1";
constexpr std::string_view kListPage =
    "SELECT movie_id, title, description, status, review_count, last_action, version FROM movies "
    "ORDER BY movie_id LIMIT $1 OFFSET $2";
constexpr std::string_view kUpdate =
    "UPDATE movies SET title = $2, description = $3, status = $4, review_count = $5, last_action = $6, version = $7 "
    "WHERE movie_id = $1";
constexpr std::string_view kDelete = "DELETE FROM movies WHERE movie_id = $1";

// Column order of kFindById and kListPage.
Movie movie_from_row(const store::Row& row) {
  return Movie{row.integer(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.text(5), row.integer(6)};
}
}  // namespace

std::span<const store::Migration> movie_migrations() { return kMigrations; }

Movie MovieRepository::insert(const Movie& movie) {
  auto rows = db_.query(kInsert, {movie.title, movie.desc, movie.status, movie.review_count, movie.last_action,
                                  movie.version});
  Movie stored = movie;
  stored.id = rows.at(0).integer(0);
  return stored;
}

std::optional<Movie> MovieRepository::find(std::int64_t id) const {
  auto rows = db_.query(kFindById, {id});
  if (rows.empty()) return std::nullopt;
  return movie_from_row(rows.front());
}

std::vector<Movie> MovieRepository::list(std::int64_t limit, std::int64_t offset) const {
  std::vector<Movie> movies;
  for (const auto& row : db_.query(kListPage, {limit, offset})) movies.push_back(movie_from_row(row));
  return movies;
}

bool MovieRepository::update(const Movie& movie) {
  return db_.execute(kUpdate, {movie.id, movie.title, movie.desc, movie.status, movie.review_count, movie.last_action,
                               movie.version}) == 1;
}

bool MovieRepository::remove(std::int64_t id) { return db_.execute(kDelete, {id}) == 1; }

}  // namespace cinema::movie
