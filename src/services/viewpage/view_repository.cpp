#include "services/viewpage/view_repository.hpp"

#include <algorithm>

#include "events/inbox.hpp"
#include "events/outbox.hpp"

namespace cinema::viewpage {
namespace {
// Ids are the producers' ids, never generated here: the view of a replay equals the live one.
constexpr store::Migration kMigrations[] = {
    {1, "create view tables", R"sql(
      CREATE TABLE movie_views (
        movie_id     INTEGER PRIMARY KEY,
        title        TEXT    NOT NULL,
        description  TEXT    NOT NULL,
        status       TEXT    NOT NULL,
        review_count INTEGER NOT NULL,
        last_action  TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        rating_sum   INTEGER NOT NULL,
        rating_count INTEGER NOT NULL,
        registered   INTEGER NOT NULL,
        deleted      INTEGER NOT NULL
      );
      CREATE TABLE screening_views (
        screening_id INTEGER PRIMARY KEY,
        movie_id     INTEGER NOT NULL,
        starts_at    TEXT    NOT NULL,
        hall         TEXT    NOT NULL,
        seat_rows    INTEGER NOT NULL,
        seat_cols    INTEGER NOT NULL,
        price        INTEGER NOT NULL,
        seats_taken  INTEGER NOT NULL,
        scheduled    INTEGER NOT NULL
      );
      CREATE INDEX screening_views_by_movie ON screening_views (movie_id, starts_at);
      CREATE TABLE reservation_views (
        rsv_id         INTEGER PRIMARY KEY,
        movie_id       INTEGER NOT NULL,
        screening_id   INTEGER NOT NULL,
        seats          TEXT    NOT NULL,
        customer_id    TEXT    NOT NULL,
        amount         INTEGER NOT NULL,
        status         TEXT    NOT NULL,
        pay_id         INTEGER,
        payment_status TEXT    NOT NULL,
        confirmed      INTEGER NOT NULL
      );
      CREATE INDEX reservation_views_by_movie ON reservation_views (movie_id, status);
      CREATE INDEX reservation_views_by_customer ON reservation_views (customer_id, rsv_id);
      CREATE TABLE view_meta (
        id                INTEGER PRIMARY KEY CHECK (id = 1),
        last_event_offset INTEGER NOT NULL,
        last_event_at     TEXT    NOT NULL
      );
    )sql"},
    {2, "create outbox", events::kOutboxSchema},
    {3, "create inbox", events::kInboxSchema},
};

constexpr std::string_view kFindMovie =
    "SELECT movie_id, title, description, status, review_count, last_action, version, rating_sum, rating_count, "
    "registered, deleted FROM movie_views WHERE movie_id = $1";
constexpr std::string_view kSaveMovie =
    "INSERT INTO movie_views (movie_id, title, description, status, review_count, last_action, version, rating_sum, "
    "rating_count, registered, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
    "ON CONFLICT (movie_id) DO UPDATE SET title = excluded.title, description = excluded.description, "
    "status = excluded.status, review_count = excluded.review_count, last_action = excluded.last_action, "
    "version = excluded.version, rating_sum = excluded.rating_sum, rating_count = excluded.rating_count, "
    "registered = excluded.registered, deleted = excluded.deleted";
constexpr std::string_view kListedMovies =
    "SELECT movie_id, title, description, status, review_count, last_action, version, rating_sum, rating_count, "
    "registered, deleted FROM movie_views "
    "WHERE movie_id BETWEEN $1 AND $2 AND registered = 1 AND deleted = 0 ORDER BY movie_id";

constexpr std::string_view kFindScreening =
    "SELECT screening_id, movie_id, starts_at, hall, seat_rows, seat_cols, price, seats_taken, scheduled "
    "FROM screening_views WHERE screening_id = $1";
constexpr std::string_view kSaveScreening =
    "INSERT INTO screening_views (screening_id, movie_id, starts_at, hall, seat_rows, seat_cols, price, seats_taken, "
    "scheduled) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (screening_id) DO UPDATE SET movie_id = excluded.movie_id, starts_at = excluded.starts_at, "
    "hall = excluded.hall, seat_rows = excluded.seat_rows, seat_cols = excluded.seat_cols, price = excluded.price, "
    "seats_taken = excluded.seats_taken, scheduled = excluded.scheduled";
constexpr std::string_view kScheduledScreenings =
    "SELECT screening_id, movie_id, starts_at, hall, seat_rows, seat_cols, price, seats_taken, scheduled "
    "FROM screening_views WHERE movie_id BETWEEN $1 AND $2 AND scheduled = 1 "
    "ORDER BY movie_id, starts_at, screening_id";

constexpr std::string_view kFindReservation =
    "SELECT rsv_id, movie_id, screening_id, seats, customer_id, amount, status, pay_id, payment_status, confirmed "
    "FROM reservation_views WHERE rsv_id = $1";
constexpr std::string_view kSaveReservation =
    "INSERT INTO reservation_views (rsv_id, movie_id, screening_id, seats, customer_id, amount, status, pay_id, "
    "payment_status, confirmed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
    "ON CONFLICT (rsv_id) DO UPDATE SET movie_id = excluded.movie_id, screening_id = excluded.screening_id, "
    "seats = excluded.seats, customer_id = excluded.customer_id, amount = excluded.amount, status = excluded.status, "
    "pay_id = excluded.pay_id, payment_status = excluded.payment_status, confirmed = excluded.confirmed";
constexpr std::string_view kStatusCounts =
    "SELECT movie_id, status, COUNT(*) FROM reservation_views WHERE movie_id BETWEEN $1 AND $2 "
    "GROUP BY movie_id, status ORDER BY movie_id, status";
constexpr std::string_view kReservationsOfCustomer =
    "SELECT r.rsv_id, r.movie_id, r.screening_id, r.seats, r.customer_id, r.amount, r.status, r.pay_id, "
    "r.payment_status, r.confirmed, m.title FROM reservation_views r "
    "LEFT JOIN movie_views m ON m.movie_id = r.movie_id AND m.registered = 1 "
    "WHERE r.customer_id = $1 ORDER BY r.rsv_id";

constexpr std::string_view kRecordEvent =
    "INSERT INTO view_meta (id, last_event_offset, last_event_at) VALUES (1, $1, $2) "
    "ON CONFLICT (id) DO UPDATE SET last_event_offset = excluded.last_event_offset, "
    "last_event_at = excluded.last_event_at";
constexpr std::string_view kMeta = "SELECT last_event_offset, last_event_at FROM view_meta WHERE id = 1";
constexpr std::string_view kClear =
    "DELETE FROM movie_views; DELETE FROM screening_views; DELETE FROM reservation_views; "
    "DELETE FROM view_meta; DELETE FROM inbox;";

std::int64_t flag(bool value) { return value ? 1 : 0; }

// Seat labels ("A1") never hold a comma.
std::string join_seats(const std::vector<std::string>& seats) {
  std::string joined;
  for (const auto& seat : seats) joined += (joined.empty() ? "" : ",") + seat;
  return joined;
}

std::vector<std::string> split_seats(const std::string& joined) {
  std::vector<std::string> seats;
  for (std::size_t start = 0; start < joined.size();) {
    auto comma = std::min(joined.find(',', start), joined.size());
    seats.push_back(joined.substr(start, comma - start));
    start = comma + 1;
  }
  return seats;
}

MovieView movie_from_row(const store::Row& r) {
  return MovieView{r.integer(0), r.text(1),    r.text(2),    r.text(3),         r.integer(4),     r.text(5),
                   r.integer(6), r.integer(7), r.integer(8), r.integer(9) != 0, r.integer(10) != 0};
}

ScreeningView screening_from_row(const store::Row& r) {
  return ScreeningView{r.integer(0), r.integer(1), r.text(2),    r.text(3),        r.integer(4),
                       r.integer(5), r.integer(6), r.integer(7), r.integer(8) != 0};
}

ReservationView reservation_from_row(const store::Row& r) {
  return ReservationView{r.integer(0), r.integer(1), r.integer(2),          split_seats(r.text(3)), r.text(4),
                         r.integer(5), r.text(6),    r.optional_integer(7), r.text(8),              r.integer(9) != 0};
}

template <class T>
std::vector<T> all_of(const store::Rows& rows, T (*from_row)(const store::Row&)) {
  std::vector<T> values;
  values.reserve(rows.size());
  for (const auto& row : rows) values.push_back(from_row(row));
  return values;
}

template <class T>
std::optional<T> first_of(const store::Rows& rows, T (*from_row)(const store::Row&)) {
  if (rows.empty()) return std::nullopt;
  return from_row(rows.front());
}
}  // namespace

std::span<const store::Migration> view_migrations() { return kMigrations; }

std::optional<MovieView> ViewRepository::movie(std::int64_t movie_id) const {
  return first_of(db_.query(kFindMovie, {movie_id}), movie_from_row);
}

std::optional<ScreeningView> ViewRepository::screening(std::int64_t screening_id) const {
  return first_of(db_.query(kFindScreening, {screening_id}), screening_from_row);
}

std::optional<ReservationView> ViewRepository::reservation(std::int64_t rsv_id) const {
  return first_of(db_.query(kFindReservation, {rsv_id}), reservation_from_row);
}

void ViewRepository::save(const MovieView& m) {
  changed();
  db_.execute(kSaveMovie, {m.movie_id, m.title, m.desc, m.status, m.review_count, m.last_action, m.version,
                           m.rating_sum, m.rating_count, flag(m.registered), flag(m.deleted)});
}

void ViewRepository::save(const ScreeningView& s) {
  changed();
  db_.execute(kSaveScreening, {s.screening_id, s.movie_id, s.starts_at, s.hall, s.rows, s.cols, s.price,
                               s.seats_taken, flag(s.scheduled)});
}

void ViewRepository::save(const ReservationView& r) {
  changed();
  store::Value pay_id = r.pay_id ? store::Value(*r.pay_id) : store::Value(nullptr);
  db_.execute(kSaveReservation, {r.rsv_id, r.movie_id, r.screening_id, join_seats(r.seats), r.customer_id, r.amount,
                                 r.status, pay_id, r.payment_status, flag(r.confirmed)});
}

void ViewRepository::record_event(const ViewMeta& meta) {
  db_.execute(kRecordEvent, {meta.last_event_offset, meta.last_event_at});
}

std::optional<ViewMeta> ViewRepository::meta() const {
  auto rows = db_.query(kMeta);
  if (rows.empty()) return std::nullopt;
  return ViewMeta{rows.front().integer(0), rows.front().text(1)};
}

std::vector<MovieBoard> ViewRepository::boards(MovieRange range) const {
  // Consumers write these tables while the page is assembled: the three reads see one state.
  store::ReadSnapshot snapshot(db_);
  std::vector<StatusCount> counts;
  for (const auto& r : db_.query(kStatusCounts, {range.first, range.last}))
    counts.push_back(StatusCount{r.integer(0), r.text(1), r.integer(2)});
  return assemble_boards(all_of(db_.query(kListedMovies, {range.first, range.last}), movie_from_row),
                         all_of(db_.query(kScheduledScreenings, {range.first, range.last}), screening_from_row),
                         counts);
}

std::vector<CustomerReservation> ViewRepository::reservations_of(const std::string& customer_id) const {
  std::vector<CustomerReservation> reservations;
  for (const auto& row : db_.query(kReservationsOfCustomer, {customer_id}))
    reservations.push_back(CustomerReservation{reservation_from_row(row), row.optional_text(10)});
  return reservations;
}

void ViewRepository::clear() {
  changed();
  db_.execute_script(kClear);
}

}  // namespace cinema::viewpage
