#pragma once
// Where reservations, held seats and the replica of screenings live. A seat is held by a row of
// seat_holds whose primary key is (screening, seat): the database itself refuses a second hold,
// whatever the number of processes or threads racing for it.
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "services/reservation/reservation.hpp"
#include "store/database.hpp"

namespace cinema::reservation {

std::span<const store::Migration> reservation_migrations();

// An Idempotency-Key belongs to the caller that sent it: the same key from two customers is two keys.
struct IdempotencyScope {
  std::string customer_id;  // empty for anonymous callers
  std::string key;
};

// What a key remembers: the request it was first used for, its reservation and, once final, the answer.
struct IdempotencyRecord {
  std::string fingerprint;
  std::int64_t rsv_id = 0;
  std::optional<std::int64_t> answer_status;  // absent while the first request is in flight
  std::string answer_body;
  std::string created_at;
  // An undecided answer told the caller this reservation ("payment pending, see GET
  // /reservations/N"): the key stays bound to it, whatever becomes of it.
  bool reservation_named = false;
};

// What a hold checks before it takes seats, read at once: how many active reservations the
// customer has, and the screening asked for (absent when none was, or it is unknown).
struct HoldContext {
  std::int64_t active_reservations = 0;
  std::optional<Screening> screening;
};

class ReservationRepository {
 public:
  explicit ReservationRepository(store::Database& db) : db_(db) {}

  // Replica of movie's data, fed by events.
  void upsert_screening(const Screening& screening);
  void set_movie_known(std::int64_t movie_id, bool deleted);
  [[nodiscard]] bool movie_exists(std::int64_t movie_id) const;
  [[nodiscard]] std::optional<Screening> find_screening(std::int64_t id) const;
  // The earliest screening of the movie starting after `now_iso` that has a free seat.
  [[nodiscard]] std::optional<Screening> next_screening_with_free_seat(std::int64_t movie_id,
                                                                      const std::string& now_iso) const;
  [[nodiscard]] std::set<std::string> taken_seats(std::int64_t screening_id) const;

  // Inserts the reservation and holds its seats; returns it with its id. Throws
  // store::ConstraintViolation when a seat is already held.
  Reservation insert(const Reservation& reservation, const std::string& created_at);
  // Stores the reservation's next state if the stored one is still the state it came from (its
  // version minus one); false when another process changed it first, and nothing is written.
  [[nodiscard]] bool update(const Reservation& reservation);
  // update() that also says, in the same statement, whether the reservation's movie is deleted;
  // nothing when it stored nothing (update() false).
  [[nodiscard]] std::optional<bool> update_reading_movie_deleted(const Reservation& reservation);
  void release_seats(std::int64_t reservation_id);
  // Claims a reservation still in reqReserve for recovery until `until_iso`, unless another claim
  // runs at `now_iso`; false: not this process's to recover now.
  [[nodiscard]] bool claim_for_recovery(std::int64_t id, const std::string& now_iso, const std::string& until_iso);
  void release_recovery(std::int64_t id);
  [[nodiscard]] std::optional<Reservation> find(std::int64_t id) const;
  // Reserved reservations of the movie whose screening starts after `starting_after_iso`.
  [[nodiscard]] std::vector<Reservation> reserved_of_movie(std::int64_t movie_id,
                                                          const std::string& starting_after_iso) const;
  // The same for every deleted movie, the first 100.
  [[nodiscard]] std::vector<Reservation> reserved_of_deleted_movies(const std::string& starting_after_iso) const;

  [[nodiscard]] std::optional<IdempotencyRecord> find_key(const IdempotencyScope& scope) const;
  // Throws store::ConstraintViolation when the key is already taken (by a request in flight in
  // another process: this one waits for that request's transaction at the key first).
  void insert_key(const IdempotencyScope& scope, const std::string& fingerprint, std::int64_t rsv_id,
                  const std::string& created_at);
  // The reservation the key made, once it exists (insert_key claimed the key before).
  void set_key_reservation(const IdempotencyScope& scope, std::int64_t rsv_id);
  void remember_answer(const IdempotencyScope& scope, int status, const std::string& body);
  void mark_reservation_named(const IdempotencyScope& scope);
  // A retry with the same key then starts afresh (when payment certainly did not charge).
  void forget_key(const IdempotencyScope& scope);
  // Deletes the keys created before `before_iso`; returns how many.
  std::int64_t expire_keys(const std::string& before_iso);
  [[nodiscard]] std::vector<Reservation> list(const std::optional<std::string>& customer_id, std::int64_t limit,
                                              std::int64_t offset) const;
  // One statement, one round trip to a database server, for the hold's two first questions.
  [[nodiscard]] HoldContext hold_context(const std::string& customer_id,
                                         std::optional<std::int64_t> screening_id) const;
  // Reservations left in reqReserve (e.g. by a crash) created before `before_iso`.
  [[nodiscard]] std::vector<Reservation> unsettled(const std::string& before_iso) const;

 private:
  store::Database& db_;
};

}  // namespace cinema::reservation
