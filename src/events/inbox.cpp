#include "events/inbox.hpp"

namespace cinema::events {
namespace {
constexpr std::string_view kSeen = "SELECT 1 FROM inbox WHERE event_id = $1";
constexpr std::string_view kRecord = "INSERT INTO inbox (event_id, event_type, log_offset) VALUES ($1, $2, $3)";
}  // namespace

InboxOutcome apply_once(store::Database& db, const Event& event, const std::function<void()>& effect) {
  store::Transaction transaction(db);
  auto outcome = apply_once_within(db, event, effect);
  transaction.commit();
  return outcome;
}

InboxOutcome apply_once_within(store::Database& db, const Event& event, const std::function<void()>& effect) {
  if (!db.query(kSeen, {event.event_id}).empty()) return InboxOutcome::duplicate;
  store::Transaction applied(db);  // a savepoint: a failing effect is undone alone
  effect();
  db.execute(kRecord, {event.event_id, event.event_type, event.offset});
  applied.commit();
  return InboxOutcome::applied;
}

}  // namespace cinema::events
