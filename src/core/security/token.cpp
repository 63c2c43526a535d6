#include "core/security/token.hpp"

#include <jwt.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace cinema::security {
namespace {
constexpr std::size_t kMaxTokenBytes = 8192;
constexpr std::size_t kMaxSubjectBytes = 128;
constexpr std::size_t kCacheEntries = 4096;  // then it starts over: a bound, not an eviction policy
constexpr std::size_t kMinSecretBytes = 32;

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '-') value = 62;
    else if (c == '_') value = 63;
    else return std::nullopt;  // padding and the '+/' alphabet are not base64url
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a dangling sextet is not a whole byte
  return out;
}

std::optional<nlohmann::json> json_object_of(std::string_view part) {
  auto text = base64url_decode(part);
  if (!text) return std::nullopt;
  auto parsed = nlohmann::json::parse(*text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

jwt_alg_t jwt_algorithm(std::string_view name) {
  if (name == "HS256") return JWT_ALG_HS256;
  if (name == "RS256") return JWT_ALG_RS256;
  if (name == "ES256") return JWT_ALG_ES256;
  return JWT_ALG_INVAL;
}

const std::string& verifying_key(const TokenSettings& settings) {
  return settings.algorithm == "HS256" ? settings.secret : settings.public_key_pem;
}

const std::string& signing_key(const TokenSettings& settings) {
  return settings.algorithm == "HS256" ? settings.secret : settings.private_key_pem;
}

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPointer = std::unique_ptr<jwt_t, JwtFree>;

TokenRefusal refusal(TokenProblem problem, std::string message) { return TokenRefusal{problem, std::move(message)}; }

// A NumericDate claim in seconds, held within what the clock can hold (about the years 1678-2261
// for nanoseconds) less a day for the leeway (at most 600 s): past that a cast from a float and the
// conversion to the clock's ticks would overflow, which is undefined. A date that far is "never"
// or "always" all the same.
std::optional<std::int64_t> numeric_date(const nlohmann::json& claims, const char* name) {
  constexpr auto kLimit =
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max()).count() - 86'400);
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_number()) return std::nullopt;
  auto seconds = found->get<double>();
  return static_cast<std::int64_t>(std::clamp(seconds, -kLimit, kLimit));
}

bool names_audience(const nlohmann::json& claims, const std::string& audience) {
  auto found = claims.find("aud");
  if (found == claims.end()) return false;
  if (found->is_string()) return found->get<std::string>() == audience;
  if (!found->is_array()) return false;
  for (const auto& item : *found)
    if (item.is_string() && item.get<std::string>() == audience) return true;
  return false;
}

bool printable(std::string_view text) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

struct CheckedClaims {
  Identity identity;
  Clock::time_point not_after;   // exp + leeway
  Clock::time_point not_before;  // nbf - leeway
};

std::variant<CheckedClaims, TokenRefusal> check_claims(const nlohmann::json& claims, const TokenSettings& settings) {
  auto exp = numeric_date(claims, "exp");
  if (!exp) return refusal(TokenProblem::bad_claims, "the token has no exp");
  auto nbf = numeric_date(claims, "nbf");
  auto issuer = claims.find("iss");
  if (issuer == claims.end() || !issuer->is_string() || issuer->get<std::string>() != settings.issuer)
    return refusal(TokenProblem::wrong_issuer, "the token was not issued by " + settings.issuer);
  if (!names_audience(claims, settings.audience))
    return refusal(TokenProblem::wrong_audience, "the token is not meant for " + settings.audience);
  auto subject = claims.find("sub");
  if (subject == claims.end() || !subject->is_string() || subject->get<std::string>().empty() ||
      subject->get<std::string>().size() > kMaxSubjectBytes || !printable(subject->get<std::string>()))
    return refusal(TokenProblem::bad_claims, "the token's sub must be 1-128 printable characters");
  auto role_claim = claims.find("role");
  auto role = role_claim != claims.end() && role_claim->is_string() ? role_of_claim(role_claim->get<std::string>())
                                                                     : std::nullopt;
  if (!role) return refusal(TokenProblem::bad_claims, "the token's role must be customer, manager or service");
  auto seconds = [](std::int64_t s) { return Clock::time_point(std::chrono::seconds(s)); };
  return CheckedClaims{Identity{subject->get<std::string>(), *role}, seconds(*exp) + settings.leeway,
                       nbf ? seconds(*nbf) - settings.leeway : Clock::time_point::min()};
}

std::optional<TokenRefusal> check_time(const CheckedClaims& claims, Clock::time_point now) {
  if (now >= claims.not_after) return refusal(TokenProblem::expired, "the token has expired");
  if (now < claims.not_before) return refusal(TokenProblem::not_yet_valid, "the token is not valid yet");
  return std::nullopt;
}
}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::anonymous: return "anonymous";
    case Role::customer: return "customer";
    case Role::manager: return "manager";
    case Role::service: return "service";
    case Role::developer: return "developer";
  }
  return "anonymous";
}

std::optional<Role> role_of_claim(std::string_view claim) {
  if (claim == "customer") return Role::customer;
  if (claim == "manager") return Role::manager;
  if (claim == "service") return Role::service;
  return std::nullopt;
}

bool supported_algorithm(std::string_view algorithm) { return jwt_algorithm(algorithm) != JWT_ALG_INVAL; }

struct TokenVerifier::Cache {
  // Looked up by the request's own bytes: a hit copies nothing.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::mutex mutex;
  std::unordered_map<std::string, CheckedClaims, Hash, std::equal_to<>> verified;
};

std::optional<std::string> settings_problem(const TokenSettings& settings) {
  if (!supported_algorithm(settings.algorithm))
    return "security.jwt.algorithm must be HS256, RS256 or ES256, not '" + settings.algorithm + "'";
  if (settings.algorithm == "HS256" && settings.secret.size() < kMinSecretBytes)
    return "security.jwt.secret must be at least 32 bytes for HS256 (SECURITY_JWT_SECRET)";
  if (settings.algorithm != "HS256" && settings.public_key_pem.empty())
    return "security.jwt.public_key_file is needed for " + settings.algorithm;
  return std::nullopt;
}

TokenVerifier::TokenVerifier(TokenSettings settings) : settings_(std::move(settings)), cache_(std::make_unique<Cache>()) {
  if (auto problem = settings_problem(settings_)) throw std::invalid_argument(*problem);
}

TokenVerifier::~TokenVerifier() = default;

std::variant<Identity, TokenRefusal> TokenVerifier::verify(std::string_view token, Clock::time_point now) const {
  if (token.size() > kMaxTokenBytes) return refusal(TokenProblem::malformed, "the token is too long");
  {
    std::lock_guard lock(cache_->mutex);
    auto found = cache_->verified.find(token);
    if (found != cache_->verified.end()) {
      if (auto late = check_time(found->second, now)) return *late;
      return found->second.identity;
    }
  }
  auto first_dot = token.find('.');
  auto second_dot = first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != std::string_view::npos)
    return refusal(TokenProblem::malformed, "a token is three base64url parts joined by dots");
  auto header = json_object_of(token.substr(0, first_dot));
  auto claims = json_object_of(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!header || !claims) return refusal(TokenProblem::malformed, "the token's header or claims are not JSON");
  // Decided before the signature is looked at: the header never picks the algorithm.
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != settings_.algorithm)
    return refusal(TokenProblem::wrong_algorithm, "tokens here are signed with " + settings_.algorithm);
  const auto& verifying = verifying_key(settings_);
  std::string key(token);  // libjwt reads a C string
  jwt_t* raw = nullptr;
  int failed = jwt_decode(&raw, key.c_str(), reinterpret_cast<const unsigned char*>(verifying.data()),
                          static_cast<int>(verifying.size()));
  JwtPointer decoded(raw);
  if (failed != 0 || !decoded || jwt_get_alg(decoded.get()) != jwt_algorithm(settings_.algorithm))
    return refusal(TokenProblem::bad_signature, "the token's signature does not verify");
  auto checked = check_claims(*claims, settings_);
  if (auto* refused = std::get_if<TokenRefusal>(&checked)) return *refused;
  auto& good = std::get<CheckedClaims>(checked);
  if (auto late = check_time(good, now)) return *late;
  std::lock_guard lock(cache_->mutex);
  if (cache_->verified.size() >= kCacheEntries) cache_->verified.clear();
  cache_->verified.emplace(std::move(key), good);
  return good.identity;
}

TokenMinter::TokenMinter(TokenSettings settings) : settings_(std::move(settings)) {
  if (!supported_algorithm(settings_.algorithm))
    throw std::invalid_argument("security.jwt.algorithm must be HS256, RS256 or ES256, not '" + settings_.algorithm + "'");
  if (signing_key(settings_).empty())
    throw std::invalid_argument(settings_.algorithm == "HS256" ? "security.jwt.secret is needed to sign tokens"
                                                              : "security.jwt.private_key_file is needed to sign tokens");
}

std::string TokenMinter::mint(const Identity& identity, std::chrono::seconds ttl, Clock::time_point now) const {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  JwtPointer token(raw);
  auto issued = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const auto& key = signing_key(settings_);
  bool ok = jwt_add_grant(token.get(), "iss", settings_.issuer.c_str()) == 0 &&
            jwt_add_grant(token.get(), "aud", settings_.audience.c_str()) == 0 &&
            jwt_add_grant(token.get(), "sub", identity.subject.c_str()) == 0 &&
            jwt_add_grant(token.get(), "role", std::string(role_name(identity.role)).c_str()) == 0 &&
            jwt_add_grant_int(token.get(), "iat", issued) == 0 && jwt_add_grant_int(token.get(), "nbf", issued) == 0 &&
            jwt_add_grant_int(token.get(), "exp", issued + ttl.count()) == 0 &&
            jwt_set_alg(token.get(), jwt_algorithm(settings_.algorithm), reinterpret_cast<const unsigned char*>(key.data()),
                        static_cast<int>(key.size())) == 0;
  if (!ok) throw std::runtime_error("could not build the token");
  char* encoded = jwt_encode_str(token.get());
  if (!encoded) throw std::invalid_argument("could not sign the token: is the key a " + settings_.algorithm + " private key?");
  std::string result(encoded);
  std::free(encoded);
  return result;
}

}  // namespace cinema::security
