// System tier: the `cinema` binary's own commands.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "cinema_process.hpp"

namespace {

// `environment`: assignments for the shell, e.g. "HTTP_PORT=x".
cinema::testing::CommandResult run(const std::string& arguments, const std::string& environment = {}) {
  return cinema::testing::run_command(environment + " " + std::string(CINEMA_BINARY) + " " + arguments);
}

TEST(CinemaCli, ConfigurationDocsMatchTheSettingsDeclaredInCode) {
  std::ifstream file(std::string(CINEMA_SOURCE_DIR) + "/docs/CONFIGURATION.md");
  std::stringstream documented;
  documented << file.rdbuf();
  auto generated = run("config docs");
  ASSERT_EQ(generated.exit_code, 0);
  EXPECT_EQ(documented.str(), generated.output)
      << "docs/CONFIGURATION.md is stale: regenerate it with `cinema config docs > docs/CONFIGURATION.md`";
}

TEST(CinemaCli, BadSettingStopsStartUpNamingTheKey) {
  auto missing_file = run("serve movie --config /nonexistent/none.yaml");
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_NE(missing_file.output.find("/nonexistent/none.yaml"), std::string::npos) << missing_file.output;

  auto bad_value = run("serve movie", "HTTP_PORT=eighty");
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_NE(bad_value.output.find("'http.port' (env HTTP_PORT): must be an integer"), std::string::npos)
      << bad_value.output;
}

TEST(CinemaCli, EnvironmentOverridesDefaultsAndIsReportedAsTheSource) {
  auto defaults = run("config show gateway");
  ASSERT_EQ(defaults.exit_code, 0);
  EXPECT_NE(defaults.output.find("gateway.upstream.movie = 127.0.0.1:8081  (default)"), std::string::npos);
  auto from_env = run("config show gateway", "GATEWAY_UPSTREAM_MOVIE=movie:8080");
  EXPECT_NE(from_env.output.find("gateway.upstream.movie = movie:8080  (env GATEWAY_UPSTREAM_MOVIE)"),
            std::string::npos)
      << from_env.output;
}

TEST(CinemaCli, ConfigShowNamesSecretsWithoutPrintingThem) {
  auto shown = run("config show reservation",
                   "SECURITY_JWT_SECRET=0123456789abcdef0123456789abcdef-secret "
                   "DATABASE_URL=postgresql://cinema:hunter2@db:5432/reservation");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_EQ(shown.output.find("0123456789abcdef"), std::string::npos) << shown.output;
  EXPECT_EQ(shown.output.find("hunter2"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("database.url = postgresql://cinema:***@db:5432/reservation  (env DATABASE_URL)"),
            std::string::npos)
      << shown.output;
}

TEST(CinemaCli, UnknownServiceIsAnError) {
  auto result = run("serve nosuchservice");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("unknown service 'nosuchservice'"), std::string::npos) << result.output;
}

}  // namespace
