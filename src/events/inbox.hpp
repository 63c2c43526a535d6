#pragma once
// Idempotent consumer: the ids of applied events are stored in the same transaction as their
// effect, so an event delivered twice (after a crash or a rebalance) has exactly one effect.
#include <functional>
#include <string_view>

#include "events/event.hpp"
#include "store/database.hpp"

namespace cinema::events {

// Add to a consuming service's own migrations.
inline constexpr std::string_view kInboxSchema = R"sql(
  CREATE TABLE inbox (
    event_id   TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    log_offset INTEGER NOT NULL
  );
)sql";

enum class InboxOutcome { applied, duplicate };

// Runs `effect` and records the event in one transaction; an already recorded event is skipped.
// If `effect` throws, nothing of it is kept and the exception propagates.
InboxOutcome apply_once(store::Database& db, const Event& event, const std::function<void()>& effect);

// The same inside a transaction the caller holds (many events, one commit). If `effect` throws,
// the caller must roll that transaction back: the event's record and part of its effect are in it.
InboxOutcome apply_once_within(store::Database& db, const Event& event, const std::function<void()>& effect);

}  // namespace cinema::events
