#include <algorithm>
#include <atomic>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "core/blocking.hpp"
#include "store/database.hpp"
#include "store/postgres_text.hpp"

namespace cinema::store {
namespace {
using postgres::changed_rows;
using postgres::is_schema_statement;
using postgres::postgres_schema;
using postgres::rows_of;
using postgres::TextParams;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using PgConnection = std::unique_ptr<PGconn, ConnectionDeleter>;

std::string first_line(const char* text) {
  std::string line(text ? text : "");
  if (auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  return line;
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, PostgresOptions options);
  ~PostgresDatabase() override;

  Rows query(std::string_view sql, std::initializer_list<Value> params) override;
  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params) override;
  void execute_script(std::string_view sql) override;
  [[nodiscard]] std::string_view backend() const override { return "postgres"; }
  [[nodiscard]] BlockingPool* blocking() override { return &pool_; }
  [[nodiscard]] std::string health() override;
  void lock_schema() override;
  void unlock_schema() override;
  [[nodiscard]] bool try_lead(std::string_view role) override;

 protected:
  Session& session() override { return current(); }
  void begin() override;
  void commit() override;
  void rollback() override;
  void begin_snapshot() override;
  void end_snapshot() override;
  void savepoint() override;
  void release_savepoint() override;
  void rollback_to_savepoint() override;

 private:
  // One thread's connection. Only its own thread uses it (under its mutex, for the watcher).
  struct Connected : Session {
    PgConnection connection;
    bool broken = false;          // the connection must be replaced
    bool in_transaction = false;  // the server has a transaction of this session open
    bool in_snapshot = false;     // a ReadSnapshot's transaction was begun
    // Transaction control waiting to go with the next statement (see send()).
    std::vector<std::string> deferred;
    std::unordered_map<std::string, std::string> prepared;  // SQL text -> statement name
    std::unordered_set<std::string> leading;  // roles whose advisory lock this session holds
  };
  // One command of a pipeline.
  struct Step {
    enum Kind { plain, prepare, execute } kind;
    std::string text;  // plain: the SQL; prepare: the SQL to prepare as `name`; execute: unused
    std::string name;  // prepare, execute: the statement's name
    std::string_view origin;  // the SQL that error messages name
    bool done = false;        // the server carried it out
  };

  Connected& current();
  Result run(std::string_view sql, std::initializer_list<Value> params);
  Result send(Connected& session, std::string_view sql, std::initializer_list<Value> params);
  Result pipelined(Connected& session, PGconn* conn, std::vector<Step>& steps, const TextParams* params);
  void flush(Connected& session);
  std::vector<Step> take_deferred(Connected& session);
  Result checked(Connected& session, Result result, std::string_view sql);
  [[noreturn]] void fail(Connected& session, const PGresult* result, std::string_view sql);
  PGconn* connection(Connected& session);  // connected, or StoreUnavailable
  bool reconnect(Connected& session);
  void keep_connected();
  void note_problem(const std::string& problem);

  std::string url_;
  PostgresOptions options_;
  std::mutex sessions_mutex_;
  std::unordered_map<std::thread::id, std::unique_ptr<Connected>> sessions_;  // guarded by sessions_mutex_
  std::atomic<bool> healthy_{false};
  std::string last_problem_;      // guarded by problem_mutex_
  mutable std::mutex problem_mutex_;
  // Watches the server while it is unreachable, so that readiness recovers by itself once it is
  // back even when no request comes to notice (the sessions reconnect on their next statement).
  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool stopping_ = false;
  std::thread watcher_;
  BlockingPool pool_;  // declared last: its queued work finishes before the connections close
};

PgConnection connect(const std::string& url, const PostgresOptions& options, std::string& problem) {
  auto timeout = std::to_string(options.connect_timeout_seconds);
  const char* keywords[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "cinema", nullptr};
  PgConnection connection(PQconnectdbParams(keywords, values, 1));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    problem = connection ? first_line(PQerrorMessage(connection.get())) : "out of memory";
    return nullptr;
  }
  // Notices (e.g. "relation already exists, skipping") are not errors: keep them out of stderr.
  PQsetNoticeProcessor(connection.get(), [](void*, const char*) {}, nullptr);
  return connection;
}

PostgresDatabase::PostgresDatabase(std::string url, PostgresOptions options)
    : url_(std::move(url)), options_(options), pool_(static_cast<std::size_t>(std::max(1, options.pool_threads))) {
  // The opening thread connects at once: a server that cannot be reached fails the start.
  auto& opener = current();
  std::string problem;
  opener.connection = connect(url_, options_, problem);
  if (!opener.connection) throw StoreUnavailable("cannot connect to PostgreSQL: " + problem);
  healthy_ = true;
  watcher_ = std::thread([this] { keep_connected(); });
}

PostgresDatabase::~PostgresDatabase() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_wake_.notify_all();
  watcher_.join();
}

PostgresDatabase::Connected& PostgresDatabase::current() {
  std::lock_guard lock(sessions_mutex_);
  auto& session = sessions_[std::this_thread::get_id()];
  if (!session) session = std::make_unique<Connected>();  // connects on its first statement
  return *session;
}

void PostgresDatabase::keep_connected() {
  std::unique_lock lock(watch_mutex_);
  while (!watch_wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) {
    if (healthy_) continue;
    lock.unlock();
    std::string problem;
    if (connect(url_, options_, problem)) healthy_ = true;
    else note_problem(problem);
    lock.lock();
  }
}

void PostgresDatabase::note_problem(const std::string& problem) {
  std::lock_guard lock(problem_mutex_);
  last_problem_ = problem;
}

bool PostgresDatabase::reconnect(Connected& session) {
  std::string problem;
  auto fresh = connect(url_, options_, problem);
  if (!fresh) {
    note_problem(problem);
    return false;
  }
  session.connection = std::move(fresh);
  session.prepared.clear();  // prepared statements belong to the old session
  session.leading.clear();   // and so did its advisory locks: another process may lead now
  session.broken = false;
  healthy_ = true;
  return true;
}

PGconn* PostgresDatabase::connection(Connected& session) {
  if (session.broken || !session.connection || PQstatus(session.connection.get()) != CONNECTION_OK) {
    // Inside a transaction the statements before this one are gone with the old session: the
    // transaction fails as a whole, and the connection is replaced once it has unwound.
    if (session.in_transaction || !reconnect(session)) {
      session.broken = true;
      healthy_ = false;
      std::lock_guard lock(problem_mutex_);
      throw StoreUnavailable("PostgreSQL is unavailable: " + last_problem_);
    }
  }
  return session.connection.get();
}

void PostgresDatabase::fail(Connected& session, const PGresult* result, std::string_view sql) {
  PGconn* conn = session.connection.get();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string message = first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (message.empty()) message = first_line(PQerrorMessage(conn));
  auto text = message + (code.empty() ? "" : " [" + code + "]") + " in: " + std::string(sql);
  // 23: integrity constraint violation (unique, foreign key, check, not null).
  if (code.starts_with("23")) throw ConstraintViolation(text);
  // 08: connection exception; 57P0x: the server is shutting down or restarting; 53: out of
  // resources; 40001/40P01: serialization failure, deadlock (a retry may succeed).
  bool lost = PQstatus(conn) != CONNECTION_OK;
  if (!lost && (code == "40001" || code == "40P01")) throw StoreConflict(text);
  if (!lost && code == "53100") throw StorageFull(text);  // disk_full
  if (lost || code.starts_with("08") || code.starts_with("57P") || code.starts_with("53")) {
    if (lost || code.starts_with("08") || code.starts_with("57P")) {
      session.broken = true;
      healthy_ = false;
      note_problem(message);
    }
    throw StoreUnavailable(text);
  }
  throw StoreError(text);
}

Result PostgresDatabase::checked(Connected& session, Result result, std::string_view sql) {
  auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(session, result.get(), sql);
  return result;
}

Result PostgresDatabase::run(std::string_view sql, std::initializer_list<Value> params) {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  return send(session, sql, params);
}

// Transaction control that nobody waits on (BEGIN, SAVEPOINT, RELEASE) is not sent by itself: it
// waits in `deferred` and goes with the session's next statement in one pipeline, one round trip.
// A transaction then costs a round trip per statement plus its COMMIT, not one more per BEGIN and
// savepoint, and what never meets a statement (an empty savepoint, a transaction that wrote nothing)
// is never sent at all.
Result PostgresDatabase::send(Connected& session, std::string_view sql, std::initializer_list<Value> params) {
  auto* conn = connection(session);
  std::string text = is_schema_statement(sql) ? postgres_schema(sql) : std::string(sql);
  if (params.size() == 0 && session.deferred.empty())
    // Utility statements (SAVEPOINT, BEGIN, DDL) cannot be prepared; without parameters the
    // simple protocol costs the same one round trip.
    return checked(session, Result(PQexec(conn, text.c_str())), sql);
  auto steps = take_deferred(session);
  if (params.size() == 0) {
    steps.push_back({Step::plain, std::move(text), {}, sql});
    return pipelined(session, conn, steps, nullptr);
  }
  TextParams values(params);
  auto found = session.prepared.find(std::string(sql));
  if (found == session.prepared.end()) {
    auto name = "s" + std::to_string(session.prepared.size());
    steps.push_back({Step::prepare, std::move(text), name, sql});
    auto prepare = steps.size() - 1;
    steps.push_back({Step::execute, {}, name, sql});
    // Prepared once the server says so, even when a step after it failed (a seat already held):
    // the session keeps the statement either way.
    struct Remember {
      Connected& session;
      const std::vector<Step>& steps;
      std::size_t prepare;
      std::string_view sql;
      ~Remember() {
        if (steps[prepare].done) session.prepared.emplace(std::string(sql), steps[prepare].name);
      }
    } remember{session, steps, prepare, sql};
    return pipelined(session, conn, steps, &values);
  }
  if (steps.empty())
    return checked(session,
                   Result(PQexecPrepared(conn, found->second.c_str(), values.count(), values.values(), nullptr,
                                         nullptr, 0)),
                   sql);
  steps.push_back({Step::execute, {}, found->second, sql});
  return pipelined(session, conn, steps, &values);
}

std::vector<PostgresDatabase::Step> PostgresDatabase::take_deferred(Connected& session) {
  std::vector<Step> steps;
  for (auto& statement : session.deferred) {
    if (statement.starts_with("BEGIN")) session.in_transaction = true;
    steps.push_back({Step::plain, std::move(statement), {}, "transaction control"});
  }
  session.deferred.clear();
  return steps;
}

void PostgresDatabase::flush(Connected& session) {
  if (session.deferred.empty()) return;
  auto* conn = connection(session);
  auto steps = take_deferred(session);
  pipelined(session, conn, steps, nullptr);
}

// Sends every step, then one Sync, and reads each step's result: the first failure is thrown once
// the pipeline is read to its end (the steps after it were skipped by the server).
Result PostgresDatabase::pipelined(Connected& session, PGconn* conn, std::vector<Step>& steps,
                                   const TextParams* params) {
  auto origin = steps.back().origin;
  if (!PQenterPipelineMode(conn)) fail(session, nullptr, origin);
  bool sent = true;
  for (const auto& step : steps) {
    if (step.kind == Step::plain)
      sent = PQsendQueryParams(conn, step.text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    else if (step.kind == Step::prepare)
      sent = PQsendPrepare(conn, step.name.c_str(), step.text.c_str(), 0, nullptr) == 1;
    else
      sent = PQsendQueryPrepared(conn, step.name.c_str(), params->count(), params->values(), nullptr, nullptr, 0) == 1;
    if (!sent) break;
  }
  if (!sent || PQpipelineSync(conn) != 1) {
    session.broken = true;  // the pipeline's state is unknown: this connection is done
    fail(session, nullptr, origin);
  }
  Result last, failure;
  std::string_view failed_at = origin;
  bool in_order = true;
  for (auto& step : steps) {
    Result result(PQgetResult(conn));
    if (!result) {
      in_order = false;
      break;
    }
    Result end(PQgetResult(conn));  // each step's results end with a null
    if (end) in_order = false;
    auto status = PQresultStatus(result.get());
    if (status == PGRES_PIPELINE_ABORTED) continue;
    step.done = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!step.done) {
      if (!failure) {
        failure = std::move(result);
        failed_at = step.origin;
      }
      continue;
    }
    last = std::move(result);
  }
  Result sync(in_order ? PQgetResult(conn) : nullptr);
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn) != 1) {
    session.broken = true;
    fail(session, failure.get(), failed_at);
  }
  if (failure) fail(session, failure.get(), failed_at);
  return last;
}

Rows PostgresDatabase::query(std::string_view sql, std::initializer_list<Value> params) {
  return rows_of(run(sql, params).get());
}

std::int64_t PostgresDatabase::execute(std::string_view sql, std::initializer_list<Value> params) {
  return changed_rows(run(sql, params).get());
}

void PostgresDatabase::execute_script(std::string_view sql) {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  flush(session);  // several statements in one text go by the simple protocol, which has no pipeline
  auto text = postgres_schema(sql);
  checked(session, Result(PQexec(connection(session), text.c_str())), sql);
}

constexpr std::string_view kSavepoint = "SAVEPOINT nested_transaction";
constexpr std::string_view kRelease = "RELEASE nested_transaction";

void PostgresDatabase::begin() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  session.deferred.emplace_back("BEGIN");
}

void PostgresDatabase::commit() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!session.in_transaction) {  // its BEGIN never reached the server: nothing was written
    session.deferred.clear();
    return;
  }
  auto result = send(session, "COMMIT", {});
  session.in_transaction = false;
  // A transaction that failed earlier ends with COMMIT answered "ROLLBACK": nothing was written.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT")
    throw StoreError("the transaction was rolled back by the server");
}

void PostgresDatabase::rollback() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  session.deferred.clear();
  // Never begun on the server, or ended with its session: nothing to undo.
  if (!std::exchange(session.in_transaction, false) || session.broken) return;
  send(session, "ROLLBACK", {});
}

void PostgresDatabase::savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  session.deferred.emplace_back(kSavepoint);
}

void PostgresDatabase::release_savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!session.deferred.empty() && session.deferred.back() == kSavepoint) session.deferred.pop_back();
  else session.deferred.emplace_back(kRelease);
}

void PostgresDatabase::rollback_to_savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!session.deferred.empty() && session.deferred.back() == kSavepoint) {
    session.deferred.pop_back();
    return;
  }
  session.deferred.emplace_back("ROLLBACK TO nested_transaction");
  session.deferred.emplace_back(kRelease);
}

// Inside a write transaction the reads already see one state with its own writes: only a snapshot
// of its own opens a transaction.
void PostgresDatabase::begin_snapshot() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (session.depth > 0 || session.in_snapshot) return;
  session.deferred.emplace_back("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  session.in_snapshot = true;
}

void PostgresDatabase::end_snapshot() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!std::exchange(session.in_snapshot, false)) return;
  session.deferred.clear();
  if (!std::exchange(session.in_transaction, false) || session.broken) return;
  send(session, "COMMIT", {});
}

std::string PostgresDatabase::health() {
  if (healthy_) return {};
  std::lock_guard lock(problem_mutex_);
  return "PostgreSQL is unavailable: " + last_problem_;
}

// One key for every cinema schema: migrations of different services do not overlap in time anyway.
constexpr std::string_view kSchemaLockKey = "7216380123";

void PostgresDatabase::lock_schema() { run(fmt::format("SELECT pg_advisory_lock({})", kSchemaLockKey), {}); }
void PostgresDatabase::unlock_schema() { run(fmt::format("SELECT pg_advisory_unlock({})", kSchemaLockKey), {}); }

// A session-level advisory lock per role (its key: a hash of the role's name): held until the
// session ends, so a process that dies or loses its connection hands the role on by itself. The
// lock is the asking thread's connection's: the relay asks from its own thread.
bool PostgresDatabase::try_lead(std::string_view role) {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  std::string name(role);
  if (session.leading.contains(name) && !session.broken) return true;
  auto rows = query("SELECT pg_try_advisory_lock(hashtext($1))", {"cinema.lead." + name});
  bool leads = !rows.empty() && rows.front().integer(0) == 1;
  if (leads) session.leading.insert(name);
  return leads;
}
}  // namespace

std::unique_ptr<Database> open_postgres(const std::string& url, PostgresOptions options) {
  return std::make_unique<PostgresDatabase>(url, options);
}

}  // namespace cinema::store
