// Unit tier: the movie and screening projections of the view page (pure, no SQL).
#include <gtest/gtest.h>

#include "services/viewpage/movie_board.hpp"

namespace cinema::viewpage {
namespace {

// What the queries show (view_repository.cpp: registered = 1 AND deleted = 0).
bool listed(const MovieView& movie) { return movie.registered && !movie.deleted; }

contracts::MovieState movie_state(std::int64_t version, std::string status = "available",
                                  std::string last_action = "register", std::int64_t review_count = 0) {
  return contracts::MovieState{1, "Beauty", "Beautiful Movie~", std::move(status), review_count, std::move(last_action),
                               version};
}

contracts::ReviewState review(std::int64_t rating, std::int64_t review_count, std::int64_t version) {
  return contracts::ReviewState{7, 1, "kim", rating, "Loved it", review_count, version};
}

contracts::ScreeningState screening_state() {
  return contracts::ScreeningState{3, 1, "2026-12-01T19:00:00Z", "2", 4, 5, 12000, 1};
}

TEST(MovieViewTest, RegistrationCreatesTheRowFromTheEventsFields) {
  auto view = apply_movie(std::nullopt, "MovieRegistered", movie_state(1));
  EXPECT_EQ(view.movie_id, 1);
  EXPECT_EQ(view.title, "Beauty");
  EXPECT_EQ(view.desc, "Beautiful Movie~");
  EXPECT_EQ(view.status, "available");
  EXPECT_EQ(view.last_action, "register");
  EXPECT_EQ(view.review_count, 0);
  EXPECT_TRUE(listed(view));
  EXPECT_FALSE(average_rating(view)) << "no reviews: rating is null";
}

TEST(MovieViewTest, ReservedAndCancelledReplaceStatusAndLastAction) {
  auto view = apply_movie(std::nullopt, "MovieRegistered", movie_state(1));
  view = apply_movie(view, "MovieReserved", movie_state(2, "reserved", "reserved"));
  EXPECT_EQ(view.status, "reserved");
  EXPECT_EQ(view.last_action, "reserved");
  view = apply_movie(view, "MovieCancelled", movie_state(3, "available", "cancelled"));
  EXPECT_EQ(view.status, "available");
  EXPECT_EQ(view.last_action, "cancelled");
}

TEST(MovieViewTest, AnOlderVersionDoesNotOverwriteANewerOne) {
  auto view = apply_movie(std::nullopt, "MovieReserved", movie_state(3, "reserved", "reserved"));
  view = apply_movie(view, "MovieModified", movie_state(2, "available", "modify"));
  EXPECT_EQ(view.status, "reserved");
  EXPECT_EQ(view.version, 3);
}

TEST(MovieViewTest, ADeletedMovieIsHiddenAndStaysDeleted) {
  auto view = apply_movie(std::nullopt, "MovieRegistered", movie_state(1));
  view = apply_movie(view, "MovieDeleted", movie_state(2, "available", "delete"));
  EXPECT_FALSE(listed(view));
  view = apply_movie(view, "MovieModified", movie_state(5, "available", "modify"));
  EXPECT_TRUE(view.deleted);
  EXPECT_FALSE(listed(view));
}

TEST(MovieViewTest, ADeleteSeenBeforeTheRegistrationStillHidesTheMovie) {
  auto view = apply_movie(std::nullopt, "MovieDeleted", movie_state(2, "available", "delete"));
  view = apply_movie(view, "MovieRegistered", movie_state(1));
  EXPECT_FALSE(listed(view));
}

TEST(MovieViewTest, ReviewsCountAndAverageTheirRatings) {
  auto view = apply_movie(std::nullopt, "MovieRegistered", movie_state(1));
  view = apply_review(view, review(5, 1, 2));
  EXPECT_EQ(view.review_count, 1);
  EXPECT_EQ(view.last_action, "review");
  EXPECT_EQ(average_rating(view), 5.0);
  view = apply_review(view, review(4, 2, 3));
  view = apply_review(view, review(4, 3, 4));
  EXPECT_EQ(view.review_count, 3);
  EXPECT_EQ(average_rating(view), 4.33) << "13/3, rounded to two decimals";
}

TEST(MovieViewTest, AReviewWithoutTheMoviesCountAddsOne) {
  auto view = apply_movie(std::nullopt, "MovieRegistered", movie_state(1, "available", "register", 2));
  view = apply_review(view, review(3, 0, 0));
  EXPECT_EQ(view.review_count, 3);
}

TEST(MovieViewTest, AReviewAfterALaterMovieEventIsNotCountedTwice) {
  auto view = apply_movie(std::nullopt, "MovieModified", movie_state(3, "available", "modify", 1));
  view = apply_review(view, review(5, 1, 2));
  EXPECT_EQ(view.review_count, 1);
  EXPECT_EQ(view.last_action, "modify") << "the review is older than the modification shown";
  EXPECT_EQ(average_rating(view), 5.0);
}

TEST(MovieViewTest, AReviewBeforeTheRegistrationMakesAHiddenPlaceholderTheRegistrationCompletes) {
  auto view = apply_review(std::nullopt, review(4, 1, 2));
  EXPECT_FALSE(listed(view));
  view = apply_movie(view, "MovieRegistered", movie_state(1));
  EXPECT_TRUE(listed(view));
  EXPECT_EQ(view.desc, "Beautiful Movie~");
  EXPECT_EQ(view.review_count, 1);
  EXPECT_EQ(average_rating(view), 4.0);
}

TEST(MovieViewTest, ARatingOutsideOneToFiveCountsTheReviewButNotTheAverage) {
  auto view = apply_review(std::nullopt, review(9, 1, 1));
  EXPECT_EQ(view.review_count, 1);
  EXPECT_FALSE(average_rating(view));
}

TEST(ScreeningViewTest, AScheduledScreeningHasEverySeatLeft) {
  auto view = apply_screening(std::nullopt, screening_state());
  EXPECT_TRUE(view.scheduled);
  EXPECT_EQ(view.hall, "2");
  EXPECT_EQ(view.price, 12000);
  EXPECT_EQ(seats_total(view), 20);
  EXPECT_EQ(seats_left(view), 20);
}

TEST(ScreeningViewTest, SeatsTakenBeforeTheScheduleArrivedStillCount) {
  auto view = take_seats(std::nullopt, 3, 1, 2);
  EXPECT_FALSE(view.scheduled);
  view = apply_screening(view, screening_state());
  EXPECT_EQ(seats_left(view), 18);
  view = take_seats(view, 3, 1, -2);
  EXPECT_EQ(seats_left(view), 20);
}

TEST(ScreeningViewTest, SeatsLeftStaysWithinTheSeatMap) {
  auto view = take_seats(apply_screening(std::nullopt, screening_state()), 3, 1, 25);
  EXPECT_EQ(seats_left(view), 0);
  view = take_seats(view, 3, 1, -30);
  EXPECT_EQ(seats_left(view), 20);
}

TEST(MovieBoardTest, AssemblyKeepsOrderAndLeavesOutUnknownMoviesAndStatuses) {
  MovieView first{.movie_id = 1, .registered = true};
  MovieView second{.movie_id = 2, .registered = true};
  ScreeningView a{.screening_id = 10, .movie_id = 2};
  ScreeningView b{.screening_id = 11, .movie_id = 2};
  ScreeningView orphan{.screening_id = 12, .movie_id = 9};
  std::vector<StatusCount> counts{{1, "reserved", 3}, {1, "", 1}, {2, "cancelled", 2}, {9, "reserved", 5}};
  auto boards = assemble_boards({first, second}, {a, b, orphan}, counts);
  ASSERT_EQ(boards.size(), 2u);
  EXPECT_EQ(boards[0].movie.movie_id, 1);
  EXPECT_TRUE(boards[0].screenings.empty());
  EXPECT_EQ(boards[0].counts, (std::array<std::int64_t, 5>{0, 3, 0, 0, 0}));
  ASSERT_EQ(boards[1].screenings.size(), 2u);
  EXPECT_EQ(boards[1].screenings[0].screening_id, 10);
  EXPECT_EQ(boards[1].screenings[1].screening_id, 11);
  EXPECT_EQ(boards[1].counts, (std::array<std::int64_t, 5>{0, 0, 0, 0, 2}));
}

}  // namespace
}  // namespace cinema::viewpage
