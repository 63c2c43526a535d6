#include "core/time.hpp"

#include <cstdio>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace cinema {

std::string iso_utc(std::chrono::system_clock::time_point when) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(when)));
}

namespace {
constexpr int kFirstYear = 1970, kLastYear = 2200;
}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso_utc(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  std::tm parts{};
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ", &parts.tm_year, &parts.tm_mon, &parts.tm_mday,
                  &parts.tm_hour, &parts.tm_min, &parts.tm_sec) != 6)
    return std::nullopt;
  // A system_clock time point counts nanoseconds in 64 bits: it reaches from 1678 to 2262 only.
  if (parts.tm_year < kFirstYear || parts.tm_year > kLastYear) return std::nullopt;
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  std::tm normalized = parts;
  auto seconds = ::timegm(&normalized);
  // timegm normalizes out-of-range fields (Feb 30 -> Mar 2): such input is not a real time.
  if (seconds == -1 || normalized.tm_mday != parts.tm_mday || normalized.tm_mon != parts.tm_mon ||
      normalized.tm_hour != parts.tm_hour || normalized.tm_min != parts.tm_min || normalized.tm_sec != parts.tm_sec)
    return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace cinema
