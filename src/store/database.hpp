#pragma once
// The storage interface every repository is written against. SQL uses $1, $2, ... placeholders on
// every backend (SQLite binds them as named parameters, PostgreSQL natively), and new ids come back
// through `INSERT ... RETURNING`, so one statement text serves SQLite today and PostgreSQL later.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "core/transient.hpp"

namespace cinema {
class BlockingPool;
}

namespace cinema::store {

using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  [[nodiscard]] bool is_null(std::size_t column) const;
  [[nodiscard]] std::int64_t integer(std::size_t column) const;  // throws StoreError on NULL or text
  [[nodiscard]] double real(std::size_t column) const;
  [[nodiscard]] std::string text(std::size_t column) const;       // throws StoreError on NULL
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::size_t column) const;
  [[nodiscard]] std::optional<std::string> optional_text(std::size_t column) const;
  [[nodiscard]] std::size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};
using Rows = std::vector<Row>;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// A UNIQUE/PRIMARY KEY violation: callers turn it into a business outcome (e.g. seat taken).
class ConstraintViolation : public StoreError {
 public:
  using StoreError::StoreError;
};
// The database server cannot be reached (down, restarting, connection lost) or gave up on the
// transaction for a reason that a retry may not meet (serialization failure, deadlock). Nothing of
// the failed transaction was committed (but see CommitOutcomeUnknown).
class StoreUnavailable : public StoreError, public Transient {
 public:
  using StoreError::StoreError;
  [[nodiscard]] std::string public_message() const override {
    return "the service's database is unavailable; retry later";
  }
};
// The connection broke while COMMIT was on its way or its answer was: the server may have
// committed. Still "retry later" (a 503), but with its own error code, so that a caller never
// reads it as "nothing was done" (reservation would release a reservation payment charged).
class CommitOutcomeUnknown : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
  [[nodiscard]] std::string public_message() const override {
    return "the connection to the service's database broke during a commit: whether it took effect is unknown; "
           "repeat the request (with its Idempotency-Key) to learn it";
  }
  [[nodiscard]] std::string error_code() const override { return std::string(kCommitOutcomeUnknown); }
};
// The disk holding the store is full (SQLITE_FULL, PostgreSQL 53100 disk_full): nothing of the
// failed transaction was committed; reads go on, and writes succeed again once space returns.
class StorageFull : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
  [[nodiscard]] std::string public_message() const override { return "the service's storage is full; retry later"; }
  [[nodiscard]] std::chrono::seconds retry_after() const override { return std::chrono::seconds(5); }
  [[nodiscard]] std::string error_code() const override { return "storage_full"; }
};
// The server gave up on the transaction to break a deadlock or keep transactions serializable: the
// same work, tried again at once, is likely to succeed (the commit group does so).
class StoreConflict : public StoreUnavailable {
 public:
  using StoreUnavailable::StoreUnavailable;
};

class Database {
 public:
  virtual ~Database() = default;
  // Runs one statement (prepared once and cached by its text) and returns every row it yields.
  virtual Rows query(std::string_view sql, std::initializer_list<Value> params = {}) = 0;
  // Runs one statement and returns the number of rows it changed.
  virtual std::int64_t execute(std::string_view sql, std::initializer_list<Value> params = {}) = 0;
  // Runs a write whose answer nobody reads (an outbox row) in the calling thread's transaction. A
  // database server gets it with the transaction's next statement, or its savepoint's release or
  // its commit, in the same round trip; a failure fails the transaction there (as StoreError: it
  // is not the failure of the statement it went with). Outside a transaction, and on an embedded
  // file, it runs at once.
  virtual void execute_deferred(std::string_view sql, std::initializer_list<Value> params = {}) {
    execute(sql, params);
  }
  // Runs a script of several statements without parameters (migrations).
  virtual void execute_script(std::string_view sql) = 0;
  [[nodiscard]] virtual std::string_view backend() const = 0;  // "sqlite" | "postgres"
  // Where calls that may block for a round trip run, off the event loop (run_blocking in
  // core/blocking.hpp); null: an embedded file, called in place.
  [[nodiscard]] virtual BlockingPool* blocking() { return nullptr; }
  // Empty when the database answers; else why not. Never blocks for long (readiness probes).
  [[nodiscard]] virtual std::string health();
  // Held by migrate() while it applies migrations: other processes of the service, started at the
  // same moment against the same server, wait instead of migrating twice.
  virtual void lock_schema() {}
  virtual void unlock_schema() {}
  // Whether this process leads the work named `role` (the outbox relay) among the processes that
  // share this database: the first to ask leads until it exits or loses its connection, and the
  // others keep asking. Cheap to ask again while leading.
  [[nodiscard]] virtual bool try_lead(std::string_view role) = 0;

  // Serializes use of the calling thread's connection across threads; Transaction holds it for its
  // whole life. Held around several reads, it keeps them on one connection with no write between.
  std::recursive_mutex& mutex() { return session().mutex; }
  // Whether the calling thread is inside a Transaction on its connection (so a commit it makes now
  // is a savepoint's, not yet durable).
  [[nodiscard]] bool in_transaction() { return session().owner.load() == std::this_thread::get_id(); }

 protected:
  friend class Transaction;
  friend class ReadSnapshot;
  // One connection and its users: an embedded file has one for every thread; a database server
  // one per thread that uses it (the blocking pool's threads, the relay's, each consumer's), so
  // their round trips overlap instead of queueing for one connection.
  struct Session {
    std::recursive_mutex mutex;
    int depth = 0;                        // open Transactions, guarded by mutex
    std::atomic<std::thread::id> owner;  // the thread whose Transactions they are
  };
  // The calling thread's session; begin/commit/rollback and every statement act on it.
  virtual Session& session() { return only_session_; }
  virtual void begin() = 0;  // a write transaction (BEGIN IMMEDIATE on SQLite)
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // A nested Transaction's savepoint: opened, kept (its changes join the enclosing transaction's),
  // or undone and closed.
  virtual void savepoint();
  virtual void release_savepoint();
  virtual void rollback_to_savepoint();
  // A read-only transaction whose statements all see one committed state (ReadSnapshot). An
  // embedded file needs none: its connection's mutex already keeps writes out between the reads.
  virtual void begin_snapshot() {}
  virtual void end_snapshot() {}

 private:
  Session only_session_;
};

// Several reads that must see one state (e.g. a page assembled from three tables while consumers
// write them): holds the calling thread's connection and, on a server, a repeatable-read snapshot.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& db_;
  std::unique_lock<std::recursive_mutex> lock_;
};

// RAII write transaction: rolls back unless commit() was called. Inside another one (on the same
// thread) it is a savepoint of it: its commit keeps its changes for the enclosing transaction to
// commit, its rollback undoes only them.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  void leave();

  Database& db_;
  Database::Session& session_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool nested_;
  bool done_ = false;
};

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// Applies, in one transaction each, the migrations whose version is above the recorded one
// (table schema_migrations). Versions must increase; an applied version is never re-run.
void migrate(Database& db, std::span<const Migration> migrations);

struct SqliteOptions {
  bool synchronous_full = false;  // NORMAL by default: durable across process crashes, not power loss
  int busy_timeout_ms = 5000;
};
// Opens (creating if needed) a SQLite file in WAL mode with foreign keys on. ":memory:" works too.
std::unique_ptr<Database> open_sqlite(const std::string& path, SqliteOptions options = {});

struct PostgresOptions {
  int connect_timeout_seconds = 3;
  // Threads that make the service's round trips off its event loop, each on a connection of its
  // own (database.pool_size).
  int pool_threads = 4;
};
// Connects to a PostgreSQL database ("postgresql://user@host:port/db" or "host=... dbname=...").
// The same SQL as on SQLite: the schema's INTEGER columns become BIGINT and AUTOINCREMENT keys
// identity columns. A lost connection is re-established in the background; meanwhile calls throw
// StoreUnavailable. Throws StoreUnavailable when the server cannot be reached at all.
std::unique_ptr<Database> open_postgres(const std::string& url, PostgresOptions options = {});

}  // namespace cinema::store
