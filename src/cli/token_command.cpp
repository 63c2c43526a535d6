#include "cli/token_command.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/catalog.hpp"
#include "core/config.hpp"
#include "core/security/guard.hpp"

namespace cinema::cli {
namespace {
// "90s", "15m", "1h", "7d" -> seconds; anything else throws.
std::chrono::seconds parse_ttl(const std::string& text) {
  std::size_t used = 0;
  long long count = 0;
  try {
    count = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  auto unit = text.substr(used);
  long long scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (used == 0 || count <= 0 || scale == 0 || count > 366LL * 86400 / scale)
    throw ConfigError("--ttl: '" + text + "' is not a duration such as 90s, 15m, 1h or 7d (at most a year)");
  return std::chrono::seconds(count * scale);
}
}  // namespace

std::string data_dir_secret(const std::string& data_dir, bool create) {
  auto path = std::filesystem::path(data_dir) / "security" / "jwt.secret";
  if (std::ifstream file(path); file) {
    std::string secret;
    std::getline(file, secret);
    if (!secret.empty()) return secret;
  }
  if (!create) return {};
  std::filesystem::create_directories(path.parent_path());
  std::random_device random;
  std::string secret;
  for (int i = 0; i < 8; ++i) secret += fmt::format("{:08x}", random());
  auto temporary = path.string() + ".tmp";
  {
    std::ofstream file(temporary, std::ios::trunc);
    ::chmod(temporary.c_str(), 0600);
    file << secret << "\n";
    if (!file.flush()) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
  return secret;
}

TokenCommand::TokenCommand(CLI::App& app) {
  command_ = app.add_subcommand("token", "Mint a token (JWT) for a customer, a manager or a service");
  command_->add_option("--role", role_, "customer | manager | service")
      ->check(CLI::IsMember({"customer", "manager", "service"}))
      ->capture_default_str();
  command_->add_option("--sub", subject_, "The customer id, staff id or service name")->required();
  command_->add_option("--ttl", ttl_, "Lifetime: 90s, 15m, 1h, 7d")->capture_default_str();
  command_->add_option("--data", data_dir_, "Data directory of `cinema up` (its secret)")->capture_default_str();
  command_->add_option("--config", config_file_, "YAML settings file (or CINEMA_CONFIG)");
}

bool TokenCommand::chosen() const { return command_->parsed(); }

int TokenCommand::run() const {
  auto config_file = config_file_.empty() ? process_environment("CINEMA_CONFIG").value_or("") : config_file_;
  auto data_dir = process_environment("DATA_DIR").value_or(data_dir_);
  auto config = Config::load(every_setting(), config_file, [&](const std::string& name) {
    auto value = process_environment(name);
    // Without a configured secret, the one the data directory's `cinema up` made.
    if (!value && name == Config::env_name("security.jwt.secret")) {
      auto secret = data_dir_secret(data_dir, false);
      if (!secret.empty()) return std::optional<std::string>(secret);
    }
    return value;
  });
  if (config.text("security.jwt.algorithm") == "HS256" && config.text("security.jwt.secret").empty())
    throw ConfigError("no key to sign with: " + data_dir + "/security/jwt.secret does not exist (run `cinema up --data " +
                      data_dir + "` once) and SECURITY_JWT_SECRET is not set");
  auto options = security::security_options(config);
  security::TokenMinter minter(options.tokens);
  auto role = *security::role_of_claim(role_);
  std::cout << minter.mint({subject_, role}, parse_ttl(ttl_), security::Clock::now()) << "\n";
  return 0;
}

}  // namespace cinema::cli
