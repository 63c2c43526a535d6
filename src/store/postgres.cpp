#include <algorithm>
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "core/thread_role.hpp"
#include "store/postgres_database.hpp"

namespace cinema::store {
namespace postgres {

std::string first_line(const char* text) {
  std::string line(text ? text : "");
  if (auto end = line.find('\n'); end != std::string::npos) line.resize(end);
  return line;
}

namespace {
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
}  // namespace

PostgresDatabase::PostgresDatabase(std::string url, PostgresOptions options)
    : url_(std::move(url)), options_(options), pool_(static_cast<std::size_t>(std::max(1, options.pool_threads))) {
  // The opening thread connects at once: a server that cannot be reached fails the start.
  auto& opener = current();
  std::string problem;
  opener.connection = connect(url_, options_, problem);
  if (!opener.connection) throw StoreUnavailable("cannot connect to PostgreSQL: " + problem);
  healthy_ = true;
  watcher_ = std::thread([this] {
    run_as_background("pg-watcher");
    keep_connected();
  });
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

namespace {
bool is_control(const std::vector<Step>& steps, std::size_t at, std::string_view statement) {
  return steps[at].kind == Step::plain && !steps[at].deferred_write && steps[at].text == statement;
}
bool holds_writes(const std::vector<Step>& steps) {
  return std::any_of(steps.begin(), steps.end(), [](const auto& step) { return step.deferred_write; });
}
}  // namespace

void PostgresDatabase::begin() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  defer_control(session, "BEGIN");
}

void PostgresDatabase::commit() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!session.in_transaction && !holds_writes(session.deferred)) {
    drop_deferred(session);  // its BEGIN never reached the server: nothing was written
    return;
  }
  Result result;
  try {
    result = send(session, "COMMIT", {});
  } catch (const StoreConflict&) {
    throw;  // the server refused the COMMIT: nothing was written
  } catch (const StoreUnavailable& e) {
    // The session ended with COMMIT sent (or half sent) and its answer not read.
    if (session.broken) throw CommitOutcomeUnknown(std::string(e.what()) + " (the commit's outcome is unknown)");
    throw;
  }
  session.in_transaction = false;
  // A transaction that failed earlier ends with COMMIT answered "ROLLBACK": nothing was written.
  if (std::string_view(PQcmdStatus(result.get())) != "COMMIT")
    throw StoreError("the transaction was rolled back by the server");
}

void PostgresDatabase::rollback() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  drop_deferred(session);
  // Never begun on the server, or ended with its session: nothing to undo.
  if (!std::exchange(session.in_transaction, false) || session.broken) return;
  send(session, "ROLLBACK", {});
}

void PostgresDatabase::savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  defer_control(session, kSavepoint);
}

void PostgresDatabase::release_savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  auto& deferred = session.deferred;
  if (!deferred.empty() && is_control(deferred, deferred.size() - 1, kSavepoint)) {
    deferred.pop_back();  // nothing happened inside it
    return;
  }
  defer_control(session, kRelease);
  // Deferred writes meet their answer inside their savepoint: found failing later, they would be
  // blamed on the next statement, which may be another savepoint's (another reservation's).
  if (holds_writes(deferred)) flush(session);
}

void PostgresDatabase::rollback_to_savepoint() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  auto& deferred = session.deferred;
  // The savepoint never reached the server: it goes unsent with what was deferred inside it.
  for (auto at = deferred.size(); at-- > 0;) {
    if (is_control(deferred, at, kSavepoint)) {
      drop_deferred(session, at);
      return;
    }
  }
  // It did: the writes waiting now were deferred inside it, and are undone by not being sent; the
  // control waiting (an inner savepoint's ROLLBACK TO and RELEASE) still goes, or the ROLLBACK TO
  // below would find the inner savepoint, which has the same name.
  drop_deferred_writes(session);
  defer_control(session, "ROLLBACK TO nested_transaction");
  defer_control(session, kRelease);
}

// Inside a write transaction the reads already see one state with its own writes: only a snapshot
// of its own opens a transaction.
void PostgresDatabase::begin_snapshot() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (session.depth > 0 || session.in_snapshot) return;
  defer_control(session, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  session.in_snapshot = true;
}

void PostgresDatabase::end_snapshot() {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (!std::exchange(session.in_snapshot, false)) return;
  drop_deferred(session);
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
}  // namespace postgres

std::unique_ptr<Database> open_postgres(const std::string& url, PostgresOptions options) {
  return std::make_unique<postgres::PostgresDatabase>(url, options);
}

}  // namespace cinema::store
