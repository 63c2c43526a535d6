#pragma once
// Transactional outbox: a service stores its state change and the events it causes in one local
// transaction (same database), so an event exists if and only if its change was committed. The
// relay (relay.hpp) later copies outbox rows to the bus in id order and deletes them.
#include <cstdint>
#include <span>
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
  // Removes exactly these rows (they were published), never a row between them that was not read:
  // with several processes on one database server, a row with a lower id may commit after a higher
  // one was read, and must wait for the next batch rather than vanish.
  void remove_published(std::span<const OutboxRow> rows);
  [[nodiscard]] std::int64_t backlog() const;
  // Whether this process's relay publishes the outbox now: one at a time among the processes of a
  // service that share its database, so events leave in the order they were stored.
  [[nodiscard]] bool relay_leads() { return db_.try_lead("outbox-relay"); }
  [[nodiscard]] store::Database& db() { return db_; }

 private:
  store::Database& db_;
};

}  // namespace cinema::events
