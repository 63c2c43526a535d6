#include "services/viewpage/movie_view.hpp"

#include <algorithm>
#include <cmath>

namespace cinema::viewpage {

bool is_movie_event(std::string_view event_type) {
  return event_type == "MovieRegistered" || event_type == "MovieModified" || event_type == "MovieReserved" ||
         event_type == "MovieCancelled" || event_type == "MovieDeleted";
}

MovieView apply_movie(std::optional<MovieView> current, std::string_view event_type,
                      const contracts::MovieState& movie) {
  auto view = current.value_or(MovieView{.movie_id = movie.movie_id});
  if (view.deleted) return view;
  if (event_type == "MovieDeleted") {
    view.deleted = true;
    return view;
  }
  // A version older than the one shown is a stale copy; a placeholder (from a review seen first) never
  // blocks the movie's own events.
  if (view.registered && movie.version < view.version) return view;
  view.title = movie.title;
  view.desc = movie.desc;
  view.status = movie.status;
  // The movie's count never decreases; max keeps a review that was seen before this event.
  view.review_count = std::max(view.review_count, movie.review_count);
  view.last_action = movie.last_action;
  view.version = movie.version;
  view.registered = true;
  return view;
}

MovieView apply_review(std::optional<MovieView> current, const contracts::ReviewState& review) {
  auto view = current.value_or(MovieView{.movie_id = review.movie_id});
  // The event carries the movie's count including this review (0 from producers that leave it out):
  // taking it rather than adding one stays right when a later movie event was applied first.
  view.review_count =
      review.review_count > 0 ? std::max(view.review_count, review.review_count) : view.review_count + 1;
  if (review.rating >= 1 && review.rating <= 5) {
    view.rating_sum += review.rating;
    ++view.rating_count;
  }
  if (review.version >= view.version) {
    view.last_action = "review";
    view.version = review.version;
  }
  return view;
}

std::optional<double> average_rating(const MovieView& movie) {
  if (movie.rating_count == 0) return std::nullopt;
  return std::round(100.0 * static_cast<double>(movie.rating_sum) / static_cast<double>(movie.rating_count)) / 100.0;
}

ScreeningView apply_screening(std::optional<ScreeningView> current, const contracts::ScreeningState& screening) {
  auto view = current.value_or(ScreeningView{.screening_id = screening.screening_id});
  view.movie_id = screening.movie_id;
  view.starts_at = screening.starts_at;
  view.hall = screening.hall;
  view.rows = screening.rows;
  view.cols = screening.cols;
  view.price = screening.price;
  view.scheduled = true;
  return view;
}

ScreeningView take_seats(std::optional<ScreeningView> current, std::int64_t screening_id, std::int64_t movie_id,
                         std::int64_t seats) {
  auto view = current.value_or(ScreeningView{.screening_id = screening_id, .movie_id = movie_id});
  view.seats_taken += seats;
  return view;
}

std::int64_t seats_total(const ScreeningView& screening) { return screening.rows * screening.cols; }

std::int64_t seats_left(const ScreeningView& screening) {
  return std::clamp(seats_total(screening) - screening.seats_taken, std::int64_t{0}, seats_total(screening));
}

}  // namespace cinema::viewpage
