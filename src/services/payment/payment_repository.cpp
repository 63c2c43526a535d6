#include "services/payment/payment_repository.hpp"

#include "events/inbox.hpp"
#include "events/outbox.hpp"

namespace cinema::payment {
namespace {
// The card number is not stored: the processor decided on it and nothing later needs it.
constexpr store::Migration kMigrations[] = {
    {1, "create payments", R"sql(
      CREATE TABLE payments (
        pay_id      INTEGER PRIMARY KEY AUTOINCREMENT,
        rsv_id      INTEGER NOT NULL UNIQUE,
        movie_id    INTEGER NOT NULL,
        status      TEXT    NOT NULL,
        amount      INTEGER NOT NULL,
        customer_id TEXT    NOT NULL,
        reason      TEXT    NOT NULL,
        version     INTEGER NOT NULL
      );
    )sql"},
    {2, "create outbox", events::kOutboxSchema},
    {3, "create inbox", events::kInboxSchema},
    // A pending payment (a slow card processor) is decided once decide_at is reached, by whichever
    // process of the service is running then: the time is data, not a timer lost in a crash.
    {4, "pending payments", R"sql(
      ALTER TABLE payments ADD COLUMN decide_at TEXT;
      CREATE INDEX payments_pending ON payments (status, decide_at);
    )sql"},
};

constexpr std::string_view kInsert =
    "INSERT INTO payments (rsv_id, movie_id, status, amount, customer_id, reason, version, decide_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING pay_id";
constexpr std::string_view kInsertFirst =
    "INSERT INTO payments (rsv_id, movie_id, status, amount, customer_id, reason, version, decide_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (rsv_id) DO NOTHING RETURNING pay_id";
constexpr std::string_view kDuePending =
    "SELECT pay_id, rsv_id, movie_id, status, amount, customer_id, reason, version FROM payments "
    "WHERE status = 'pending' AND decide_at <= $1 ORDER BY pay_id LIMIT 100";
constexpr std::string_view kFindById =
    "SELECT pay_id, rsv_id, movie_id, status, amount, customer_id, reason, version FROM payments WHERE pay_id = $1";
constexpr std::string_view kFindByRsv =
    "SELECT pay_id, rsv_id, movie_id, status, amount, customer_id, reason, version FROM payments WHERE rsv_id = $1";
constexpr std::string_view kListPage =
    "SELECT pay_id, rsv_id, movie_id, status, amount, customer_id, reason, version FROM payments "
    // The casts tell PostgreSQL what type a parameter that may be NULL has (SQLite reads BIGINT as INTEGER).
    "WHERE (CAST($1 AS BIGINT) IS NULL OR rsv_id = $1) AND (CAST($4 AS TEXT) IS NULL OR customer_id = $4) "
    "ORDER BY pay_id LIMIT $2 OFFSET $3";
// A compare-and-set on the version read: every change makes the next version.
constexpr std::string_view kUpdate =
    "UPDATE payments SET status = $2, reason = $3, version = $4 WHERE pay_id = $1 AND version = $4 - 1";

contracts::PaymentState payment_from_row(const store::Row& row) {
  return contracts::PaymentState{row.integer(0), row.integer(1), row.integer(2), row.text(3),
                                 row.integer(4), row.text(5),    row.text(6),    row.integer(7)};
}

std::optional<contracts::PaymentState> first_of(const store::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return payment_from_row(rows.front());
}
}  // namespace

std::span<const store::Migration> payment_migrations() { return kMigrations; }

contracts::PaymentState PaymentRepository::insert(const contracts::PaymentState& p, const std::string& decide_at) {
  store::Value due = decide_at.empty() ? store::Value(nullptr) : store::Value(decide_at);
  auto rows = db_.query(kInsert, {p.rsv_id, p.movie_id, p.status, p.amount, p.customer_id, p.reason, p.version, due});
  auto stored = p;
  stored.pay_id = rows.at(0).integer(0);
  return stored;
}

std::optional<contracts::PaymentState> PaymentRepository::insert_first(const contracts::PaymentState& p,
                                                                       const std::string& decide_at) {
  store::Value due = decide_at.empty() ? store::Value(nullptr) : store::Value(decide_at);
  auto rows = db_.query(kInsertFirst, {p.rsv_id, p.movie_id, p.status, p.amount, p.customer_id, p.reason, p.version, due});
  if (rows.empty()) return std::nullopt;
  auto stored = p;
  stored.pay_id = rows.front().integer(0);
  return stored;
}

std::optional<contracts::PaymentState> PaymentRepository::find(std::int64_t pay_id) const {
  return first_of(db_.query(kFindById, {pay_id}));
}

std::optional<contracts::PaymentState> PaymentRepository::find_by_rsv(std::int64_t rsv_id) const {
  return first_of(db_.query(kFindByRsv, {rsv_id}));
}

std::vector<contracts::PaymentState> PaymentRepository::list(std::optional<std::int64_t> rsv_id,
                                                             const std::optional<std::string>& customer_id,
                                                             std::int64_t limit, std::int64_t offset) const {
  store::Value filter = rsv_id ? store::Value(*rsv_id) : store::Value(nullptr);
  store::Value customer = customer_id ? store::Value(*customer_id) : store::Value(nullptr);
  std::vector<contracts::PaymentState> payments;
  for (const auto& row : db_.query(kListPage, {filter, limit, offset, customer}))
    payments.push_back(payment_from_row(row));
  return payments;
}

std::vector<contracts::PaymentState> PaymentRepository::due_pending(const std::string& now_iso) const {
  std::vector<contracts::PaymentState> payments;
  for (const auto& row : db_.query(kDuePending, {now_iso})) payments.push_back(payment_from_row(row));
  return payments;
}

bool PaymentRepository::update(const contracts::PaymentState& p) {
  return db_.execute(kUpdate, {p.pay_id, p.status, p.reason, p.version}) == 1;
}

}  // namespace cinema::payment
