#include "core/security/guard.hpp"

#include <fstream>
#include <sstream>

#include "core/http/errors.hpp"

namespace cinema::security {
namespace {
constexpr std::chrono::seconds kServiceTokenLife{300};
constexpr std::string_view kRealm = "Bearer realm=\"cinema\"";

std::string read_key_file(const Config& config, const std::string& key) {
  const auto& path = config.text(key);
  if (path.empty()) return {};
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError(key + ": cannot read '" + path + "'");
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// The token of an `Authorization: Bearer <token>` value; nothing for any other scheme.
std::optional<std::string_view> bearer_token(std::string_view value) {
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size() || !http::iequals(value.substr(0, scheme.size()), scheme)) return std::nullopt;
  auto token = value.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

// Identity of the request's bearer token, or the 401 that refuses it.
std::variant<Identity, http::Response> verified_bearer(const TokenVerifier& verifier, const http::Request& request) {
  // Two credentials are no credential: which one counts would depend on who reads them.
  if (request.headers.count("Authorization") > 1)
    return unauthorized("invalid_request", "send one Authorization header, not several");
  auto token = bearer_token(*request.headers.get("Authorization"));
  if (!token) return unauthorized("invalid_request", "Authorization must be 'Bearer <token>'");
  auto verified = verifier.verify(*token, Clock::now());
  if (auto* refused = std::get_if<TokenRefusal>(&verified)) return unauthorized("invalid_token", refused->message);
  return std::get<Identity>(verified);
}

}  // namespace

Identity developer_identity() { return Identity{"developer", Role::developer}; }

bool permits(Access access, const Identity& caller) {
  switch (access) {
    case Access::open:
    case Access::anyone: return true;
    case Access::signed_in:
      return caller.role == Role::customer || caller.role == Role::manager || caller.role == Role::developer;
    case Access::manager: return caller.role == Role::manager || caller.role == Role::developer;
    case Access::service: return caller.role == Role::service;
  }
  return false;
}

SettingGroup security_settings() {
  using T = SettingType;
  return SettingGroup{
      "Security (every service)",
      {
          {"security.mode", T::string, "enforce",
           "enforce: every rule of docs/SECURITY.md applies. dev: a request without a token on loopback acts as "
           "a developer who may act as anyone (the seed's httpie tour); dev refuses to listen on any address but "
           "loopback. `cinema up` on loopback runs in dev unless told otherwise.",
           0, INT64_MAX, {"enforce", "dev"}},
          {"security.jwt.algorithm", T::string, "HS256",
           "How tokens are signed: HS256 with security.jwt.secret, or RS256/ES256 with a key pair.", 0, INT64_MAX,
           {"HS256", "RS256", "ES256"}},
          {"security.jwt.secret", T::string, "",
           "HS256 key, at least 32 bytes. `cinema up` makes one (data/security/jwt.secret) unless set."},
          {"security.jwt.public_key_file", T::string, "", "RS256/ES256: PEM public key that verifies tokens."},
          {"security.jwt.private_key_file", T::string, "",
           "RS256/ES256: PEM private key that signs this service's own tokens (gateway, reservation)."},
          {"security.jwt.issuer", T::string, "cinema", "Required `iss` of every token."},
          {"security.jwt.audience", T::string, "cinema", "Required `aud` of every token."},
          {"security.jwt.leeway_seconds", T::integer, "30", "Clock skew allowed on `exp` and `nbf`.", 0, 600},
      }};
}

SecurityOptions security_options(const Config& config) {
  SecurityOptions options;
  options.mode = config.text("security.mode") == "dev" ? Mode::dev : Mode::enforce;
  auto& tokens = options.tokens;
  tokens.algorithm = config.text("security.jwt.algorithm");
  tokens.secret = config.text("security.jwt.secret");
  tokens.public_key_pem = read_key_file(config, "security.jwt.public_key_file");
  tokens.private_key_pem = read_key_file(config, "security.jwt.private_key_file");
  tokens.issuer = config.text("security.jwt.issuer");
  tokens.audience = config.text("security.jwt.audience");
  tokens.leeway = std::chrono::seconds(config.integer("security.jwt.leeway_seconds"));
  if (auto problem = settings_problem(tokens)) throw ConfigError(*problem);
  return options;
}

bool is_loopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address == "localhost" ||
         address.starts_with("::ffff:127.");
}

void check_mode_fits_address(Mode mode, const std::string& host) {
  if (mode == Mode::dev && !is_loopback(host))
    throw ConfigError("security.mode: dev listens on loopback only, not on '" + host +
                      "'; use enforce, or set http.host to 127.0.0.1");
}

http::Response unauthorized(std::string_view code, std::string_view message) {
  auto response = http::Response::json(401, http::error_body(code, message));
  std::string challenge(kRealm);
  if (code != "unauthorized") challenge += ", error=\"" + std::string(code) + "\"";
  response.headers.set("WWW-Authenticate", std::move(challenge));
  return response;
}

http::Response forbidden(std::string_view message) { return http::Response::json(403, http::error_body("forbidden", message)); }

std::optional<http::Response> refusal_for(Access access, const Identity& caller) {
  if (permits(access, caller)) return std::nullopt;
  bool without_credentials = caller.role == Role::anonymous || caller.role == Role::developer;
  switch (access) {
    case Access::service:
      if (without_credentials) return unauthorized("unauthorized", "only a peer service may call this route");
      return forbidden("only a peer service may call this route");
    case Access::manager:
      if (without_credentials) return unauthorized("unauthorized", "sign in as a manager: this route needs a manager token");
      return forbidden("this route is for managers");
    default:
      if (without_credentials) return unauthorized("unauthorized", "sign in: this route needs a token");
      return forbidden("this route is for customers and managers");
  }
}

std::variant<Identity, http::Response> EdgeAuthenticator::identify(const http::Request& request) const {
  auto header = request.headers.get("Authorization");
  if (!header) {
    if (mode_ == Mode::dev && is_loopback(request.remote_address)) return developer_identity();
    return Identity{};
  }
  auto verified = verified_bearer(verifier_, request);
  if (auto* identity = std::get_if<Identity>(&verified); identity && identity->role == Role::service)
    return forbidden("service tokens are for calls between services, not through the gateway");
  return verified;
}

std::variant<Identity, http::Response> PeerAuthenticator::identify(const http::Request& request) const {
  auto header = request.headers.get("Authorization");
  if (!header) {
    if (mode_ == Mode::dev && is_loopback(request.remote_address)) return developer_identity();
    return unauthorized("unauthorized", "this port serves the gateway and peer services; call through the gateway");
  }
  auto verified = verified_bearer(verifier_, request);
  auto* caller = std::get_if<Identity>(&verified);
  if (!caller) return verified;
  if (caller->role != Role::service)
    return forbidden("this port serves the gateway and peer services; call through the gateway");
  if (caller->subject != "gateway") return *caller;
  // The gateway speaks for the end user it authenticated.
  auto role = request.headers.get(kRoleHeader);
  auto subject = std::string(request.headers.get(kSubjectHeader).value_or(""));
  if (!role || *role == "anonymous") return Identity{};
  if (*role == "developer") {
    if (mode_ == Mode::dev) return developer_identity();
    return forbidden("the gateway runs in dev mode and this service in enforce mode");
  }
  auto end_user = role_of_claim(*role);
  if (!end_user || *end_user == Role::service || subject.empty())
    return forbidden("the gateway named no valid end user");
  return Identity{std::move(subject), *end_user};
}

ServiceCredential::ServiceCredential(std::shared_ptr<const TokenMinter> minter, std::string service)
    : minter_(std::move(minter)), service_(std::move(service)) {}

std::string ServiceCredential::authorization() {
  if (!minter_) return {};
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (current_.empty() || now >= renew_at_) {
    current_ = "Bearer " + minter_->mint(Identity{service_, Role::service}, kServiceTokenLife, now);
    renew_at_ = now + kServiceTokenLife * 2 / 3;
  }
  return current_;
}

namespace {
std::shared_ptr<const TokenMinter> minter_for(const TokenSettings& tokens) {
  bool can_sign = tokens.algorithm == "HS256" ? !tokens.secret.empty() : !tokens.private_key_pem.empty();
  return can_sign ? std::make_shared<const TokenMinter>(tokens) : nullptr;
}

TokenVerifier verifier_for(const TokenSettings& tokens) {
  try {
    return TokenVerifier(tokens);
  } catch (const std::invalid_argument& error) {
    throw ConfigError(error.what());
  }
}
}  // namespace

Security::Security(SecurityOptions options_in, const std::string& service)
    : options(std::move(options_in)),
      verifier(verifier_for(options.tokens)),
      minter(minter_for(options.tokens)),
      credential(minter, service),
      peer(options.mode, verifier),
      edge(options.mode, verifier) {}

}  // namespace cinema::security
