#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cinema {

// "2026-11-25T19:00:00Z": ISO 8601 in UTC, second precision. Fixed width, so such strings compare
// in time order as plain text (the stores rely on it).
std::string iso_utc(std::chrono::system_clock::time_point when);
// Parses exactly that form, years 1970 to 2200; nullopt otherwise.
std::optional<std::chrono::system_clock::time_point> parse_iso_utc(std::string_view text);

}  // namespace cinema
