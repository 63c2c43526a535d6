#include "store/database.hpp"

#include <chrono>
#include <ctime>
#include <string>

namespace cinema::store {
namespace {
std::string_view type_name(const Value& value) {
  constexpr std::string_view names[] = {"NULL", "integer", "real", "text"};
  return names[value.index()];
}

// Row keeps its cells private, so the accessors share this lookup to report a bad column as a
// StoreError rather than a bare std::out_of_range.
const Value& cell(const std::vector<Value>& values, std::size_t column) {
  if (column >= values.size())
    throw StoreError("column " + std::to_string(column) + " out of range (row has " +
                     std::to_string(values.size()) + ")");
  return values[column];
}

template <typename T>
const T& cell_as(const std::vector<Value>& values, std::size_t column, std::string_view wanted) {
  const Value& value = cell(values, column);
  if (const T* held = std::get_if<T>(&value)) return *held;
  throw StoreError("column " + std::to_string(column) + " is " + std::string(type_name(value)) + ", not " +
                   std::string(wanted));
}
}  // namespace

bool Row::is_null(std::size_t column) const {
  return std::holds_alternative<std::nullptr_t>(cell(values_, column));
}

std::int64_t Row::integer(std::size_t column) const {
  return cell_as<std::int64_t>(values_, column, "integer");
}

double Row::real(std::size_t column) const {
  // An integer is a real without loss; expressions such as SUM over whole numbers yield one.
  if (const auto* whole = std::get_if<std::int64_t>(&cell(values_, column)))
    return static_cast<double>(*whole);
  return cell_as<double>(values_, column, "real");
}

std::string Row::text(std::size_t column) const {
  return cell_as<std::string>(values_, column, "text");
}

std::optional<std::int64_t> Row::optional_integer(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<std::string> Row::optional_text(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

void Database::savepoint() { execute("SAVEPOINT nested_transaction"); }
void Database::release_savepoint() { execute("RELEASE nested_transaction"); }
void Database::rollback_to_savepoint() {
  execute("ROLLBACK TO nested_transaction");
  execute("RELEASE nested_transaction");
}

Transaction::Transaction(Database& db)
    : db_(db), session_(db.session()), lock_(session_.mutex), nested_(session_.depth > 0) {
  if (nested_)
    db_.savepoint();
  else
    db_.begin();
  if (session_.depth++ == 0) session_.owner = std::this_thread::get_id();
}

Transaction::~Transaction() {
  if (done_) return;
  // Throwing here while another exception unwinds would terminate the process, and an uncommitted
  // transaction is never made durable, so a failed rollback loses nothing that was promised.
  try {
    if (nested_) {
      db_.rollback_to_savepoint();
    } else {
      db_.rollback();
    }
  } catch (...) {
  }
  leave();
}

void Transaction::commit() {
  if (done_) throw StoreError("transaction already committed");
  if (nested_)
    db_.release_savepoint();
  else
    db_.commit();
  done_ = true;
  leave();
}

void Transaction::leave() {
  if (--session_.depth == 0) session_.owner = std::thread::id{};
}

ReadSnapshot::ReadSnapshot(Database& db) : db_(db), lock_(db.mutex()) { db_.begin_snapshot(); }

ReadSnapshot::~ReadSnapshot() {
  try {
    db_.end_snapshot();
  } catch (...) {  // a read-only transaction has nothing to lose; a broken connection ends it anyway
  }
}

std::string Database::health() {
  try {
    query("SELECT 1");
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

namespace {
constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

void require_increasing_versions(std::span<const Migration> migrations) {
  for (std::size_t i = 1; i < migrations.size(); ++i)
    if (migrations[i].version <= migrations[i - 1].version)
      throw StoreError("migration versions must increase: " + std::to_string(migrations[i].version) +
                       " follows " + std::to_string(migrations[i - 1].version));
}

std::optional<std::int64_t> recorded_version(Database& db) {
  return db.query("SELECT MAX(version) FROM schema_migrations").at(0).optional_integer(0);
}

bool is_pending(const Migration& migration, std::optional<std::int64_t> recorded) {
  return !recorded || migration.version > *recorded;
}

std::string utc_timestamp() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[sizeof "YYYY-MM-DDTHH:MM:SSZ"];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

void apply(Database& db, const Migration& migration) {
  Transaction transaction(db);
  // Re-read under the write lock: another process migrating the same file may have got here first.
  if (!is_pending(migration, recorded_version(db))) return;
  db.execute_script(migration.sql);
  db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
             {std::int64_t{migration.version}, std::string(migration.name), utc_timestamp()});
  transaction.commit();
}
}  // namespace

void migrate(Database& db, std::span<const Migration> migrations) {
  require_increasing_versions(migrations);
  std::lock_guard lock(db.mutex());
  db.lock_schema();
  struct Unlock {
    Database& db;
    ~Unlock() {
      try {
        db.unlock_schema();
      } catch (...) {  // the lock goes with the connection anyway
      }
    }
  } unlock{db};
  db.execute(kCreateMigrationsTable);
  const auto recorded = recorded_version(db);
  for (const auto& migration : migrations) {
    if (!is_pending(migration, recorded)) continue;
    try {
      apply(db, migration);
    } catch (const StoreError& error) {
      throw StoreError("migration " + std::to_string(migration.version) + " (" + std::string(migration.name) +
                       ") failed: " + error.what());
    }
  }
}

}  // namespace cinema::store
