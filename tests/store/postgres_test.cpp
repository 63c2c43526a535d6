// Component tier: the PostgreSQL backend on a real server (a private one, as `cinema up --store`
// starts it): connections per thread, transaction control sent with the next statement, savepoints
// under a failed statement, snapshots. Skipped, saying why, where the server is not installed.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "cli/private_postgres.hpp"
#include "store/database.hpp"

namespace cinema::store {
namespace {
using namespace std::chrono_literals;

bool server_installed() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error))
    if (std::filesystem::exists(entry.path() / "bin" / "pg_ctl")) return true;
  return false;
}

// A port of its own for this process: the system tests take blocks from 20000 on.
std::uint16_t test_port() { return static_cast<std::uint16_t>(41000 + ::getpid() % 4000); }

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!server_installed()) return;
    directory_ = std::filesystem::temp_directory_path() / ("cinema-pg-store-" + std::to_string(::getpid()));
    server_ = new cli::PrivatePostgres(directory_.string(), test_port());
    server_->create_databases({"store_test"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(directory_);
  }
  void SetUp() override {
    if (!server_) GTEST_SKIP() << "PostgreSQL's server is not installed (scripts/bootstrap installs it)";
    db_ = open_postgres(server_->url("store_test"), {.pool_threads = 2});
    db_->execute_script("DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  }
  std::int64_t count() { return db_->query("SELECT count(*) FROM items").at(0).integer(0); }
  void insert(std::int64_t id) { db_->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {id, std::string("n")}); }

  static inline cli::PrivatePostgres* server_ = nullptr;
  static inline std::filesystem::path directory_;
  std::unique_ptr<Database> db_;
};

TEST_F(PostgresTest, ThreadsCommitSideBySideOnConnectionsOfTheirOwn) {
  std::promise<void> opened, other_done;
  auto holder = std::async(std::launch::async, [&] {
    Transaction transaction(*db_);
    insert(1);
    opened.set_value();
    // Still open while the other thread commits: one shared connection would make it wait here.
    EXPECT_EQ(other_done.get_future().wait_for(10s), std::future_status::ready);
    transaction.commit();
  });
  opened.get_future().wait();
  auto other = std::async(std::launch::async, [&] {
    Transaction transaction(*db_);
    insert(2);
    transaction.commit();
    other_done.set_value();
  });
  other.get();
  holder.get();
  EXPECT_EQ(count(), 2);
}

TEST_F(PostgresTest, AFailedStatementUnderASavepointIsUndoneAloneAndTheTransactionGoesOn) {
  Transaction outer(*db_);
  insert(1);
  {
    Transaction inner(*db_);
    EXPECT_THROW(insert(1), ConstraintViolation);
  }  // rolled back to its savepoint, sent with the next statement
  insert(2);
  {
    Transaction empty(*db_);  // a savepoint under which nothing is written
    empty.commit();
  }
  outer.commit();
  EXPECT_EQ(count(), 2);
}

TEST_F(PostgresTest, AFailedStatementWithoutASavepointFailsTheWholeTransaction) {
  {
    Transaction transaction(*db_);
    insert(1);
    EXPECT_THROW(insert(1), ConstraintViolation);
    EXPECT_THROW(transaction.commit(), StoreError) << "the server answers the COMMIT with ROLLBACK";
  }
  EXPECT_EQ(count(), 0);
  insert(3);  // the connection is usable again
  EXPECT_EQ(count(), 1);
}

TEST_F(PostgresTest, ATransactionThatWroteNothingCommitsAndRollsBack) {
  {
    Transaction nothing(*db_);
    nothing.commit();
  }
  {
    Transaction abandoned(*db_);
  }
  {
    Transaction read_only(*db_);
    EXPECT_EQ(count(), 0);
    read_only.commit();
  }
  insert(1);
  EXPECT_EQ(count(), 1);
}

TEST_F(PostgresTest, AReadSnapshotSeesOneStateWhileAnotherThreadCommits) {
  insert(1);
  ReadSnapshot snapshot(*db_);
  EXPECT_EQ(count(), 1);
  std::async(std::launch::async, [&] { insert(2); }).get();
  EXPECT_EQ(count(), 1) << "the snapshot's second read sees the state of its first";
}

TEST_F(PostgresTest, OnlyOneConnectionLeadsARoleUntilItsThreadsConnectionEnds) {
  EXPECT_TRUE(db_->try_lead("relay"));
  EXPECT_TRUE(db_->try_lead("relay")) << "asking again while leading";
  auto other = open_postgres(server_->url("store_test"), {.pool_threads = 1});
  EXPECT_FALSE(other->try_lead("relay"));
  db_.reset();  // its connections end: the role is free
  for (auto deadline = std::chrono::steady_clock::now() + 5s; !other->try_lead("relay");) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the role was never handed on";
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace
}  // namespace cinema::store
