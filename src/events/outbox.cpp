#include "events/outbox.hpp"

namespace cinema::events {
namespace {
constexpr std::string_view kAppendToOutbox =
    "INSERT INTO outbox (topic, event_id, event_type, event_key, payload, traceparent) VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kOldest =
    "SELECT id, topic, event_id, event_type, event_key, payload, traceparent FROM outbox ORDER BY id LIMIT $1";
constexpr std::string_view kRemoveRange = "DELETE FROM outbox WHERE id BETWEEN $1 AND $2";
constexpr std::string_view kBacklog = "SELECT count(*) FROM outbox";
}  // namespace

// Nothing reads the insert's answer: on a database server it goes with the transaction's next
// statement or its commit, instead of a round trip of its own.
void Outbox::append(const Event& event, const std::string& topic) {
  db_.execute_deferred(kAppendToOutbox,
                       {topic, event.event_id, event.event_type, event.key, event.payload, event.traceparent});
}

std::vector<OutboxRow> Outbox::oldest(std::int64_t limit) const {
  std::vector<OutboxRow> rows;
  for (const auto& row : db_.query(kOldest, {limit}))
    rows.push_back(OutboxRow{row.integer(0), row.text(1),
                             Event{row.text(2), row.text(3), row.text(4), row.text(5), row.text(6), -1}});
  return rows;
}

void Outbox::remove_published(std::span<const OutboxRow> rows) {
  // Rows come in id order; each run of consecutive ids is one statement (one, unless ids were skipped).
  for (std::size_t start = 0; start < rows.size();) {
    std::size_t end = start + 1;
    while (end < rows.size() && rows[end].id == rows[end - 1].id + 1) ++end;
    db_.execute(kRemoveRange, {rows[start].id, rows[end - 1].id});
    start = end;
  }
}

std::int64_t Outbox::backlog() const { return db_.query(kBacklog).at(0).integer(0); }

}  // namespace cinema::events
