#include "services/reservation/reservation_repository.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "events/inbox.hpp"
#include "events/outbox.hpp"

namespace cinema::reservation {
namespace {
constexpr store::Migration kMigrations[] = {
    {1, "create reservations and seat holds", R"sql(
      CREATE TABLE movies (movie_id INTEGER PRIMARY KEY, deleted INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE screenings (
        screening_id INTEGER PRIMARY KEY,
        movie_id     INTEGER NOT NULL,
        starts_at    TEXT    NOT NULL,
        seat_rows    INTEGER NOT NULL,
        seat_cols    INTEGER NOT NULL,
        price        INTEGER NOT NULL
      );
      CREATE INDEX screenings_by_movie ON screenings (movie_id, starts_at);
      CREATE TABLE reservations (
        rsv_id          INTEGER PRIMARY KEY AUTOINCREMENT,
        movie_id        INTEGER NOT NULL,
        screening_id    INTEGER NOT NULL,
        customer_id     TEXT    NOT NULL,
        status          TEXT    NOT NULL,
        pay_id          INTEGER,
        amount          INTEGER NOT NULL,
        seats           TEXT    NOT NULL,
        reason          TEXT    NOT NULL DEFAULT '',
        version         INTEGER NOT NULL,
        idempotency_key TEXT UNIQUE,
        card_token      TEXT    NOT NULL DEFAULT '',
        created_at      TEXT    NOT NULL
      );
      CREATE INDEX reservations_by_customer ON reservations (customer_id, status);
      CREATE INDEX reservations_by_status ON reservations (status, created_at);
      CREATE TABLE seat_holds (
        screening_id INTEGER NOT NULL,
        seat         TEXT    NOT NULL,
        rsv_id       INTEGER NOT NULL REFERENCES reservations (rsv_id),
        PRIMARY KEY (screening_id, seat)
      );
      CREATE INDEX seat_holds_by_reservation ON seat_holds (rsv_id);
    )sql"},
    {2, "create outbox", events::kOutboxSchema},
    {3, "create inbox", events::kInboxSchema},
    // Keys are scoped to the caller and remember the request's fingerprint and first answer; the
    // old global reservations.idempotency_key column is no longer written. Card numbers are no
    // longer kept: the ones stored before are wiped.
    {4, "idempotency keys per customer, no card numbers", R"sql(
      UPDATE reservations SET card_token = '', idempotency_key = NULL;
      CREATE TABLE idempotency_keys (
        customer_id     TEXT    NOT NULL,
        idem_key        TEXT    NOT NULL,
        fingerprint     TEXT    NOT NULL,
        rsv_id          INTEGER NOT NULL,
        answer_status   INTEGER,
        answer_body     TEXT,
        created_at      TEXT    NOT NULL,
        PRIMARY KEY (customer_id, idem_key)
      );
      CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
      CREATE INDEX reservations_by_movie ON reservations (movie_id, status);
    )sql"},
    // Recovery claims a reservation until this time, so that the recovery of another instance of
    // the service leaves it alone meanwhile.
    {5, "recovery lease", R"sql(
      ALTER TABLE reservations ADD COLUMN recovery_lease TEXT;
    )sql"},
    // Whether an undecided answer told the caller the key's reservation (it binds the key to it).
    {6, "idempotency keys remember a named reservation", R"sql(
      ALTER TABLE idempotency_keys ADD COLUMN reservation_named INTEGER NOT NULL DEFAULT 0;
    )sql"},
};

constexpr std::string_view kUpsertScreening =
    "INSERT INTO screenings (screening_id, movie_id, starts_at, seat_rows, seat_cols, price) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (screening_id) DO UPDATE SET movie_id = excluded.movie_id, "
    "starts_at = excluded.starts_at, seat_rows = excluded.seat_rows, seat_cols = excluded.seat_cols, "
    "price = excluded.price";
constexpr std::string_view kUpsertMovie =
    "INSERT INTO movies (movie_id, deleted) VALUES ($1, $2) ON CONFLICT (movie_id) DO UPDATE SET deleted = excluded.deleted";
constexpr std::string_view kMovieExists = "SELECT 1 FROM movies WHERE movie_id = $1 AND deleted = 0";
// A screening with whether its movie was deleted, in one read (the reserve path asks both).
constexpr std::string_view kFindScreening =
    "SELECT screening_id, movie_id, starts_at, seat_rows, seat_cols, price, "
    "(SELECT count(*) FROM movies m WHERE m.movie_id = s.movie_id AND m.deleted = 1) "
    "FROM screenings s WHERE screening_id = $1";
// Asked only for a movie known not deleted (movie_exists): its screenings' movie_deleted is false.
constexpr std::string_view kNextScreening =
    "SELECT screening_id, movie_id, starts_at, seat_rows, seat_cols, price, 0 FROM screenings s "
    "WHERE movie_id = $1 AND starts_at > $2 "
    "AND (SELECT count(*) FROM seat_holds h WHERE h.screening_id = s.screening_id) < seat_rows * seat_cols "
    "ORDER BY starts_at, screening_id LIMIT 1";
constexpr std::string_view kTakenSeats = "SELECT seat FROM seat_holds WHERE screening_id = $1";
constexpr std::string_view kInsert =
    "INSERT INTO reservations (movie_id, screening_id, customer_id, status, pay_id, amount, seats, reason, version, "
    "created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9) RETURNING rsv_id";
constexpr std::string_view kHoldSeat = "INSERT INTO seat_holds (screening_id, seat, rsv_id) VALUES ($1, $2, $3)";
// The reservation and its seat holds in one statement ($10: the seats to hold, a JSON array in the
// order to take them), for PostgreSQL, where each statement is a round trip to the server; a seat
// someone holds fails the whole statement, as kHoldSeat would. SQLite, in the process, has no
// data-modifying WITH and no round trip to save.
constexpr std::string_view kInsertHolding =
    "WITH r AS (INSERT INTO reservations (movie_id, screening_id, customer_id, status, pay_id, amount, seats, reason, "
    "version, created_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9) RETURNING rsv_id), "
    "h AS (INSERT INTO seat_holds (screening_id, seat, rsv_id) SELECT $2, s.seat, r.rsv_id "
    "FROM r, jsonb_array_elements_text($10::jsonb) WITH ORDINALITY AS s(seat, n) ORDER BY s.n) "
    "SELECT rsv_id FROM r";
// Says too whether the reservation's movie is deleted: a settlement asks, in the same round trip.
constexpr std::string_view kUpdate =
    "UPDATE reservations SET status = $2, pay_id = $3, reason = $4, version = $5 WHERE rsv_id = $1 AND version = $6 "
    "RETURNING (SELECT count(*) FROM movies m WHERE m.movie_id = reservations.movie_id AND m.deleted = 1)";
constexpr std::string_view kFindKey =
    "SELECT fingerprint, rsv_id, answer_status, answer_body, created_at, reservation_named FROM idempotency_keys "
    "WHERE customer_id = $1 AND idem_key = $2";
constexpr std::string_view kInsertKey =
    "INSERT INTO idempotency_keys (customer_id, idem_key, fingerprint, rsv_id, created_at) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kKeyReservation =
    "UPDATE idempotency_keys SET rsv_id = $3 WHERE customer_id = $1 AND idem_key = $2";
constexpr std::string_view kKeyAnswer =
    "UPDATE idempotency_keys SET answer_status = $3, answer_body = $4 WHERE customer_id = $1 AND idem_key = $2";
constexpr std::string_view kKeyNamed =
    "UPDATE idempotency_keys SET reservation_named = 1 WHERE customer_id = $1 AND idem_key = $2";
constexpr std::string_view kForgetKey = "DELETE FROM idempotency_keys WHERE customer_id = $1 AND idem_key = $2";
constexpr std::string_view kExpireKeys = "DELETE FROM idempotency_keys WHERE created_at < $1";
constexpr std::string_view kReservedOfMovie =
    "WHERE movie_id = $1 AND status = 'reserved' "
    "AND screening_id IN (SELECT screening_id FROM screenings WHERE starts_at > $2) ORDER BY rsv_id";
constexpr std::string_view kReservedOfDeletedMovies =
    "WHERE status = 'reserved' AND movie_id IN (SELECT movie_id FROM movies WHERE deleted = 1) "
    "AND screening_id IN (SELECT screening_id FROM screenings WHERE starts_at > $1) ORDER BY rsv_id LIMIT 100";
constexpr std::string_view kClaimForRecovery =
    "UPDATE reservations SET recovery_lease = $3 WHERE rsv_id = $1 AND status = 'reqReserve' "
    "AND (recovery_lease IS NULL OR recovery_lease < $2)";
constexpr std::string_view kReleaseRecovery = "UPDATE reservations SET recovery_lease = NULL WHERE rsv_id = $1";
constexpr std::string_view kReleaseSeats = "DELETE FROM seat_holds WHERE rsv_id = $1";
constexpr std::string_view kSelect =
    "SELECT rsv_id, movie_id, screening_id, customer_id, status, pay_id, amount, seats, reason, version "
    "FROM reservations ";
// Always one row: the count, then the screening's columns as kFindScreening has them, NULL when
// there is no screening $2.
// A database server's lock on one customer, held until the transaction ends.
constexpr std::string_view kLockCustomer = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
constexpr std::string_view kHoldContext =
    "SELECT (SELECT count(*) FROM reservations WHERE customer_id = $1 "
    "AND status IN ('reqReserve', 'reserved', 'reqCancel')), "
    "s.screening_id, s.movie_id, s.starts_at, s.seat_rows, s.seat_cols, s.price, "
    "(SELECT count(*) FROM movies m WHERE m.movie_id = s.movie_id AND m.deleted = 1) "
    "FROM (SELECT 1) one LEFT JOIN screenings s ON s.screening_id = $2";

// The screening in the row's columns from `first` on (kFindScreening's order).
Screening screening_from_row(const store::Row& row, std::size_t first = 0) {
  return Screening{row.integer(first),     row.integer(first + 1), row.text(first + 2),
                   row.integer(first + 3), row.integer(first + 4), row.integer(first + 5),
                   row.integer(first + 6) != 0};
}

Reservation reservation_from_row(const store::Row& row) {
  Reservation r;
  r.id = row.integer(0);
  r.movie_id = row.integer(1);
  r.screening_id = row.integer(2);
  r.customer_id = row.text(3);
  r.status = row.text(4);
  r.pay_id = row.optional_integer(5);
  r.amount = row.integer(6);
  r.seats = nlohmann::json::parse(row.text(7)).get<std::vector<std::string>>();
  r.reason = row.text(8);
  r.version = row.integer(9);
  return r;
}

std::vector<Reservation> reservations_from(const store::Rows& rows) {
  std::vector<Reservation> out;
  for (const auto& row : rows) out.push_back(reservation_from_row(row));
  return out;
}

std::string query(std::string_view where) { return std::string(kSelect) + std::string(where); }
}  // namespace

std::span<const store::Migration> reservation_migrations() { return kMigrations; }

void ReservationRepository::upsert_screening(const Screening& s) {
  db_.execute(kUpsertScreening, {s.id, s.movie_id, s.starts_at, s.rows, s.cols, s.price});
}

void ReservationRepository::set_movie_known(std::int64_t movie_id, bool deleted) {
  db_.execute(kUpsertMovie, {movie_id, std::int64_t{deleted ? 1 : 0}});
}

bool ReservationRepository::movie_exists(std::int64_t movie_id) const { return !db_.query(kMovieExists, {movie_id}).empty(); }

std::optional<Screening> ReservationRepository::find_screening(std::int64_t id) const {
  auto rows = db_.query(kFindScreening, {id});
  if (rows.empty()) return std::nullopt;
  return screening_from_row(rows.front());
}

std::optional<Screening> ReservationRepository::next_screening_with_free_seat(std::int64_t movie_id,
                                                                             const std::string& now_iso) const {
  auto rows = db_.query(kNextScreening, {movie_id, now_iso});
  if (rows.empty()) return std::nullopt;
  return screening_from_row(rows.front());
}

std::set<std::string> ReservationRepository::taken_seats(std::int64_t screening_id) const {
  std::set<std::string> seats;
  for (const auto& row : db_.query(kTakenSeats, {screening_id})) seats.insert(row.text(0));
  return seats;
}

Reservation ReservationRepository::insert(const Reservation& r, const std::string& created_at) {
  // Seats are held in one order everywhere, so that two reservations of overlapping seats made by
  // two processes at once wait for each other instead of deadlocking.
  auto seats = r.seats;
  std::sort(seats.begin(), seats.end());
  Reservation stored = r;
  if (db_.backend() == "postgres") {
    stored.id = db_.query(kInsertHolding, {r.movie_id, r.screening_id, r.customer_id, r.status, r.amount,
                                           nlohmann::json(r.seats).dump(), r.reason, r.version, created_at,
                                           nlohmann::json(seats).dump()})
                    .at(0)
                    .integer(0);
    return stored;
  }
  stored.id = db_.query(kInsert, {r.movie_id, r.screening_id, r.customer_id, r.status, r.amount,
                                  nlohmann::json(r.seats).dump(), r.reason, r.version, created_at})
                  .at(0)
                  .integer(0);
  for (const auto& seat : seats) db_.execute(kHoldSeat, {r.screening_id, seat, stored.id});
  return stored;
}

bool ReservationRepository::update(const Reservation& r) { return update_reading_movie_deleted(r).has_value(); }

std::optional<bool> ReservationRepository::update_reading_movie_deleted(const Reservation& r) {
  store::Value pay_id = r.pay_id ? store::Value(*r.pay_id) : store::Value(nullptr);
  auto rows = db_.query(kUpdate, {r.id, r.status, pay_id, r.reason, r.version, r.version - 1});
  if (rows.empty()) return std::nullopt;
  return rows.front().integer(0) != 0;
}

std::optional<IdempotencyRecord> ReservationRepository::find_key(const IdempotencyScope& scope) const {
  auto rows = db_.query(kFindKey, {scope.customer_id, scope.key});
  if (rows.empty()) return std::nullopt;
  const auto& row = rows.front();
  return IdempotencyRecord{row.text(0), row.integer(1), row.optional_integer(2), row.optional_text(3).value_or(""),
                           row.text(4), row.integer(5) != 0};
}

void ReservationRepository::insert_key(const IdempotencyScope& scope, const std::string& fingerprint,
                                       std::int64_t rsv_id, const std::string& created_at) {
  db_.execute(kInsertKey, {scope.customer_id, scope.key, fingerprint, rsv_id, created_at});
}

void ReservationRepository::set_key_reservation(const IdempotencyScope& scope, std::int64_t rsv_id) {
  db_.execute(kKeyReservation, {scope.customer_id, scope.key, rsv_id});
}

void ReservationRepository::remember_answer(const IdempotencyScope& scope, int status, const std::string& body) {
  db_.execute(kKeyAnswer, {scope.customer_id, scope.key, std::int64_t{status}, body});
}

void ReservationRepository::mark_reservation_named(const IdempotencyScope& scope) {
  db_.execute(kKeyNamed, {scope.customer_id, scope.key});
}

void ReservationRepository::forget_key(const IdempotencyScope& scope) {
  db_.execute(kForgetKey, {scope.customer_id, scope.key});
}

std::int64_t ReservationRepository::expire_keys(const std::string& before_iso) {
  return db_.execute(kExpireKeys, {before_iso});
}

std::vector<Reservation> ReservationRepository::reserved_of_movie(std::int64_t movie_id,
                                                                 const std::string& starting_after_iso) const {
  return reservations_from(db_.query(query(kReservedOfMovie), {movie_id, starting_after_iso}));
}

std::vector<Reservation> ReservationRepository::reserved_of_deleted_movies(const std::string& starting_after_iso) const {
  return reservations_from(db_.query(query(kReservedOfDeletedMovies), {starting_after_iso}));
}

bool ReservationRepository::claim_for_recovery(std::int64_t id, const std::string& now_iso,
                                               const std::string& until_iso) {
  return db_.execute(kClaimForRecovery, {id, now_iso, until_iso}) == 1;
}

void ReservationRepository::release_recovery(std::int64_t id) { db_.execute(kReleaseRecovery, {id}); }

void ReservationRepository::release_seats(std::int64_t reservation_id) { db_.execute(kReleaseSeats, {reservation_id}); }

std::optional<Reservation> ReservationRepository::find(std::int64_t id) const {
  auto rows = db_.query(query("WHERE rsv_id = $1"), {id});
  if (rows.empty()) return std::nullopt;
  return reservation_from_row(rows.front());
}

std::vector<Reservation> ReservationRepository::list(const std::optional<std::string>& customer_id,
                                                     std::int64_t limit, std::int64_t offset) const {
  if (customer_id)
    return reservations_from(db_.query(query("WHERE customer_id = $1 ORDER BY rsv_id LIMIT $2 OFFSET $3"),
                                       {*customer_id, limit, offset}));
  return reservations_from(db_.query(query("ORDER BY rsv_id LIMIT $1 OFFSET $2"), {limit, offset}));
}

HoldContext ReservationRepository::hold_context(const std::string& customer_id,
                                               std::optional<std::int64_t> screening_id) const {
  store::Value screening = screening_id ? store::Value(*screening_id) : store::Value(nullptr);
  // Two instances holding for one customer at once would each count below the cap and both hold:
  // on a database server the customer's lock comes first (in the same round trip), so the count is
  // read once the other hold committed. (SQLite has one writer at a time: a count that went stale
  // fails the write.) Two commit groups taking two customers' locks in opposite orders deadlock;
  // the server breaks it, and the group is run again (StoreConflict).
  if (db_.backend() == "postgres") db_.execute_deferred(kLockCustomer, {customer_id});
  auto rows = db_.query(kHoldContext, {customer_id, screening});
  const auto& row = rows.at(0);
  HoldContext context{row.integer(0), std::nullopt};
  if (!row.is_null(1)) context.screening = screening_from_row(row, 1);
  return context;
}

std::vector<Reservation> ReservationRepository::unsettled(const std::string& before_iso) const {
  return reservations_from(
      db_.query(query("WHERE status = 'reqReserve' AND created_at < $1 ORDER BY rsv_id LIMIT 100"), {before_iso}));
}

}  // namespace cinema::reservation
