// How statements reach PostgreSQL: each prepared once per session, transaction control and
// deferred writes sent with the next statement in one pipeline, and the server's errors turned
// into the store's exceptions.
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/postgres_database.hpp"

namespace cinema::store::postgres {

void PostgresDatabase::fail(Connected& session, const PGresult* result, std::string_view sql, bool own_statement) {
  PGconn* conn = session.connection.get();
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string code = state ? state : "";
  std::string message = first_line(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  if (message.empty()) message = first_line(PQerrorMessage(conn));
  auto text = message + (code.empty() ? "" : " [" + code + "]") + " in: " + std::string(sql);
  // 23: integrity constraint violation (unique, foreign key, check, not null). Only the caller's
  // own statement's: a deferred write's would read as the answer to the statement it went with
  // (a seat already held), so it fails the transaction as a plain error.
  if (code.starts_with("23")) {
    if (own_statement) throw ConstraintViolation(text);
    throw StoreError(text + " (a deferred write)");
  }
  // 08: connection exception; 57P0x: the server is shutting down or restarting; 53: out of
  // resources; 40001/40P01: serialization failure, deadlock (a retry may succeed).
  // The session is lost, too, when a pipeline's end never came back (`broken`, set by the caller),
  // or the server's error is FATAL, whatever its code or with none: a server shutting down
  // ("terminating connection due to administrator command") ends a pipeline's COMMIT so, before
  // libpq has seen the socket close. Seen as a 500 in the restart test; it is a 503.
  bool lost = session.broken || PQstatus(conn) != CONNECTION_OK || message.starts_with("FATAL");
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

namespace {
std::string statement_text(std::string_view sql) {
  return is_schema_statement(sql) ? postgres_schema(sql) : std::string(sql);
}

// A statement whose PREPARE among `steps` did not succeed (failed, skipped after a failure, or
// dropped unsent) is not prepared on the session.
void forget_unprepared(std::unordered_map<std::string, std::string>& prepared, std::span<const Step> steps) {
  for (const auto& step : steps)
    if (step.kind == Step::prepare && !step.done) prepared.erase(step.origin);
}
}  // namespace

// What nobody waits on is not sent by itself: transaction control (BEGIN, SAVEPOINT, RELEASE) and
// deferred writes (execute_deferred: outbox rows) wait in `deferred` and go with the session's
// next statement in one pipeline, one round trip. A transaction then costs a round trip per
// statement whose answer is read, plus its COMMIT; what never meets a statement (an empty
// savepoint, a transaction that wrote nothing) is never sent at all.
Result PostgresDatabase::send(Connected& session, std::string_view sql, std::initializer_list<Value> params) {
  auto* conn = connection(session);
  if (session.deferred.empty()) {
    // Utility statements (SAVEPOINT, BEGIN, DDL) cannot be prepared; without parameters the
    // simple protocol costs the same one round trip.
    if (params.size() == 0) return checked(session, Result(PQexec(conn, statement_text(sql).c_str())), sql);
    if (auto found = session.prepared.find(std::string(sql)); found != session.prepared.end()) {
      TextParams values(params);
      return checked(session,
                     Result(PQexecPrepared(conn, found->second.c_str(), values.count(), values.values(), nullptr,
                                           nullptr, 0)),
                     sql);
    }
  }
  auto steps = take_deferred(session);
  add_statement(session, steps, sql, params);
  return pipelined(session, conn, steps);
}

void PostgresDatabase::add_statement(Connected& session, std::vector<Step>& steps, std::string_view sql,
                                     std::initializer_list<Value> params) {
  std::string origin(sql);
  if (params.size() == 0) {
    steps.push_back({Step::plain, statement_text(sql), {}, std::move(origin)});
    return;
  }
  auto [found, added] = session.prepared.try_emplace(origin);
  if (added) {
    // Counted as prepared from now on, so that the same SQL later in this pipeline is not prepared
    // twice; pipelined() and drop_deferred() forget it if its PREPARE never succeeds.
    found->second = "s" + std::to_string(session.statements_named++);
    steps.push_back({Step::prepare, statement_text(sql), found->second, origin});
  }
  steps.push_back({Step::execute, {}, found->second, std::move(origin), std::make_shared<const TextParams>(params)});
}

void PostgresDatabase::execute_deferred(std::string_view sql, std::initializer_list<Value> params) {
  auto& session = current();
  std::lock_guard lock(session.mutex);
  if (session.depth == 0) {  // no transaction: nothing later is sure to carry it
    send(session, sql, params);
    return;
  }
  auto first = session.deferred.size();
  add_statement(session, session.deferred, sql, params);
  for (auto i = first; i < session.deferred.size(); ++i) session.deferred[i].deferred_write = true;
}

void PostgresDatabase::defer_control(Connected& session, std::string_view statement) {
  session.deferred.push_back({Step::plain, std::string(statement), {}, "transaction control"});
}

std::vector<Step> PostgresDatabase::take_deferred(Connected& session) {
  for (const auto& step : session.deferred)
    if (step.kind == Step::plain && step.text.starts_with("BEGIN")) session.in_transaction = true;
  return std::exchange(session.deferred, {});
}

void PostgresDatabase::drop_deferred(Connected& session, std::size_t first) {
  auto& deferred = session.deferred;
  first = std::min(first, deferred.size());
  forget_unprepared(session.prepared, std::span<const Step>(deferred).subspan(first));
  deferred.resize(first);
}

void PostgresDatabase::drop_deferred_writes(Connected& session) {
  auto& deferred = session.deferred;
  auto writes = std::stable_partition(deferred.begin(), deferred.end(),
                                      [](const Step& step) { return !step.deferred_write; });
  drop_deferred(session, static_cast<std::size_t>(writes - deferred.begin()));
}

void PostgresDatabase::flush(Connected& session) {
  if (session.deferred.empty()) return;
  auto* conn = connection(session);
  auto steps = take_deferred(session);
  pipelined(session, conn, steps);
}

// Sends every step, then one Sync, and reads each step's result: the first failure is thrown once
// the pipeline is read to its end (the steps after it were skipped by the server).
Result PostgresDatabase::pipelined(Connected& session, PGconn* conn, std::vector<Step>& steps) {
  struct ForgetUnprepared {  // however the pipeline ends
    Connected& session;
    const std::vector<Step>& steps;
    ~ForgetUnprepared() { forget_unprepared(session.prepared, steps); }
  } forget{session, steps};
  std::string_view origin = steps.back().origin;
  if (!PQenterPipelineMode(conn)) fail(session, nullptr, origin);
  bool sent = true;
  for (const auto& step : steps) {
    if (step.kind == Step::plain)
      sent = PQsendQueryParams(conn, step.text.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    else if (step.kind == Step::prepare)
      sent = PQsendPrepare(conn, step.name.c_str(), step.text.c_str(), 0, nullptr) == 1;
    else
      sent = PQsendQueryPrepared(conn, step.name.c_str(), step.params->count(), step.params->values(), nullptr,
                                 nullptr, 0) == 1;
    if (!sent) break;
  }
  if (!sent || PQpipelineSync(conn) != 1) {
    session.broken = true;  // the pipeline's state is unknown: this connection is done
    fail(session, nullptr, origin);
  }
  Result last, failure;
  const Step* failed = nullptr;
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
        failed = &step;
      }
      continue;
    }
    last = std::move(result);
  }
  std::string_view failed_at = failed ? std::string_view(failed->origin) : origin;
  bool own_statement = !failed || !failed->deferred_write;
  Result sync(in_order ? PQgetResult(conn) : nullptr);
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC || PQexitPipelineMode(conn) != 1) {
    session.broken = true;
    fail(session, failure.get(), failed_at, own_statement);
  }
  if (failure) fail(session, failure.get(), failed_at, own_statement);
  return last;
}

}  // namespace cinema::store::postgres
