#include "core/http/errors.hpp"

#include <nlohmann/json.hpp>

namespace cinema::http {

std::string error_body(std::string_view code, std::string_view message) {
  return nlohmann::json{{"error", code}, {"message", message}}.dump(-1, ' ', false,
                                                                    nlohmann::json::error_handler_t::replace);
}

std::string error_code_of(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object()) return {};
  auto code = parsed.find("error");
  return code != parsed.end() && code->is_string() ? code->get<std::string>() : std::string{};
}

}  // namespace cinema::http
