#include "core/json.hpp"

#include <algorithm>
#include <charconv>

#include "core/http/errors.hpp"

namespace cinema::json {
namespace {
const Json* find_field(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::int64_t> digits_to_id(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1) return std::nullopt;
  return value;
}
}  // namespace

Json parse_object(std::string_view body) {
  if (body.empty()) throw http::BadRequest("", "request body must be a JSON object, got an empty body");
  Json value = Json::parse(body, nullptr, false);
  if (value.is_discarded()) throw http::BadRequest("", "request body is not valid JSON");
  if (!value.is_object()) throw http::BadRequest("", "request body must be a JSON object");
  return value;
}

std::optional<std::string> optional_string(const Json& object, std::string_view field) {
  const Json* value = find_field(object, field);
  if (!value) return std::nullopt;
  if (!value->is_string()) throw http::BadRequest(std::string(field), "must be a string");
  return value->get<std::string>();
}

bool is_int64(const Json& value) {
  return value.is_number_integer() &&
         !(value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX));
}

std::optional<std::int64_t> optional_id(const Json& object, std::string_view field) {
  const Json* value = find_field(object, field);
  if (!value) return std::nullopt;
  std::optional<std::int64_t> id;
  if (is_int64(*value)) {
    auto number = value->get<std::int64_t>();
    if (number >= 1) id = number;
  } else if (value->is_string()) {
    id = digits_to_id(value->get_ref<const std::string&>());
  }
  if (!id) throw http::BadRequest(std::string(field), "must be a positive integer id");
  return id;
}

std::optional<std::int64_t> optional_integer(const Json& object, std::string_view field) {
  const Json* value = find_field(object, field);
  if (!value) return std::nullopt;
  if (!is_int64(*value)) throw http::BadRequest(std::string(field), "must be an integer");
  return value->get<std::int64_t>();
}

std::string require_string(const Json& object, std::string_view field) {
  auto value = optional_string(object, field);
  if (!value) throw http::BadRequest(std::string(field), "is required");
  return *value;
}

std::int64_t require_id(const Json& object, std::string_view field) {
  auto value = optional_id(object, field);
  if (!value) throw http::BadRequest(std::string(field), "is required");
  return *value;
}

void reject_unknown_fields(const Json& object, std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw http::BadRequest(key, "unknown field");
}

std::int64_t parse_id(std::string_view text, std::string_view name) {
  auto id = digits_to_id(text);
  if (!id) throw http::BadRequest(std::string(name), "must be a positive integer id, got '" + std::string(text) + "'");
  return *id;
}

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace cinema::json
