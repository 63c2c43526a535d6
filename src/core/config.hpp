#pragma once
// Configuration is data with a schema: every setting is declared once (key, type, default, help),
// then values are layered defaults <- YAML file <- environment. The environment name of a key is
// derived from it ("http.port" -> HTTP_PORT). Unknown YAML keys and bad values fail at start-up
// with a message naming the key. docs/CONFIGURATION.md is generated from the same declarations.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cinema {

enum class SettingType { string, integer, boolean };

struct SettingSpec {
  std::string key;            // dotted: "http.port"
  SettingType type;
  std::string default_value;  // as text, parsed like any other value
  std::string help;
  std::int64_t min = 0;       // integers only
  std::int64_t max = INT64_MAX;
  std::vector<std::string> choices = {};  // strings only; empty: any
};

struct SettingGroup {
  std::string title;  // "Every service", "gateway", ...
  std::vector<SettingSpec> settings;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> process_environment(const std::string& name);

class Config {
 public:
  // `yaml_path` empty: no file. Throws ConfigError naming the key on any bad input.
  static Config load(const std::vector<SettingSpec>& specs, const std::string& yaml_path,
                     const EnvironmentLookup& environment = process_environment);

  [[nodiscard]] const std::string& text(const std::string& key) const;
  [[nodiscard]] std::int64_t integer(const std::string& key) const;
  [[nodiscard]] bool boolean(const std::string& key) const;
  // Where each value came from ("default", "file", "env HTTP_PORT"): shown at start-up.
  [[nodiscard]] const std::string& source(const std::string& key) const;

  static std::string env_name(const std::string& key);

 private:
  struct Entry {
    SettingSpec spec;  // a copy, so a copied Config stands alone
    std::string value;
    std::string source;
  };
  const Entry& entry(const std::string& key, SettingType type) const;
  std::map<std::string, Entry> entries_;
};

// Markdown reference of every group, written to docs/CONFIGURATION.md by `cinema config docs`.
std::string render_config_reference(const std::vector<SettingGroup>& groups);

}  // namespace cinema
