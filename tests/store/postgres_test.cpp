// Component tier: the PostgreSQL backend on a real server (a private one, as `cinema up --store`
// starts it): connections per thread, transaction control and deferred writes sent with the next
// statement, savepoints under a failed statement, snapshots. Skipped, saying why, where the server is not installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

// A port nobody listens on now, as the kernel picks one.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0)
    port = ntohs(address.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!server_installed()) return;
    directory_ = std::filesystem::temp_directory_path() / ("cinema-pg-store-" + std::to_string(::getpid()));
    // Another process may take the port between the pick and the server's start: pick again.
    for (int attempt = 0; attempt < 3 && !server_; ++attempt) try {
        server_ = new cli::PrivatePostgres(directory_.string(), free_port());
        server_->create_databases({"store_test"});
      } catch (const std::exception& e) {
        delete server_;
        server_ = nullptr;
        problem_ = e.what();
      }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::filesystem::remove_all(directory_);
  }
  void SetUp() override {
    if (!server_installed()) GTEST_SKIP() << "PostgreSQL's server is not installed (scripts/bootstrap installs it)";
    ASSERT_TRUE(server_) << "the private PostgreSQL server did not start: " << problem_;
    db_ = open_postgres(server_->url("store_test"), {.pool_threads = 2});
    db_->execute_script("DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  }
  std::int64_t count() { return db_->query("SELECT count(*) FROM items").at(0).integer(0); }
  void insert(std::int64_t id) { db_->execute("INSERT INTO items (id, name) VALUES ($1, $2)", {id, std::string("n")}); }
  void deferred_insert(std::int64_t id) {
    db_->execute_deferred("INSERT INTO items (id, name) VALUES ($1, $2)", {id, std::string("d")});
  }

  static inline cli::PrivatePostgres* server_ = nullptr;
  static inline std::string problem_;
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

TEST_F(PostgresTest, DeferredWritesGoWithTheCommitEvenWhenNothingElseWasSent) {
  {
    Transaction transaction(*db_);
    deferred_insert(1);
    deferred_insert(2);  // the same statement again while its PREPARE still waits: prepared once
    transaction.commit();
  }
  EXPECT_EQ(count(), 2);
  {
    Transaction transaction(*db_);
    insert(3);
    deferred_insert(4);
    transaction.commit();
  }
  EXPECT_EQ(count(), 4);
  deferred_insert(5);  // outside a transaction: at once
  EXPECT_EQ(count(), 5);
}

TEST_F(PostgresTest, ADeferredWriteIsSentWithTheNextStatementAndItsFailureIsNotThatStatements) {
  insert(1);
  {
    Transaction transaction(*db_);
    EXPECT_NO_THROW(deferred_insert(1)) << "not sent yet: nothing to fail";
    try {
      insert(2);
      ADD_FAILURE() << "the deferred write's failure did not surface with the next statement";
    } catch (const ConstraintViolation& e) {
      ADD_FAILURE() << "a deferred write's failure read as the next statement's own: " << e.what();
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("deferred"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(count(), 1) << "the transaction failed as a whole";
  deferred_insert(2);
  EXPECT_EQ(count(), 2) << "the connection, and the statement prepared in the failed pipeline, serve again";
}

TEST_F(PostgresTest, ASavepointRolledBackTakesItsDeferredWritesAndKeepsTheEnclosingOnes) {
  {
    Transaction outer(*db_);
    deferred_insert(1);
    {
      Transaction unsent(*db_);  // its SAVEPOINT still waits with the writes when it rolls back
      deferred_insert(2);
    }
    {
      Transaction sent(*db_);
      EXPECT_EQ(count(), 1) << "the outer write and the SAVEPOINT went with this read, which sees the write";
      deferred_insert(3);
      {
        Transaction inner(*db_);
        EXPECT_EQ(count(), 2) << "write 3 went with this read";
        deferred_insert(4);
      }  // its ROLLBACK TO waits, and must still go when `sent` rolls back to its own savepoint
    }
    insert(5);
    outer.commit();
  }
  auto ids = db_->query("SELECT id FROM items ORDER BY id");
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].integer(0), 1);
  EXPECT_EQ(ids[1].integer(0), 5);
}

TEST_F(PostgresTest, ADeferredWriteFailingUnderASavepointFailsThatSavepointAloneAtItsRelease) {
  insert(1);
  {
    Transaction outer(*db_);
    insert(2);
    {
      Transaction inner(*db_);
      deferred_insert(1);
      EXPECT_THROW(inner.commit(), StoreError) << "released with its writes, which answer there";
    }
    insert(3);
    outer.commit();
  }
  EXPECT_EQ(count(), 3);
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

// As a restart of the server (`pg_ctl restart -m fast`) ends every session: the COMMIT of a
// transaction whose session was ended is "unavailable" (503, retry), never a plain error (500), and
// the next call works on a new session.
TEST_F(PostgresTest, ACommitOnASessionTheServerEndedHasAnUnknownOutcomeAndTheNextCallReconnects) {
  // Unknown, not plain "unavailable": a session that ends with its COMMIT sent may have committed,
  // and a caller must not say "nothing was done" (here nothing was: the session ended first).
  auto killer = open_postgres(server_->url("store_test"), {.pool_threads = 1});
  for (int round = 0; round < 20; ++round) {
    auto pid = db_->query("SELECT pg_backend_pid()").at(0).integer(0);
    {
      Transaction transaction(*db_);
      insert(100 + round);
      deferred_insert(200 + round);  // goes with the COMMIT, as the outbox's rows do
      // Ended before the COMMIT is sent in even rounds, while its pipeline runs in odd ones.
      if (round % 2 == 1) db_->execute_deferred("SELECT pg_sleep(0.05)");
      auto ended = std::async(std::launch::async, [&, round] {
        if (round % 2 == 1) std::this_thread::sleep_for(20ms);
        killer->query("SELECT pg_terminate_backend($1::int)", {pid});
      });
      if (round % 2 == 0) ended.get();
      try {
        transaction.commit();
        ADD_FAILURE() << "round " << round << ": a COMMIT on an ended session succeeded";
      } catch (const CommitOutcomeUnknown&) {
      } catch (const StoreError& e) {
        ADD_FAILURE() << "round " << round << ": not 'outcome unknown': " << e.what();
      }
      if (ended.valid()) ended.get();
    }
    for (auto deadline = std::chrono::steady_clock::now() + 5s;;) try {
        EXPECT_EQ(count(), 0) << "nothing of the ended transaction was committed";
        break;
      } catch (const StoreUnavailable&) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "never reconnected";
        std::this_thread::sleep_for(20ms);
      }
  }
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
