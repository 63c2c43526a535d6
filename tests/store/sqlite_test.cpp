#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/database.hpp"

namespace cinema::store {
namespace {
using namespace std::string_literals;
using ::testing::HasSubstr;

std::filesystem::path fresh_directory() {
  std::random_device random;
  for (;;) {
    auto name = "cinema-store-test-" + std::to_string(random());
    auto candidate = std::filesystem::temp_directory_path() / name;
    if (std::filesystem::create_directory(candidate)) return candidate;
  }
}

std::int64_t scalar(Database& db, std::string_view sql, std::initializer_list<Value> params = {}) {
  return db.query(sql, params).at(0).integer(0);
}

class SqliteTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(directory_); }

  [[nodiscard]] std::string path() const { return (directory_ / "cinema.db").string(); }

  std::unique_ptr<Database> open_with_table(SqliteOptions options = {}) {
    auto db = open_sqlite(path(), options);
    db->execute_script(
        "CREATE TABLE IF NOT EXISTS seats (id INTEGER PRIMARY KEY, code TEXT UNIQUE, note TEXT)");
    return db;
  }

  std::filesystem::path directory_ = fresh_directory();
};

TEST_F(SqliteTest, BackendIsSqlite) {
  EXPECT_EQ(open_sqlite(path())->backend(), "sqlite");
}

TEST_F(SqliteTest, InsertReturningGivesNewId) {
  auto db = open_with_table();
  auto first = db->query("INSERT INTO seats (code) VALUES ($1) RETURNING id", {"A1"s});
  auto second = db->query("INSERT INTO seats (code) VALUES ($1) RETURNING id", {"A2"s});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first[0].integer(0), second[0].integer(0));
  auto code = db->query("SELECT code FROM seats WHERE id = $1", {second[0].integer(0)});
  EXPECT_EQ(code.at(0).text(0), "A2");
}

TEST_F(SqliteTest, PlaceholdersBindByNumberNotPosition) {
  auto db = open_with_table();
  db->execute("INSERT INTO seats (note, code) VALUES ($2, $1)", {"B7"s, "aisle"s});
  auto row = db->query("SELECT code, note FROM seats").at(0);
  EXPECT_EQ(row.text(0), "B7");
  EXPECT_EQ(row.text(1), "aisle");
}

TEST_F(SqliteTest, RepeatedPlaceholderBindsOnce) {
  auto db = open_sqlite(":memory:");
  EXPECT_EQ(scalar(*db, "SELECT $1 + $1 * $2", {std::int64_t{3}, std::int64_t{10}}), 33);
}

TEST_F(SqliteTest, MissingParameterIsAnError) {
  auto db = open_sqlite(":memory:");
  EXPECT_THROW(db->query("SELECT $1, $2", {std::int64_t{1}}), StoreError);
}

TEST_F(SqliteTest, ExtraParameterIsAnError) {
  auto db = open_sqlite(":memory:");
  EXPECT_THROW(db->query("SELECT $1", {std::int64_t{1}, std::int64_t{2}}), StoreError);
}

TEST_F(SqliteTest, StatementIsReusableAfterAFailedBind) {
  auto db = open_sqlite(":memory:");
  EXPECT_THROW(db->query("SELECT $1 + $2", {std::int64_t{1}}), StoreError);
  EXPECT_EQ(scalar(*db, "SELECT $1 + $2", {std::int64_t{1}, std::int64_t{2}}), 3);
}

TEST_F(SqliteTest, UniqueViolationThrowsConstraintViolation) {
  auto db = open_with_table();
  db->execute("INSERT INTO seats (code) VALUES ($1)", {"C3"s});
  EXPECT_THROW(db->execute("INSERT INTO seats (code) VALUES ($1)", {"C3"s}), ConstraintViolation);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 1);
}

TEST_F(SqliteTest, ForeignKeysAreEnforced) {
  auto db = open_sqlite(path());
  db->execute_script(
      "CREATE TABLE halls (id INTEGER PRIMARY KEY);"
      "CREATE TABLE rows_ (hall_id INTEGER NOT NULL REFERENCES halls(id))");
  EXPECT_THROW(db->execute("INSERT INTO rows_ (hall_id) VALUES ($1)", {std::int64_t{42}}),
               ConstraintViolation);
}

TEST_F(SqliteTest, ErrorMessageNamesTheSql) {
  auto db = open_sqlite(":memory:");
  try {
    db->query("SELECT * FROM no_such_table");
    FAIL() << "expected StoreError";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("no such table"));
    EXPECT_THAT(error.what(), HasSubstr("SELECT * FROM no_such_table"));
  }
}

TEST_F(SqliteTest, ScriptErrorNamesTheSql) {
  auto db = open_sqlite(":memory:");
  try {
    db->execute_script("CREATE TABLE a (x); CREATE TABLE a (x)");
    FAIL() << "expected StoreError";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("already exists"));
    EXPECT_THAT(error.what(), HasSubstr("CREATE TABLE a (x); CREATE TABLE a (x)"));
  }
}

TEST_F(SqliteTest, MoreThanOneStatementInQueryIsRejected) {
  auto db = open_with_table();
  EXPECT_THROW(db->execute("INSERT INTO seats (code) VALUES ('x'); DELETE FROM seats"), StoreError);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 0);
}

TEST_F(SqliteTest, ExecuteReturnsChangedRowCount) {
  auto db = open_with_table();
  db->execute_script("INSERT INTO seats (code) VALUES ('a'), ('b'), ('c')");
  EXPECT_EQ(db->execute("UPDATE seats SET note = 'x' WHERE code <> $1", {"a"s}), 2);
  EXPECT_EQ(db->execute("CREATE TABLE other (id INTEGER)"), 0);
  EXPECT_EQ(db->execute("SELECT * FROM seats"), 0);
}

TEST_F(SqliteTest, NullAndTextRoundTrip) {
  auto db = open_with_table();
  const auto text = "Zürich \"quoted\" \0 after NUL"s;
  db->execute("INSERT INTO seats (code, note) VALUES ($1, $2)", {text, nullptr});
  db->execute("INSERT INTO seats (code, note) VALUES ($1, $2)", {"empty"s, ""s});
  auto rows = db->query("SELECT code, note FROM seats ORDER BY id");
  EXPECT_EQ(rows.at(0).text(0), text);
  EXPECT_TRUE(rows.at(0).is_null(1));
  EXPECT_EQ(rows.at(0).optional_text(1), std::nullopt);
  EXPECT_FALSE(rows.at(1).is_null(1));
  EXPECT_EQ(rows.at(1).optional_text(1), "");
}

TEST_F(SqliteTest, NumbersRoundTrip) {
  auto db = open_sqlite(":memory:");
  constexpr auto smallest = std::numeric_limits<std::int64_t>::min();
  auto row = db->query("SELECT $1, $2, $3", {smallest, 2.5, nullptr}).at(0);
  EXPECT_EQ(row.integer(0), smallest);
  EXPECT_DOUBLE_EQ(row.real(1), 2.5);
  EXPECT_EQ(row.optional_integer(2), std::nullopt);
  EXPECT_DOUBLE_EQ(row.real(0), static_cast<double>(smallest));
}

TEST_F(SqliteTest, RowAccessorsRejectWrongTypes) {
  auto db = open_sqlite(":memory:");
  auto row = db->query("SELECT NULL, 'text', 1.5").at(0);
  EXPECT_THROW((void)row.integer(0), StoreError);
  EXPECT_THROW((void)row.integer(1), StoreError);
  EXPECT_THROW((void)row.integer(2), StoreError);
  EXPECT_THROW((void)row.text(0), StoreError);
  EXPECT_THROW((void)row.optional_integer(1), StoreError);
  EXPECT_THROW((void)row.is_null(3), StoreError);
}

TEST_F(SqliteTest, TransactionCommitsWhenCommitted) {
  auto db = open_with_table();
  {
    Transaction transaction(*db);
    db->execute("INSERT INTO seats (code) VALUES ($1)", {"D4"s});
    transaction.commit();
  }
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 1);
}

TEST_F(SqliteTest, TransactionRollsBackWhenNotCommitted) {
  auto db = open_with_table();
  {
    Transaction transaction(*db);
    db->execute("INSERT INTO seats (code) VALUES ($1)", {"D4"s});
  }
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 0);
}

TEST_F(SqliteTest, TransactionRollsBackWhenAnExceptionEscapes) {
  auto db = open_with_table();
  db->execute("INSERT INTO seats (code) VALUES ($1)", {"E5"s});
  EXPECT_THROW(
      {
        Transaction transaction(*db);
        db->execute("INSERT INTO seats (code) VALUES ($1)", {"E6"s});
        db->execute("INSERT INTO seats (code) VALUES ($1)", {"E5"s});
        transaction.commit();
      },
      ConstraintViolation);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 1);
}

TEST_F(SqliteTest, NestedTransactionRollsBackOnlyItsOwnChanges) {
  auto db = open_with_table();
  {
    Transaction outer(*db);
    db->execute("INSERT INTO seats (code) VALUES ($1)", {"N1"s});
    {
      Transaction inner(*db);
      db->execute("INSERT INTO seats (code) VALUES ($1)", {"N2"s});
    }  // not committed: undone alone
    {
      Transaction inner(*db);
      db->execute("INSERT INTO seats (code) VALUES ($1)", {"N3"s});
      inner.commit();
    }
    outer.commit();
  }
  EXPECT_EQ(db->query("SELECT group_concat(code) FROM seats").at(0).text(0), "N1,N3");
}

TEST_F(SqliteTest, NestedCommitIsNotDurableUntilTheOuterCommits) {
  auto db = open_with_table();
  auto reader = open_sqlite(path());
  EXPECT_FALSE(db->in_transaction());
  {
    Transaction outer(*db);
    EXPECT_TRUE(db->in_transaction());
    {
      Transaction inner(*db);
      db->execute("INSERT INTO seats (code) VALUES ($1)", {"N4"s});
      inner.commit();
    }
    EXPECT_TRUE(db->in_transaction()) << "still inside the outer transaction";
    EXPECT_EQ(scalar(*reader, "SELECT COUNT(*) FROM seats"), 0);
    std::async(std::launch::async, [&] { EXPECT_FALSE(db->in_transaction()) << "another thread's question"; }).get();
  }  // the outer one rolls back, and the inner commit with it
  EXPECT_FALSE(db->in_transaction());
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 0);
}

TEST_F(SqliteTest, FailedCommitRollsBackAndLeavesConnectionUsable) {
  auto db = open_sqlite(path());
  db->execute_script(
      "CREATE TABLE halls (id INTEGER PRIMARY KEY);"
      "CREATE TABLE shows (hall_id INTEGER REFERENCES halls(id) DEFERRABLE INITIALLY DEFERRED)");
  {
    Transaction transaction(*db);
    db->execute("INSERT INTO shows (hall_id) VALUES ($1)", {std::int64_t{9}});
    EXPECT_THROW(transaction.commit(), ConstraintViolation);
  }
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM shows"), 0);
  Transaction again(*db);
  db->execute("INSERT INTO halls (id) VALUES ($1)", {std::int64_t{9}});
  again.commit();
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM halls"), 1);
}

TEST_F(SqliteTest, CommittedTransactionIsVisibleToASecondConnection) {
  auto writer = open_with_table();
  auto reader = open_sqlite(path());
  Transaction transaction(*writer);
  writer->execute("INSERT INTO seats (code) VALUES ($1)", {"F6"s});
  EXPECT_EQ(scalar(*reader, "SELECT COUNT(*) FROM seats"), 0);  // WAL readers never see uncommitted rows
  transaction.commit();
  EXPECT_EQ(scalar(*reader, "SELECT COUNT(*) FROM seats"), 1);
}

TEST_F(SqliteTest, SecondWriterWaitsForTheFirstWithinTheBusyTimeout) {
  auto first = open_with_table();
  auto second = open_sqlite(path(), {.busy_timeout_ms = 10'000});
  auto transaction = std::make_unique<Transaction>(*first);
  auto waiting_writer = std::async(std::launch::async, [&] {
    Transaction blocked(*second);
    second->execute("INSERT INTO seats (code) VALUES ($1)", {"second"s});
    blocked.commit();
  });
  ASSERT_EQ(waiting_writer.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  first->execute("INSERT INTO seats (code) VALUES ($1)", {"first"s});
  transaction->commit();
  transaction.reset();
  waiting_writer.get();
  EXPECT_EQ(scalar(*first, "SELECT COUNT(*) FROM seats"), 2);
}

TEST_F(SqliteTest, SecondWriterFailsWithoutABusyTimeout) {
  auto first = open_with_table();
  auto second = open_sqlite(path(), {.busy_timeout_ms = 0});
  Transaction holding(*first);
  EXPECT_THROW(Transaction blocked(*second), StoreError);
}

TEST_F(SqliteTest, ThreadsSharingAConnectionAreSerialized) {
  constexpr int thread_count = 4, increments_per_thread = 50;
  auto db = open_sqlite(path());
  db->execute_script("CREATE TABLE counter (value INTEGER NOT NULL); INSERT INTO counter VALUES (0)");
  auto increment_many = [&db] {
    for (int i = 0; i < increments_per_thread; ++i) {
      Transaction transaction(*db);
      auto value = scalar(*db, "SELECT value FROM counter");
      db->execute("UPDATE counter SET value = $1", {value + 1});
      transaction.commit();
    }
  };
  std::vector<std::jthread> threads(thread_count);
  for (auto& thread : threads) thread = std::jthread(increment_many);
  threads.clear();
  EXPECT_EQ(scalar(*db, "SELECT value FROM counter"), thread_count * increments_per_thread);
}

TEST_F(SqliteTest, FileIsInWalMode) {
  auto db = open_with_table();
  EXPECT_EQ(db->query("PRAGMA journal_mode").at(0).text(0), "wal");
  db->execute("INSERT INTO seats (code) VALUES ($1)", {"G7"s});
  EXPECT_TRUE(std::filesystem::exists(path() + "-wal"));
}

TEST_F(SqliteTest, ConnectionsOpeningANewFileAtTheSameMomentAllGetWal) {
  // Services open their database from several threads at start-up, and processes open the shared
  // event log together: whoever loses the race to switch the file to WAL must wait, not fail.
  constexpr int files = 20, openers = 8;
  for (int file = 0; file < files; ++file) {
    auto file_path = (directory_ / ("race-" + std::to_string(file) + ".db")).string();
    std::vector<std::future<std::string>> modes;
    for (int i = 0; i < openers; ++i)
      modes.push_back(std::async(std::launch::async, [&file_path] {
        return open_sqlite(file_path)->query("PRAGMA journal_mode").at(0).text(0);
      }));
    for (auto& mode : modes) EXPECT_EQ(mode.get(), "wal") << file_path;
  }
}

std::uintmax_t file_size(const std::string& path) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

TEST_F(SqliteTest, CommittedPagesReachTheDatabaseFileInTheBackground) {
  auto db = open_with_table();
  auto before = file_size(path());
  for (int i = 0; i < 64; ++i)  // 1 MB, far below any automatic checkpoint's threshold
    db->execute("INSERT INTO seats (note) VALUES ($1)", {std::string(16 * 1024, 'x')});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (file_size(path()) < before + (1u << 20) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GE(file_size(path()), before + (1u << 20)) << "the write-ahead log was never checkpointed";
}

TEST_F(SqliteTest, WriteAheadLogStartsOverUnderSteadyWritesAndReads) {
  // A writer that never stops (150 MB, at most 64 KB a millisecond: 2.4 s or more, a dozen
  // checkpoint passes) and a reader that never pauses: the log must still start over instead of
  // holding every page written. Between two passes it grows by 13 MB at most, so it stays far below
  // half of what was written.
  constexpr std::size_t blob = 64u << 10, blobs = 2400;
  auto writer = open_with_table();
  auto reader = open_sqlite(path());
  std::atomic<bool> writing{true};
  std::jthread reading([&] {
    while (writing) scalar(*reader, "SELECT COUNT(*) FROM seats");
  });
  for (std::int64_t i = 1; i <= static_cast<std::int64_t>(blobs); ++i) {
    Transaction transaction(*writer);
    writer->execute("DELETE FROM seats WHERE id <= $1", {i - 16});
    writer->execute("INSERT INTO seats (id, note) VALUES ($1, $2)", {i, std::string(blob, 'x')});
    transaction.commit();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writing = false;
  EXPECT_LT(file_size(path() + "-wal"), blob * blobs / 2);
}

TEST_F(SqliteTest, SynchronousFollowsOptions) {
  constexpr std::int64_t normal = 1, full = 2;
  EXPECT_EQ(scalar(*open_sqlite(path()), "PRAGMA synchronous"), normal);
  EXPECT_EQ(scalar(*open_sqlite(path(), {.synchronous_full = true}), "PRAGMA synchronous"), full);
}

TEST_F(SqliteTest, MemoryDatabaseWorks) {
  auto db = open_sqlite(":memory:");
  db->execute_script("CREATE TABLE t (x INTEGER)");
  db->execute("INSERT INTO t VALUES ($1)", {std::int64_t{5}});
  EXPECT_EQ(scalar(*db, "SELECT x FROM t"), 5);
}

TEST_F(SqliteTest, OpeningAnUnreachablePathThrows) {
  EXPECT_THROW(open_sqlite((directory_ / "missing" / "cinema.db").string()), StoreError);
}

constexpr Migration kCreateSeats{1, "create seats", "CREATE TABLE seats (code TEXT NOT NULL)"};
// Depends on kCreateSeats having run first, and would duplicate the row if ever re-run.
constexpr Migration kSeedSeat{2, "seed A1", "INSERT INTO seats VALUES ('A1')"};
constexpr Migration kSeedSecondSeat{3, "seed A2", "INSERT INTO seats VALUES ('A2')"};

TEST_F(SqliteTest, MigrationsApplyOnceAndInOrder) {
  auto db = open_sqlite(path());
  const Migration first_release[] = {kCreateSeats, kSeedSeat};
  migrate(*db, first_release);
  migrate(*db, first_release);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 1);

  const Migration second_release[] = {kCreateSeats, kSeedSeat, kSeedSecondSeat};
  migrate(*db, second_release);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM seats"), 2);
  auto recorded = db->query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_EQ(recorded[0].integer(0), 1);
  EXPECT_EQ(recorded[2].integer(0), 3);
  EXPECT_EQ(recorded[2].text(1), "seed A2");
  EXPECT_FALSE(recorded[2].text(2).empty());
}

TEST_F(SqliteTest, MigrationsOutOfOrderAreRejected) {
  auto db = open_sqlite(path());
  const Migration reversed[] = {kSeedSeat, kCreateSeats};
  const Migration repeated[] = {kCreateSeats, {1, "again", "CREATE TABLE other (x)"}};
  EXPECT_THROW(migrate(*db, reversed), StoreError);
  EXPECT_THROW(migrate(*db, repeated), StoreError);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM sqlite_master"), 0);
}

TEST_F(SqliteTest, FailedMigrationLeavesNoTrace) {
  auto db = open_sqlite(path());
  const Migration broken[] = {kCreateSeats,
                              {2, "broken", "CREATE TABLE halls (id); INSERT INTO nowhere VALUES (1)"}};
  try {
    migrate(*db, broken);
    FAIL() << "expected StoreError";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("broken"));
  }
  EXPECT_EQ(scalar(*db, "SELECT MAX(version) FROM schema_migrations"), 1);
  EXPECT_EQ(scalar(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'halls'"), 0);
}

}  // namespace
}  // namespace cinema::store
