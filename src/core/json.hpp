#pragma once
// Helpers for typed JSON at the edges: parse a request body into an object and read its fields,
// turning every malformed or mistyped input into a BadRequest that names the field.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cinema::json {

// Ordered: responses keep the field order they are written in (movieId first, as in the seed).
using Json = nlohmann::ordered_json;

// The body must be one JSON object; anything else is 400.
Json parse_object(std::string_view body);

// A JSON integer that fits in int64: an unsigned one past INT64_MAX would wrap to a negative one,
// and a float is no integer (casting one past the range is undefined).
bool is_int64(const Json& value);

// Absent or null -> nullopt. Present with the wrong type -> BadRequest naming the field.
std::optional<std::string> optional_string(const Json& object, std::string_view field);
// Ids arrive as integers or, from httpie's `key=value`, as strings of digits; both must be >= 1.
std::optional<std::int64_t> optional_id(const Json& object, std::string_view field);
std::optional<std::int64_t> optional_integer(const Json& object, std::string_view field);

std::string require_string(const Json& object, std::string_view field);
std::int64_t require_id(const Json& object, std::string_view field);

// Rejects fields outside `known` so a typo is an error, not silently ignored data.
void reject_unknown_fields(const Json& object, std::initializer_list<std::string_view> known);

// Parses a path or query id ("42"); anything else is BadRequest naming `name`.
std::int64_t parse_id(std::string_view text, std::string_view name);

std::string dump(const Json& value);

// A JSON array of `to_object(item)` for each item.
template <class Items, class ToObject>
std::string dump_list(const Items& items, ToObject to_object) {
  Json list = Json::array();
  for (const auto& item : items) list.push_back(to_object(item));
  return dump(list);
}

}  // namespace cinema::json
