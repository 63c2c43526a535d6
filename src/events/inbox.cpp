#include "events/inbox.hpp"

namespace cinema::events {
namespace {
// Recorded before the effect: a repeat is found by this one statement (no change), and a failing
// effect takes the record with it when its transaction rolls back.
constexpr std::string_view kRecord =
    "INSERT INTO inbox (event_id, event_type, log_offset) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING";
}  // namespace

InboxOutcome apply_once(store::Database& db, const Event& event, const std::function<void()>& effect) {
  store::Transaction transaction(db);
  auto outcome = apply_once_within(db, event, effect);
  transaction.commit();
  return outcome;
}

InboxOutcome apply_once_within(store::Database& db, const Event& event, const std::function<void()>& effect) {
  if (db.execute(kRecord, {event.event_id, event.event_type, event.offset}) == 0) return InboxOutcome::duplicate;
  effect();
  return InboxOutcome::applied;
}

}  // namespace cinema::events
