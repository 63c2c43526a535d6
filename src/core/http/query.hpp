#pragma once
#include <cstdint>
#include <string_view>

#include "core/http/message.hpp"

namespace cinema::http {

// A whole-number query parameter (?limit=10): `fallback` when absent, BadRequest naming it when it
// is not a number from `min` to `max`.
std::int64_t query_integer(const Request& request, std::string_view name, std::int64_t fallback, std::int64_t min,
                           std::int64_t max);

}  // namespace cinema::http
