#pragma once
// `cinema token`: mints a token for development and tests, signed with the system's key
// (security.jwt.* settings, or the secret `cinema up` keeps in its data directory).
#include <string>

namespace CLI {
class App;
}

namespace cinema::cli {

// The HS256 secret of a `cinema up` data directory (<data>/security/jwt.secret): read it, or when
// `create` and there is none yet, make 256 random bits and keep them there (mode 0600).
// Empty when there is none and `create` is false.
std::string data_dir_secret(const std::string& data_dir, bool create);

class TokenCommand {
 public:
  explicit TokenCommand(CLI::App& app);
  [[nodiscard]] bool chosen() const;
  int run() const;

 private:
  CLI::App* command_;
  std::string role_ = "customer";
  std::string subject_;
  std::string ttl_ = "1h";
  std::string data_dir_ = "./data";
  std::string config_file_;
};

}  // namespace cinema::cli
