#include "core/http/query.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/http/errors.hpp"

namespace cinema::http {

std::int64_t query_integer(const Request& request, std::string_view name, std::int64_t fallback, std::int64_t min,
                           std::int64_t max) {
  auto text = request.query_param(name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc{} || end != text->data() + text->size() || value < min || value > max)
    throw BadRequest(std::string(name), fmt::format("must be an integer from {} to {}", min, max));
  return value;
}

Page page_of(const Request& request) {
  return Page{query_integer(request, "limit", 100, 1, 1000), query_integer(request, "offset", 0, 0, INT64_MAX)};
}

}  // namespace cinema::http
