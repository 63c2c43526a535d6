#pragma once
// Transactional outbox: a service stores its state change and the events it causes in one local
// transaction (same database), so an event exists if and only if its change was committed. The
// relay (relay.hpp) later copies outbox rows to the bus in id order and deletes them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "store/database.hpp"

namespace cinema::events {

// Add to a service's own migrations (as one of its numbered steps).
inline constexpr std::string_view kOutboxSchema = R"sql(
  CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    event_id    TEXT NOT NULL UNIQUE,
    event_type  TEXT NOT NULL,
    event_key   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    traceparent TEXT NOT NULL
  );
)sql";

struct OutboxRow {
  std::int64_t id;
  std::string topic;
  Event event;
};

class Outbox {
 public:
  explicit Outbox(store::Database& db) : db_(db) {}
  // Call inside the transaction of the state change.
  void append(const Event& event, const std::string& topic);
  [[nodiscard]] std::vector<OutboxRow> oldest(std::int64_t limit) const;
  void remove_through(std::int64_t id);  // rows up to and including `id` were published
  [[nodiscard]] std::int64_t backlog() const;
  [[nodiscard]] store::Database& db() { return db_; }

 private:
  store::Database& db_;
};

}  // namespace cinema::events
