// Unit tier: the movie rules and its JSON edge, without sockets or files.
#include <gtest/gtest.h>

#include "core/http/errors.hpp"
#include "services/movie/movie.hpp"
#include "services/movie/movie_json.hpp"

namespace cinema::movie {
namespace {

std::string field_of_bad_request(const std::function<void()>& action) {
  try {
    action();
  } catch (const http::BadRequest& error) {
    return error.field().empty() ? "<body>" : error.field();
  }
  return "<no error>";
}

TEST(MovieRules, RegisteredMovieIsAvailableWithNoReviews) {
  auto movie = register_movie(MovieDraft{"Title", "Beautiful Movie~", "available"});
  EXPECT_EQ(movie.status, "available");
  EXPECT_EQ(movie.review_count, 0);
  EXPECT_EQ(movie.last_action, "register");
  EXPECT_EQ(movie.version, 1);
}

TEST(MovieRules, EveryChangeBumpsVersionAndMarksModify) {
  auto movie = register_movie(MovieDraft{"", "d", "available"});
  movie.review_count = 4;
  auto replaced = replace_movie(movie, MovieDraft{"New", "e", "reserved"});
  EXPECT_EQ(replaced.version, 2);
  EXPECT_EQ(replaced.last_action, "modify");
  EXPECT_EQ(replaced.review_count, 4) << "a manager's edit never resets reviews";
  auto changed = change_movie(replaced, MovieChanges{.title = std::nullopt, .desc = "f", .status = std::nullopt});
  EXPECT_EQ(changed.version, 3);
  EXPECT_EQ(changed.desc, "f");
  EXPECT_EQ(changed.title, "New") << "fields absent from a PATCH are kept";
}

TEST(MovieRules, ValuesOutsideTheRulesAreNamed) {
  EXPECT_FALSE(desc_problem("   ").empty());
  EXPECT_FALSE(desc_problem(std::string(kMaxDescBytes + 1, 'x')).empty());
  EXPECT_TRUE(desc_problem(std::string(kMaxDescBytes, 'x')).empty());
  EXPECT_FALSE(title_problem(std::string(kMaxTitleBytes + 1, 'x')).empty());
  EXPECT_FALSE(status_problem("burning").empty());
  EXPECT_TRUE(status_problem("soldOut").empty());
}

TEST(MovieJson, SeedBodyWithOnlyDescIsADraft) {
  auto draft = parse_movie_draft(R"({"desc":"Beautiful Movie~"})");
  EXPECT_EQ(draft.desc, "Beautiful Movie~");
  EXPECT_EQ(draft.title, "");
  EXPECT_EQ(draft.status, "available");
}

TEST(MovieJson, BadFieldsAreRejectedNamingTheField) {
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft(R"({"desc":5})"); }), "desc");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft(R"({"title":"t"})"); }), "desc");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft(R"({"desc":"d","title":[]})"); }), "title");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft(R"({"desc":"d","status":"x"})"); }), "status");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft(R"({"desc":"d","colour":"red"})"); }), "colour");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_draft("[1]"); }), "<body>");
  EXPECT_EQ(field_of_bad_request([] { parse_movie_changes("{}"); }), "<body>");
}

TEST(MovieJson, ReadOnlyFieldsFromAGetAreIgnoredOnWrite) {
  auto draft = parse_movie_draft(R"({"movieId":9,"desc":"d","reviewCnt":3,"lastAction":"x","version":2})");
  EXPECT_EQ(draft.desc, "d");
}

TEST(MovieJson, MovieIsWrittenWithSeedFieldNamesInSeedOrder) {
  Movie movie{7, "T", "Beautiful Movie~", "available", 2, "register", 1};
  EXPECT_EQ(movie_to_json(movie, MovieStats{42, 4.5}),
            R"({"movieId":7,"title":"T","desc":"Beautiful Movie~","status":"available","reviewCnt":2,)"
            R"("lastAction":"register","rating":4.5,"seatsLeft":42,"version":1})");
  EXPECT_NE(movie_to_json(movie, MovieStats{0, std::nullopt}).find(R"("rating":null)"), std::string::npos);
}

}  // namespace
}  // namespace cinema::movie
