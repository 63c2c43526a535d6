#include "services/viewpage/view_lag.hpp"

#include <algorithm>
#include <charconv>

#include "core/time.hpp"

namespace cinema::viewpage {
namespace {
// `text` is known to be all digits here.
unsigned digits(std::string_view text, std::size_t at, std::size_t count) {
  unsigned value = 0;
  std::from_chars(text.data() + at, text.data() + at + count, value);
  return value;
}
}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_seed_timestamp(std::string_view text) {
  using namespace std::chrono;
  if (text.size() != 14 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  auto date = year{static_cast<int>(digits(text, 0, 4))} / month{digits(text, 4, 2)} / day{digits(text, 6, 2)};
  auto hh = digits(text, 8, 2), mm = digits(text, 10, 2), ss = digits(text, 12, 2);
  if (!date.ok() || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return sys_days{date} + hours{hh} + minutes{mm} + seconds{ss};
}

Lag lag_of(const std::optional<ViewMeta>& meta, std::chrono::system_clock::time_point now) {
  if (!meta) return {};
  Lag lag{meta->last_event_offset, meta->last_event_at, std::nullopt};
  if (auto at = parse_seed_timestamp(meta->last_event_at)) {
    lag.last_event_at = iso_utc(*at);
    lag.lag_seconds = std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(now - *at).count());
  }
  return lag;
}

}  // namespace cinema::viewpage
