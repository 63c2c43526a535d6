#include "store/database.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/wal_checkpointer.hpp"

namespace cinema::store {
namespace {
// SQLITE_BUSY that reached the caller: the busy handler gave up, or SQLite did not call it.
struct BusyError : StoreError {
  using StoreError::StoreError;
};

[[noreturn]] void throw_sqlite_error(sqlite3* db, int code, std::string_view sql) {
  auto message = std::string(sqlite3_errmsg(db)) + " [" + sqlite3_errstr(code) + "] in: " + std::string(sql);
  // Extended codes (SQLITE_CONSTRAINT_UNIQUE, ..._PRIMARYKEY) carry the primary code in the low byte.
  if ((code & 0xff) == SQLITE_CONSTRAINT) throw ConstraintViolation(message);
  if ((code & 0xff) == SQLITE_BUSY) throw BusyError(message);
  // A full disk: SQLite rolled the statement (or the transaction) back; an I/O error that is the
  // file system's ENOSPC (a WAL or journal that could not grow) is the same.
  if ((code & 0xff) == SQLITE_FULL || ((code & 0xff) == SQLITE_IOERR && sqlite3_system_errno(db) == ENOSPC))
    throw StorageFull(message);
  throw StoreError(message);
}

struct ConnectionCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, ConnectionCloser>;

bool only_separators(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isspace(c) || c == ';'; });
}

// Prepared statements keyed by their SQL text, so a repository's constant SQL is compiled once.
class StatementCache {
 public:
  StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  }

  sqlite3_stmt* get(sqlite3* db, std::string_view sql) {
    std::string key(sql);
    if (auto found = statements_.find(key); found != statements_.end()) return found->second;
    sqlite3_stmt* statement = prepare(db, sql);
    statements_.emplace(std::move(key), statement);
    return statement;
  }

 private:
  static sqlite3_stmt* prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    int code = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                  &statement, &tail);
    if (code != SQLITE_OK) throw_sqlite_error(db, code, sql);
    if (statement == nullptr) throw StoreError("no statement in: " + std::string(sql));
    // SQLite would silently ignore everything after the first statement.
    if (!only_separators(std::string_view(tail, sql.data() + sql.size() - tail))) {
      sqlite3_finalize(statement);
      throw StoreError("more than one statement (use execute_script) in: " + std::string(sql));
    }
    return statement;
  }

  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// Resets and unbinds a cached statement however its use ends, so a failed step never keeps a
// read transaction open or a parameter bound to a caller's string that is about to die.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* statement) : statement_(statement) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* statement_;
};

int bind_value(sqlite3_stmt* statement, int index, const Value& value) {
  struct Binder {
    sqlite3_stmt* statement;
    int index;
    int operator()(std::nullptr_t) const { return sqlite3_bind_null(statement, index); }
    int operator()(std::int64_t number) const { return sqlite3_bind_int64(statement, index, number); }
    int operator()(double number) const { return sqlite3_bind_double(statement, index, number); }
    // SQLITE_STATIC is safe: StatementUse clears the binding before the caller's params go away.
    int operator()(const std::string& text) const {
      return sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
  };
  return std::visit(Binder{statement, index}, value);
}

void bind_params(sqlite3* db, sqlite3_stmt* statement, std::string_view sql,
                 std::initializer_list<Value> params) {
  int number = 1;
  for (const Value& value : params) {
    const std::string name = "$" + std::to_string(number);
    int index = sqlite3_bind_parameter_index(statement, name.c_str());
    if (index == 0) throw StoreError("statement has no parameter " + name + ": " + std::string(sql));
    if (int code = bind_value(statement, index, value); code != SQLITE_OK) throw_sqlite_error(db, code, sql);
    ++number;
  }
  // Every supplied $N was found at a distinct index, so a larger count means one was left unbound.
  if (sqlite3_bind_parameter_count(statement) > static_cast<int>(params.size()))
    throw StoreError("statement needs more than " + std::to_string(params.size()) +
                     " parameter(s): " + std::string(sql));
}

Value column_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_NULL: return nullptr;
    case SQLITE_INTEGER: return std::int64_t{sqlite3_column_int64(statement, column)};
    case SQLITE_FLOAT: return sqlite3_column_double(statement, column);
    default: {
      // Text and blobs both come back as bytes; column_bytes must follow the pointer fetch.
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, column));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
      return size == 0 ? std::string() : std::string(bytes, size);
    }
  }
}

Row current_row(sqlite3_stmt* statement) {
  const int columns = sqlite3_column_count(statement);
  std::vector<Value> values;
  values.reserve(static_cast<std::size_t>(columns));
  for (int column = 0; column < columns; ++column) values.push_back(column_value(statement, column));
  return Row(std::move(values));
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(const std::string& path, SqliteOptions options);
  ~SqliteDatabase() override;

  Rows query(std::string_view sql, std::initializer_list<Value> params) override;
  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params) override;
  void execute_script(std::string_view sql) override;
  [[nodiscard]] std::string_view backend() const override { return "sqlite"; }
  [[nodiscard]] bool try_lead(std::string_view role) override;

 protected:
  void begin() override { execute("BEGIN IMMEDIATE", {}); }
  void commit() override { execute("COMMIT", {}); }
  void rollback() override { execute("ROLLBACK", {}); }

 private:
  bool step(sqlite3_stmt* statement, std::string_view sql);
  void use_wal(const std::string& path);

  SqliteHandle db_;  // declared first so it is closed after the statements are finalized
  int busy_timeout_ms_;  // read by the busy handler
  std::string watched_path_;  // of the WAL checkpointer; empty for ":memory:"
  StatementCache statements_;
  std::string path_;
  std::unordered_map<std::string, int> leading_;  // role -> the locked file's descriptor, kept open
};

SqliteHandle open_connection(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: Database::mutex() already serializes every use of the connection.
  constexpr int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteHandle db(raw);  // SQLite hands back a handle even on failure, and it must still be closed
  if (code != SQLITE_OK)
    throw StoreError("cannot open " + path + ": " + (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(code)));
  return db;
}

// SQLite's own busy handler sleeps 1, 2, 5, 10 ... 100 ms between tries: under write contention
// across processes (the shared event log) a waiter oversleeps by milliseconds every time. This one
// starts at 20 µs and doubles up to 1 ms, so a lock held for a few microseconds costs about that.
int wait_for_lock(void* timeout_ms, int tries) {
  constexpr long kFirstUs = 20, kMaxUs = 1000;
  auto budget_us = static_cast<long>(*static_cast<int*>(timeout_ms)) * 1000;
  long waited_us = 0;  // what the earlier tries slept, recomputed from their count
  for (int i = 0; i < tries; ++i) waited_us += std::min(kFirstUs << std::min(i, 10), kMaxUs);
  if (waited_us >= budget_us) return 0;  // give up: SQLITE_BUSY
  std::this_thread::sleep_for(std::chrono::microseconds(std::min(kFirstUs << std::min(tries, 10), kMaxUs)));
  return 1;
}

SqliteDatabase::SqliteDatabase(const std::string& path, SqliteOptions options)
    : db_(open_connection(path)), busy_timeout_ms_(options.busy_timeout_ms), path_(path) {
  // Set before switching to WAL, which itself needs a lock another process may hold.
  sqlite3_busy_handler(db_.get(), wait_for_lock, &busy_timeout_ms_);
  if (path != ":memory:") {
    use_wal(path);
    // Checkpoints (and their fsync) happen on the checkpointer's thread, not in a commit.
    execute_script("PRAGMA wal_autocheckpoint=0");
    // When the log starts over, a file that grew past this (a long reader held it) is cut back.
    execute_script("PRAGMA journal_size_limit=33554432");
  }
  execute_script(options.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  execute_script("PRAGMA foreign_keys=ON");
  if (path != ":memory:") {  // last: a constructor that throws never unwatches
    watch_wal(path);
    watched_path_ = path;
  }
}

SqliteDatabase::~SqliteDatabase() {
  if (!watched_path_.empty()) unwatch_wal(watched_path_);
  for (auto& [role, fd] : leading_) ::close(fd);
}

// A lock file beside the database: the kernel releases it when the process exits, however it ends.
bool SqliteDatabase::try_lead(std::string_view role) {
  std::lock_guard lock(mutex());
  if (path_ == ":memory:" || leading_.contains(std::string(role))) return true;
  auto lock_path = path_ + "." + std::string(role) + ".lead";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) throw StoreError("cannot open " + lock_path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  leading_.emplace(role, fd);
  return true;
}

void SqliteDatabase::use_wal(const std::string& path) {
  // The pragma reports the mode it ended up in rather than failing, e.g. on a file system without
  // shared memory; concurrent readers depend on WAL, so refuse to run without it.
  // Switching a new file to WAL takes an exclusive lock. When another connection (a second one of
  // this process, or another process on the shared event log) is switching at the same moment,
  // SQLite answers SQLITE_BUSY at once instead of calling the busy handler (waiting could
  // deadlock), so the statement is simply tried again, within the busy timeout.
  std::string mode;
  for (int tries = 0;; ++tries) {
    try {
      mode = query("PRAGMA journal_mode=WAL", {}).at(0).text(0);
      break;
    } catch (const BusyError&) {
      if (!wait_for_lock(&busy_timeout_ms_, tries)) throw;
    }
  }
  if (mode != "wal") throw StoreError("cannot put " + path + " in WAL mode (journal_mode is " + mode + ")");
}

bool SqliteDatabase::step(sqlite3_stmt* statement, std::string_view sql) {
  int code = sqlite3_step(statement);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  throw_sqlite_error(db_.get(), code, sql);
}

Rows SqliteDatabase::query(std::string_view sql, std::initializer_list<Value> params) {
  std::lock_guard lock(mutex());
  sqlite3_stmt* statement = statements_.get(db_.get(), sql);
  StatementUse use(statement);
  bind_params(db_.get(), statement, sql, params);
  Rows rows;
  while (step(statement, sql)) rows.push_back(current_row(statement));
  return rows;
}

std::int64_t SqliteDatabase::execute(std::string_view sql, std::initializer_list<Value> params) {
  std::lock_guard lock(mutex());
  sqlite3_stmt* statement = statements_.get(db_.get(), sql);
  StatementUse use(statement);
  bind_params(db_.get(), statement, sql, params);
  const auto changed_before = sqlite3_total_changes64(db_.get());
  while (step(statement, sql)) {
  }
  // sqlite3_changes64 still reports the last INSERT/UPDATE/DELETE after DDL or a SELECT; the total
  // only moves when this statement changed rows.
  if (sqlite3_total_changes64(db_.get()) == changed_before) return 0;
  return sqlite3_changes64(db_.get());
}

void SqliteDatabase::execute_script(std::string_view sql) {
  std::lock_guard lock(mutex());
  const std::string script(sql);  // sqlite3_exec needs a terminating NUL
  if (int code = sqlite3_exec(db_.get(), script.c_str(), nullptr, nullptr, nullptr); code != SQLITE_OK)
    throw_sqlite_error(db_.get(), code, sql);
}
}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, SqliteOptions options) {
  return std::make_unique<SqliteDatabase>(path, options);
}

}  // namespace cinema::store
