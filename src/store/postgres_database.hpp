#pragma once
// The PostgreSQL backend's class, private to src/store: postgres.cpp holds its connections,
// transactions and roles; postgres_pipeline.cpp how statements reach the server (prepared once,
// transaction control pipelined with the next statement) and how its errors are classified.
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <libpq-fe.h>

#include "core/blocking.hpp"
#include "store/database.hpp"
#include "store/postgres_text.hpp"

namespace cinema::store::postgres {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
using PgConnection = std::unique_ptr<PGconn, ConnectionDeleter>;

// The first line of a libpq message (they end with a newline, some have a detail line after).
std::string first_line(const char* text);

// One command of a pipeline (postgres_pipeline.cpp).
struct Step {
  enum Kind { plain, prepare, execute } kind;
  std::string text;  // plain: the SQL; prepare: the SQL to prepare as `name`; execute: unused
  std::string name;  // prepare, execute: the statement's name
  std::string origin;  // the SQL that error messages name
  std::shared_ptr<const TextParams> params = {};  // execute: its parameters
  // Queued by execute_deferred: its failure is reported by a later statement, not as that one's.
  bool deferred_write = false;
  bool done = false;  // the server carried it out
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, PostgresOptions options);
  ~PostgresDatabase() override;

  Rows query(std::string_view sql, std::initializer_list<Value> params) override;
  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params) override;
  void execute_deferred(std::string_view sql, std::initializer_list<Value> params) override;
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
    // Transaction control and deferred writes waiting to go with the next statement (see send()).
    std::vector<Step> deferred;
    // SQL text -> statement name; a statement whose PREPARE waits in `deferred` is here already.
    std::unordered_map<std::string, std::string> prepared;
    int statements_named = 0;                  // prepared statements are named s0, s1, ...
    std::unordered_set<std::string> leading;  // roles whose advisory lock this session holds
  };

  Connected& current();
  Result run(std::string_view sql, std::initializer_list<Value> params);
  Result send(Connected& session, std::string_view sql, std::initializer_list<Value> params);
  // Appends the steps that run `sql` (its PREPARE first, the first time the session meets it).
  void add_statement(Connected& session, std::vector<Step>& steps, std::string_view sql,
                     std::initializer_list<Value> params);
  Result pipelined(Connected& session, PGconn* conn, std::vector<Step>& steps);
  void flush(Connected& session);
  std::vector<Step> take_deferred(Connected& session);
  // Forgets the deferred steps from `first` on, unsent (and the statements they would have prepared).
  void drop_deferred(Connected& session, std::size_t first = 0);
  // Forgets the deferred writes only, keeping the transaction control around them.
  void drop_deferred_writes(Connected& session);
  void defer_control(Connected& session, std::string_view statement);
  Result checked(Connected& session, Result result, std::string_view sql);
  // own_statement: false when the failed statement was a deferred write sent with another one.
  [[noreturn]] void fail(Connected& session, const PGresult* result, std::string_view sql, bool own_statement = true);
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

}  // namespace cinema::store::postgres
