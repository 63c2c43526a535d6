#pragma once
#include <cstdint>
#include <string_view>

#include "core/http/message.hpp"

namespace cinema::http {

// A whole-number query parameter (?limit=10): `fallback` when absent, BadRequest naming it when it
// is not a number from `min` to `max`.
std::int64_t query_integer(const Request& request, std::string_view name, std::int64_t fallback, std::int64_t min,
                           std::int64_t max);

// ?limit=&offset= of a list: limit 1..1000 (default 100), offset from 0.
struct Page {
  std::int64_t limit;
  std::int64_t offset;
};
Page page_of(const Request& request);

}  // namespace cinema::http
