#pragma once
// How far behind the event log the view page is (SPEC §3: it reports its own lag): the offset and
// the producer's timestamp of the last event it applied, and the seconds from that timestamp to now.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cinema::viewpage {

struct ViewMeta {
  std::int64_t last_event_offset = -1;
  std::string last_event_at;  // the event's "timestamp", as the seed writes it: yyyyMMddHHmmss, UTC
};

struct Lag {
  std::optional<std::int64_t> last_event_offset;  // all three null before the first event
  std::optional<std::string> last_event_at;       // ISO 8601 UTC
  std::optional<std::int64_t> lag_seconds;
};

// Reads "20220407055544" (contracts::seed_timestamp's form); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_seed_timestamp(std::string_view text);
// Never negative: producers' clocks may run ahead of ours.
Lag lag_of(const std::optional<ViewMeta>& meta, std::chrono::system_clock::time_point now);

}  // namespace cinema::viewpage
