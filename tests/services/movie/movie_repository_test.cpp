// Component tier: the movie repository on a real SQLite file.
#include <filesystem>

#include <gtest/gtest.h>

#include "services/movie/movie_repository.hpp"

namespace cinema::movie {
namespace {

class MovieRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("movie-repo-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    db_ = store::open_sqlite(path_.string());
    store::migrate(*db_, movie_migrations());
  }
  void TearDown() override {
    db_.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + suffix);
  }
  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(MovieRepositoryTest, FirstMovieGetsIdOneAsTheSeedExpects) {
  MovieRepository movies(*db_);
  EXPECT_EQ(movies.insert(register_movie({"", "Beautiful Movie~", "available"})).id, 1);
  EXPECT_EQ(movies.insert(register_movie({"", "Happy Story!", "available"})).id, 2);
}

TEST_F(MovieRepositoryTest, StoredMovieReadsBackFieldForField) {
  MovieRepository movies(*db_);
  Movie movie{0, "Title", "Desc", "reserved", 3, "reserved", 5};
  auto stored = movies.insert(movie);
  auto found = movies.find(stored.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->title, "Title");
  EXPECT_EQ(found->desc, "Desc");
  EXPECT_EQ(found->status, "reserved");
  EXPECT_EQ(found->review_count, 3);
  EXPECT_EQ(found->last_action, "reserved");
  EXPECT_EQ(found->version, 5);
}

TEST_F(MovieRepositoryTest, ListPagesInIdOrder) {
  MovieRepository movies(*db_);
  for (int i = 0; i < 5; ++i) movies.insert(register_movie({"", "m" + std::to_string(i), "available"}));
  auto page = movies.list(2, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].desc, "m2");
  EXPECT_EQ(page[1].desc, "m3");
}

TEST_F(MovieRepositoryTest, UpdateAndRemoveReportWhetherTheMovieExisted) {
  MovieRepository movies(*db_);
  auto movie = movies.insert(register_movie({"", "d", "available"}));
  movie.desc = "changed";
  EXPECT_TRUE(movies.update(movie));
  EXPECT_EQ(movies.find(movie.id)->desc, "changed");
  EXPECT_TRUE(movies.remove(movie.id));
  EXPECT_FALSE(movies.find(movie.id));
  EXPECT_FALSE(movies.remove(movie.id));
  EXPECT_FALSE(movies.update(movie));
}

TEST_F(MovieRepositoryTest, DeletedIdsAreNeverReused) {
  MovieRepository movies(*db_);
  auto first = movies.insert(register_movie({"", "a", "available"}));
  movies.remove(first.id);
  EXPECT_GT(movies.insert(register_movie({"", "b", "available"})).id, first.id);
}

}  // namespace
}  // namespace cinema::movie
