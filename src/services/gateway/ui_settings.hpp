#pragma once
// What the web UI shows of the cinema it belongs to: name, currency, colours. They come from the
// properties file that UI_PROPERTIES_FILE_NAME names (the seed's ConfigMap key, setting
// ui.properties_file_name), `key=value` lines as Java writes them:
//
//   cinema.name=Cinema Paradiso
//   currency=KRW
//   color.primary=#8a1538
//
// The gateway serves them as /ui/config.json. Parsing is pure; loading reads the file once at start.
#include <string>
#include <string_view>

namespace cinema::gateway {

struct UiSettings {
  std::string cinema_name = "Cinema";
  std::string currency = "KRW";            // ISO 4217; prices are in its smallest unit
  std::string color_primary = "#8a1538";   // buttons, links, the selected seat (white text on it)
  std::string color_accent = "#1f5f8b";    // headings, focus ring
  std::string color_background = "#ffffff";
  std::string color_text = "#1a1a1a";
};

// Throws std::invalid_argument naming the key (or line) for an unknown key, a colour that is not
// #rgb/#rrggbb, a currency that is not three capital letters, or a line without '='.
UiSettings parse_ui_properties(std::string_view text, UiSettings defaults = {});

// `path` empty: the defaults. Throws std::invalid_argument naming the file when it cannot be read.
UiSettings load_ui_settings(const std::string& path);

// /ui/config.json: the settings and the security mode, so sign-in asks for a token only when needed.
std::string ui_config_json(const UiSettings& settings, std::string_view security_mode);

}  // namespace cinema::gateway
