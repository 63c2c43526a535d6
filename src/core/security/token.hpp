#pragma once
// JSON Web Tokens: verification at every entry point and minting for `cinema token` and for the
// services' own identity. Signatures are checked by libjwt (Debian's libjwt on OpenSSL); the
// header and claims are checked here, before and after it, so that the token's own header never
// chooses how it is verified: its `alg` must be the configured one (no `none`, no HS256 made
// with an RSA public key as its secret).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/security/identity.hpp"

namespace cinema::security {

struct TokenSettings {
  std::string algorithm = "HS256";  // HS256 (a shared secret), RS256 or ES256 (a key pair)
  std::string secret;               // HS256: at least 32 bytes
  std::string public_key_pem;       // RS256/ES256: verifies
  std::string private_key_pem;      // RS256/ES256: signs; empty where nothing is minted
  std::string issuer = "cinema";
  std::string audience = "cinema";
  std::chrono::seconds leeway{30};  // clock skew allowed on exp and nbf
};

enum class TokenProblem {
  malformed,        // not three base64url parts of JSON
  wrong_algorithm,  // header alg other than the configured one (none included)
  bad_signature,
  expired,
  not_yet_valid,
  wrong_issuer,
  wrong_audience,
  bad_claims,  // no exp, no sub, unknown role
};

struct TokenRefusal {
  TokenProblem problem;
  std::string message;
};

using Clock = std::chrono::system_clock;

class TokenVerifier {
 public:
  // Throws std::invalid_argument when the settings cannot verify anything (no secret, bad key).
  explicit TokenVerifier(TokenSettings settings);
  ~TokenVerifier();
  // A token verified once is remembered until it expires, so a client's next requests cost a
  // lookup, not a signature check.
  [[nodiscard]] std::variant<Identity, TokenRefusal> verify(std::string_view token, Clock::time_point now) const;

 private:
  struct Cache;
  TokenSettings settings_;
  std::unique_ptr<Cache> cache_;
};

class TokenMinter {
 public:
  // Throws std::invalid_argument when the settings hold no signing key.
  explicit TokenMinter(TokenSettings settings);
  [[nodiscard]] std::string mint(const Identity& identity, std::chrono::seconds ttl, Clock::time_point now) const;

 private:
  TokenSettings settings_;
};

// "HS256" | "RS256" | "ES256": the algorithms a deployment may choose.
bool supported_algorithm(std::string_view algorithm);
// Why `settings` cannot verify tokens (no secret, no key, unknown algorithm); nothing when they can.
std::optional<std::string> settings_problem(const TokenSettings& settings);

}  // namespace cinema::security
