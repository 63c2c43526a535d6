#include "services/gateway/ui_settings.hpp"

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/json.hpp"

namespace cinema::gateway {
namespace {

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

bool is_hex_colour(std::string_view value) {
  if (value.size() != 4 && value.size() != 7) return false;
  if (value[0] != '#') return false;
  for (char c : value.substr(1))
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The colours go into a style sheet: only a plain hex colour can, never arbitrary CSS.
std::string colour(std::string_view key, std::string_view value) {
  if (!is_hex_colour(value)) throw std::invalid_argument("'" + std::string(key) + "' must be a colour like #8a1538");
  return std::string(value);
}

std::string currency(std::string_view value) {
  bool ok = value.size() == 3;
  for (char c : value) ok = ok && c >= 'A' && c <= 'Z';
  if (!ok) throw std::invalid_argument("'currency' must be an ISO 4217 code such as KRW or EUR");
  return std::string(value);
}

}  // namespace

UiSettings parse_ui_properties(std::string_view text, UiSettings settings) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    auto equals = line.find_first_of("=:");
    if (equals == std::string_view::npos)
      throw std::invalid_argument("line " + std::to_string(line_number) + ": expected key=value");
    auto key = trim(line.substr(0, equals));
    auto value = trim(line.substr(equals + 1));
    if (key == "cinema.name") {
      if (value.empty() || value.size() > 100) throw std::invalid_argument("'cinema.name' must be 1 to 100 bytes");
      settings.cinema_name = value;
    } else if (key == "currency") {
      settings.currency = currency(value);
    } else if (key == "color.primary") {
      settings.color_primary = colour(key, value);
    } else if (key == "color.accent") {
      settings.color_accent = colour(key, value);
    } else if (key == "color.background") {
      settings.color_background = colour(key, value);
    } else if (key == "color.text") {
      settings.color_text = colour(key, value);
    } else {
      throw std::invalid_argument("unknown key '" + std::string(key) +
                                  "' (known: cinema.name, currency, color.primary, color.accent, color.background, "
                                  "color.text)");
    }
  }
  return settings;
}

UiSettings load_ui_settings(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream file(path);
  if (!file) throw std::invalid_argument("cannot read the UI properties file '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  try {
    return parse_ui_properties(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string ui_config_json(const UiSettings& settings, std::string_view security_mode) {
  json::Json body{{"cinemaName", settings.cinema_name},
                  {"currency", settings.currency},
                  {"colors",
                   {{"primary", settings.color_primary},
                    {"accent", settings.color_accent},
                    {"background", settings.color_background},
                    {"text", settings.color_text}}},
                  {"securityMode", security_mode}};
  return json::dump(body);
}

}  // namespace cinema::gateway
