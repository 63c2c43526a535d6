// Unit tier: layered configuration (defaults <- YAML file <- environment) and its validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/service_host.hpp"
#include "temp_file.hpp"

namespace cinema {
namespace {
using test_support::TempFile;

std::vector<SettingSpec> specs() {
  return {
      {"http.port", SettingType::integer, "8080", "Port to listen on.", 1, 65535},
      {"http.host", SettingType::string, "0.0.0.0", "Address to listen on."},
      {"log.level", SettingType::string, "info", "Lowest level.", 0, INT64_MAX, {"debug", "info", "warn", "error"}},
      {"cache.enabled", SettingType::boolean, "false", "Whether to cache."},
      {"data.dir", SettingType::string, "./data", "Data directory."},
  };
}

EnvironmentLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

const EnvironmentLookup kNoEnvironment = environment({});

// Loads and expects a ConfigError; returns its message.
std::string config_error(const std::vector<SettingSpec>& with, const std::string& path, const EnvironmentLookup& env) {
  try {
    Config::load(with, path, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected ConfigError";
  return {};
}

std::string env_error(const std::string& name, const std::string& value) {
  return config_error(specs(), "", environment({{name, value}}));
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(Config, DefaultsApplyWithoutFileOrEnvironment) {
  auto config = Config::load(specs(), "", kNoEnvironment);
  EXPECT_EQ(config.integer("http.port"), 8080);
  EXPECT_EQ(config.text("http.host"), "0.0.0.0");
  EXPECT_EQ(config.text("log.level"), "info");
  EXPECT_FALSE(config.boolean("cache.enabled"));
  EXPECT_EQ(config.source("http.port"), "default");
  EXPECT_EQ(config.source("log.level"), "default");
}

TEST(Config, YamlFileWithNestedMapsOverridesDefaults) {
  TempFile file(".yaml",
                "http:\n"
                "  port: 9090\n"
                "  host: 127.0.0.1\n"
                "cache:\n"
                "  enabled: yes\n");
  auto config = Config::load(specs(), file.path(), kNoEnvironment);
  EXPECT_EQ(config.integer("http.port"), 9090);
  EXPECT_EQ(config.text("http.host"), "127.0.0.1");
  EXPECT_TRUE(config.boolean("cache.enabled"));
  EXPECT_EQ(config.text("log.level"), "info") << "keys absent from the file keep their default";
  EXPECT_EQ(config.source("http.port"), "file " + file.path());
  EXPECT_EQ(config.source("log.level"), "default");
}

TEST(Config, EnvironmentOverridesFile) {
  TempFile file(".yaml", "http:\n  port: 9090\nlog:\n  level: warn\n");
  std::vector<std::string> asked;
  auto env = [&asked](const std::string& name) -> std::optional<std::string> {
    asked.push_back(name);
    if (name == "HTTP_PORT") return "7070";
    return std::nullopt;
  };
  auto config = Config::load(specs(), file.path(), env);
  EXPECT_EQ(config.integer("http.port"), 7070);
  EXPECT_EQ(config.source("http.port"), "env HTTP_PORT");
  EXPECT_EQ(config.text("log.level"), "warn");
  EXPECT_EQ(config.source("log.level"), "file " + file.path());
  EXPECT_NE(std::find(asked.begin(), asked.end(), "CACHE_ENABLED"), asked.end()) << "every key is looked up";
}

TEST(Config, EnvironmentOverridesDefaultsWithoutAFile) {
  auto config = Config::load(specs(), "", environment({{"DATA_DIR", "/srv/data"}, {"CACHE_ENABLED", "on"}}));
  EXPECT_EQ(config.text("data.dir"), "/srv/data");
  EXPECT_EQ(config.source("data.dir"), "env DATA_DIR");
  EXPECT_TRUE(config.boolean("cache.enabled"));
}

TEST(Config, BooleanSpellingsAreNormalized) {
  for (const char* yes : {"true", "1", "yes", "on"})
    EXPECT_TRUE(Config::load(specs(), "", environment({{"CACHE_ENABLED", yes}})).boolean("cache.enabled")) << yes;
  for (const char* no : {"false", "0", "no", "off"})
    EXPECT_FALSE(Config::load(specs(), "", environment({{"CACHE_ENABLED", no}})).boolean("cache.enabled")) << no;
}

TEST(Config, UnknownYamlKeyFailsNamingIt) {
  TempFile file(".yaml", "http:\n  prot: 9090\n");
  auto message = config_error(specs(), file.path(), kNoEnvironment);
  EXPECT_CONTAINS(message, "http.prot");
}

TEST(Config, NonIntegerFailsNamingTheKey) {
  for (const char* value : {"80x", "", "eighty", "8.5", " 80"}) {
    auto message = env_error("HTTP_PORT", value);
    EXPECT_CONTAINS(message, "http.port");
    EXPECT_CONTAINS(message, "HTTP_PORT");
  }
}

TEST(Config, OutOfRangeIntegerFailsNamingTheKey) {
  for (const char* value : {"0", "65536", "-1", "99999999999999999999"}) EXPECT_CONTAINS(env_error("HTTP_PORT", value), "http.port");
  EXPECT_EQ(Config::load(specs(), "", environment({{"HTTP_PORT", "65535"}})).integer("http.port"), 65535);
  EXPECT_EQ(Config::load(specs(), "", environment({{"HTTP_PORT", "1"}})).integer("http.port"), 1);
}

TEST(Config, ValueNotInChoicesFailsNamingTheKey) {
  auto message = env_error("LOG_LEVEL", "verbose");
  EXPECT_CONTAINS(message, "log.level");
  EXPECT_CONTAINS(message, "verbose");
}

TEST(Config, BadBooleanFailsNamingTheKey) {
  for (const char* value : {"maybe", "TRUE", "2", ""}) EXPECT_CONTAINS(env_error("CACHE_ENABLED", value), "cache.enabled");
}

TEST(Config, BadValueInTheFileFailsNamingKeyAndFile) {
  TempFile file(".yaml", "http:\n  port: lots\n");
  auto message = config_error(specs(), file.path(), kNoEnvironment);
  EXPECT_CONTAINS(message, "http.port");
  EXPECT_CONTAINS(message, file.path());
}

TEST(Config, BadDefaultFailsNamingTheKey) {
  std::vector<SettingSpec> broken{{"pool.size", SettingType::integer, "many", "Pool size."}};
  EXPECT_CONTAINS(config_error(broken, "", kNoEnvironment), "pool.size");
}

TEST(Config, ListValueInTheFileFailsNamingTheKey) {
  TempFile file(".yaml", "http:\n  host: [a, b]\n");
  EXPECT_CONTAINS(config_error(specs(), file.path(), kNoEnvironment), "http.host");
}

TEST(Config, MalformedOrMissingFileIsAConfigError) {
  TempFile malformed(".yaml", "http:\n  port: [1\n");
  EXPECT_CONTAINS(config_error(specs(), malformed.path(), kNoEnvironment), malformed.path());
  TempFile missing(".yaml");  // never written
  EXPECT_CONTAINS(config_error(specs(), missing.path(), kNoEnvironment), missing.path());
}

TEST(Config, FileWithOnlyCommentsKeepsDefaults) {
  TempFile file(".yaml", "# every setting commented out\n# http:\n#   port: 9090\n");
  auto config = Config::load(specs(), file.path(), kNoEnvironment);
  EXPECT_EQ(config.integer("http.port"), 8080);
}

TEST(Config, ReadingAnUndeclaredKeyOrWithTheWrongTypeIsALogicError) {
  auto config = Config::load(specs(), "", kNoEnvironment);
  EXPECT_THROW((void)config.integer("http.nope"), std::logic_error);
  EXPECT_THROW((void)config.text("http.port"), std::logic_error);
  EXPECT_THROW((void)config.boolean("http.host"), std::logic_error);
}

TEST(Config, CopyOutlivesTheOriginal) {
  std::optional<Config> original = Config::load(specs(), "", environment({{"HTTP_PORT", "7070"}}));
  Config copy = *original;
  original.reset();
  EXPECT_EQ(copy.integer("http.port"), 7070);
}

TEST(Config, EnvNameUpperCasesAndReplacesDotsAndDashes) {
  EXPECT_EQ(Config::env_name("http.port"), "HTTP_PORT");
  EXPECT_EQ(Config::env_name("http.body_limit_bytes"), "HTTP_BODY_LIMIT_BYTES");
  EXPECT_EQ(Config::env_name("kafka.group-id"), "KAFKA_GROUP_ID");
}

TEST(Config, ReferenceListsEveryKeyWithItsEnvironmentName) {
  std::vector<SettingGroup> groups{common_settings(), SettingGroup{"test group", specs()}};
  auto reference = render_config_reference(groups);
  EXPECT_CONTAINS(reference, "## Every service");
  EXPECT_CONTAINS(reference, "## test group");
  for (const auto& group : groups) {
    for (const auto& spec : group.settings) {
      EXPECT_CONTAINS(reference, "`" + spec.key + "`");
      EXPECT_CONTAINS(reference, "`" + Config::env_name(spec.key) + "`");
      EXPECT_CONTAINS(reference, spec.help);
    }
  }
  EXPECT_CONTAINS(reference, "integer 1..65535");
  EXPECT_CONTAINS(reference, R"(debug \| info \| warn \| error)");
}

TEST(Config, CommonSettingsLoadWithTheirDefaults) {
  auto config = Config::load(common_settings().settings, "", kNoEnvironment);
  EXPECT_EQ(config.integer("http.port"), 0);
  EXPECT_EQ(config.text("log.level"), "info");
  EXPECT_EQ(config.integer("http.body_limit_bytes"), 1 << 20);
}

}  // namespace
}  // namespace cinema
