// Component tier: the commit group on a real SQLite file and a real io_context.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/commit_group.hpp"

namespace cinema::store {
namespace {
using namespace std::string_literals;

class CommitGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    directory_ = std::filesystem::temp_directory_path() / ("cinema-commit-group-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
    db_ = open_sqlite(path());
    db_->execute_script(
        "CREATE TABLE seats (code TEXT PRIMARY KEY);"
        "CREATE TABLE halls (id INTEGER PRIMARY KEY);"
        "CREATE TABLE shows (hall_id INTEGER REFERENCES halls(id) DEFERRABLE INITIALLY DEFERRED)");
    reader_ = open_sqlite(path());
    group_.emplace(*db_, io_.get_executor(), [this] { ++commits_; });
  }
  void TearDown() override {
    group_.reset();
    reader_.reset();
    db_.reset();
    std::filesystem::remove_all(directory_);
  }
  [[nodiscard]] std::string path() const { return (directory_ / "group.db").string(); }
  std::int64_t seats_seen_by_another_connection() {
    return reader_->query("SELECT count(*) FROM seats").at(0).integer(0);
  }

  // A request's write: one seat; what another connection saw when the caller was resumed.
  boost::asio::awaitable<std::int64_t> reserve(std::string code) {
    co_await group_->run([&] { return db_->execute("INSERT INTO seats (code) VALUES ($1)", {code}); });
    co_return seats_seen_by_another_connection();
  }
  std::future<std::int64_t> spawn_reserve(std::string code) {
    return boost::asio::co_spawn(io_, reserve(std::move(code)), boost::asio::use_future);
  }

  std::filesystem::path directory_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Database> reader_;
  boost::asio::io_context io_;
  int commits_ = 0;
  std::optional<CommitGroup> group_;
};

TEST_F(CommitGroupTest, ConcurrentWritesShareOneCommitAndEachCallerResumesAfterIt) {
  std::vector<std::future<std::int64_t>> callers;
  for (int i = 0; i < 20; ++i) callers.push_back(spawn_reserve("A" + std::to_string(i)));
  io_.run();
  EXPECT_EQ(commits_, 1) << "twenty writes handed over in one turn of the loop";
  for (auto& seen : callers) EXPECT_EQ(seen.get(), 20) << "a caller was resumed before its write was durable";
}

TEST_F(CommitGroupTest, WritesOfLaterTurnsGoInLaterGroups) {
  auto first = spawn_reserve("B1");
  io_.run();
  auto second = spawn_reserve("B2");
  io_.restart();
  io_.run();
  EXPECT_EQ(first.get(), 1);
  EXPECT_EQ(second.get(), 2);
  EXPECT_EQ(commits_, 2);
}

TEST_F(CommitGroupTest, AFailingWriteIsUndoneAloneAndItsCallerGetsTheError) {
  auto before = spawn_reserve("C1");
  auto failing = boost::asio::co_spawn(
      io_,
      group_->run([&]() -> int {
        db_->execute("INSERT INTO seats (code) VALUES ($1)", {"C2"s});
        throw std::runtime_error("refused");
      }),
      boost::asio::use_future);
  auto after = spawn_reserve("C3");
  io_.run();
  EXPECT_EQ(before.get(), 2);
  EXPECT_EQ(after.get(), 2);
  try {
    failing.get();
    ADD_FAILURE() << "the write's exception did not reach its caller";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "refused");
  }
  EXPECT_EQ(reader_->query("SELECT group_concat(code) FROM seats").at(0).text(0), "C1,C3");
}

TEST_F(CommitGroupTest, AFailedCommitReachesEveryCallerAndKeepsNothing) {
  auto seat = spawn_reserve("D1");
  // Checked only at the commit: an orphan show fails the whole group's commit.
  auto orphan = boost::asio::co_spawn(
      io_, group_->run([&] { return db_->execute("INSERT INTO shows (hall_id) VALUES ($1)", {std::int64_t{9}}); }),
      boost::asio::use_future);
  io_.run();
  EXPECT_THROW(seat.get(), ConstraintViolation);
  EXPECT_THROW(orphan.get(), ConstraintViolation);
  EXPECT_EQ(commits_, 0);
  EXPECT_EQ(seats_seen_by_another_connection(), 0);
  EXPECT_FALSE(db_->in_transaction());
}

}  // namespace
}  // namespace cinema::store
