#include "core/http/errors.hpp"

#include <nlohmann/json.hpp>

namespace cinema::http {

std::string error_body(std::string_view code, std::string_view message) {
  return nlohmann::json{{"error", code}, {"message", message}}.dump(-1, ' ', false,
                                                                    nlohmann::json::error_handler_t::replace);
}

}  // namespace cinema::http
