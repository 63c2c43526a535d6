#pragma once
// The read tables of the view page (movie_views, screening_views, reservation_views, view_meta) behind
// methods that take and return the domain's values. The SQL is in view_repository.cpp.
#include <atomic>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "services/viewpage/movie_board.hpp"
#include "services/viewpage/view_lag.hpp"
#include "store/database.hpp"

namespace cinema::viewpage {

std::span<const store::Migration> view_migrations();

// Which movies a board query covers: every one, or a single id ({id, id}).
struct MovieRange {
  std::int64_t first = 1;
  std::int64_t last = std::numeric_limits<std::int64_t>::max();
};

struct CustomerReservation {
  ReservationView reservation;
  std::optional<std::string> movie_title;  // null while the movie's events have not arrived
};

class ViewRepository {
 public:
  explicit ViewRepository(store::Database& db) : db_(db) {}

  [[nodiscard]] std::optional<MovieView> movie(std::int64_t movie_id) const;
  [[nodiscard]] std::optional<ScreeningView> screening(std::int64_t screening_id) const;
  [[nodiscard]] std::optional<ReservationView> reservation(std::int64_t rsv_id) const;
  // Insert or replace by id.
  void save(const MovieView& movie);
  void save(const ScreeningView& screening);
  void save(const ReservationView& reservation);
  void record_event(const ViewMeta& meta);
  [[nodiscard]] std::optional<ViewMeta> meta() const;

  // Listed movies in id order with their scheduled screenings (by start) and reservation counts.
  [[nodiscard]] std::vector<MovieBoard> boards(MovieRange range) const;
  [[nodiscard]] std::vector<CustomerReservation> reservations_of(const std::string& customer_id) const;

  // Deletes every view row, the lag record and the inbox, so consuming from offset 0 rebuilds the view.
  void clear();

  // Moves with every change of a view (inside its transaction), so answers built from the views can
  // be reused while it stays the same.
  [[nodiscard]] std::uint64_t version() const { return version_.load(); }

 private:
  void changed() { ++version_; }

  store::Database& db_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace cinema::viewpage
