#include "services/message/message_repository.hpp"

#include "events/inbox.hpp"
#include "events/outbox.hpp"

namespace cinema::message {
namespace {
// UNIQUE(event_id) backs up the inbox: even a replayed event cannot store a second message.
constexpr store::Migration kMigrations[] = {
    {1, "create messages", R"sql(
      CREATE TABLE messages (
        message_id      INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id        TEXT    NOT NULL UNIQUE,
        customer_id     TEXT    NOT NULL,
        rsv_id          INTEGER NOT NULL,
        movie_id        INTEGER NOT NULL,
        kind            TEXT    NOT NULL,
        text            TEXT    NOT NULL,
        created_at      TEXT    NOT NULL,
        trace_id        TEXT    NOT NULL,
        delivery        TEXT    NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_ms INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX messages_by_customer ON messages (customer_id, message_id);
      CREATE INDEX messages_due ON messages (delivery, next_attempt_ms);
    )sql"},
    {2, "create outbox", events::kOutboxSchema},
    {3, "create inbox", events::kInboxSchema},
};

// A literal (not a constant) so every statement below stays one compile-time string.
#define MESSAGE_COLUMNS                                                                                         \
  "message_id, event_id, customer_id, rsv_id, movie_id, kind, text, created_at, trace_id, delivery, attempts, " \
  "next_attempt_ms"

constexpr std::string_view kInsert =
    "INSERT INTO messages (event_id, customer_id, rsv_id, movie_id, kind, text, created_at, trace_id, delivery, "
    "attempts, next_attempt_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING message_id";
constexpr std::string_view kFindById = "SELECT " MESSAGE_COLUMNS " FROM messages WHERE message_id = $1";
constexpr std::string_view kListByCustomer =
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE customer_id = $1 ORDER BY message_id LIMIT $2 OFFSET $3";
constexpr std::string_view kListByReservation = "SELECT " MESSAGE_COLUMNS
                                                " FROM messages WHERE customer_id = $1 AND rsv_id = $2 "
                                                "ORDER BY message_id LIMIT $3 OFFSET $4";
constexpr std::string_view kDue = "SELECT " MESSAGE_COLUMNS
                                  " FROM messages WHERE delivery = 'pending' AND next_attempt_ms <= $1 "
                                  "ORDER BY next_attempt_ms, message_id LIMIT $2";
constexpr std::string_view kRecordAttempt =
    "UPDATE messages SET delivery = $2, attempts = $3, next_attempt_ms = $4 WHERE message_id = $1";
#undef MESSAGE_COLUMNS

// Column order of MESSAGE_COLUMNS.
Message message_from_row(const store::Row& row) {
  return Message{row.integer(0), row.text(1), row.text(2), row.integer(3), row.integer(4),  row.text(5),
                 row.text(6),    row.text(7), row.text(8), row.text(9),    row.integer(10), row.integer(11)};
}

std::vector<Message> messages_from(const store::Rows& rows) {
  std::vector<Message> messages;
  messages.reserve(rows.size());
  for (const auto& row : rows) messages.push_back(message_from_row(row));
  return messages;
}
}  // namespace

std::span<const store::Migration> message_migrations() { return kMigrations; }

std::optional<Message> MessageRepository::insert(const Message& m) {
  auto rows = db_.query(kInsert, {m.event_id, m.customer_id, m.rsv_id, m.movie_id, m.kind, m.text, m.created_at,
                                  m.trace_id, m.delivery, m.attempts, m.next_attempt_ms});
  if (rows.empty()) return std::nullopt;
  Message stored = m;
  stored.id = rows.front().integer(0);
  return stored;
}

std::optional<Message> MessageRepository::find(std::int64_t id) const {
  auto rows = db_.query(kFindById, {id});
  if (rows.empty()) return std::nullopt;
  return message_from_row(rows.front());
}

std::vector<Message> MessageRepository::list(const std::string& customer_id, std::optional<std::int64_t> rsv_id,
                                             std::int64_t limit, std::int64_t offset) const {
  if (rsv_id) return messages_from(db_.query(kListByReservation, {customer_id, *rsv_id, limit, offset}));
  return messages_from(db_.query(kListByCustomer, {customer_id, limit, offset}));
}

std::vector<Message> MessageRepository::due(std::int64_t now_ms, std::int64_t limit) const {
  return messages_from(db_.query(kDue, {now_ms, limit}));
}

void MessageRepository::record_attempt(const Message& m) {
  db_.execute(kRecordAttempt, {m.id, m.delivery, m.attempts, m.next_attempt_ms});
}

}  // namespace cinema::message
