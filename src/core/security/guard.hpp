#pragma once
// Who may call: the authenticators that turn a request's credentials into an Identity, the
// security settings, and the token each service presents to its peers.
//
// At the edge (the gateway) a client presents `Authorization: Bearer <JWT>`. Behind it, every
// service accepts only callers that present a token of role `service`: the gateway (which
// forwards the end user's identity in X-Cinema-Subject / X-Cinema-Role, headers it strips from
// clients) or a peer such as reservation calling payment. A reachable service port is therefore
// no way around the rules. In `security.mode: dev` a token-less caller on loopback is a developer
// who may act as anyone, which keeps the seed's httpie tour working on a developer's machine.
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "core/config.hpp"
#include "core/http/message.hpp"
#include "core/security/token.hpp"

namespace cinema::security {

enum class Mode { enforce, dev };

inline constexpr std::string_view kSubjectHeader = "X-Cinema-Subject";
inline constexpr std::string_view kRoleHeader = "X-Cinema-Role";

SettingGroup security_settings();

// The caller a dev-mode token-less request on loopback becomes (and every caller where nothing
// identifies callers at all: the HTTP layer's own tests).
Identity developer_identity();

struct SecurityOptions {
  Mode mode = Mode::enforce;
  TokenSettings tokens;
};

// Reads the settings and the key files they name. Throws ConfigError naming the key.
SecurityOptions security_options(const Config& config);
// dev mode only listens on loopback: throws ConfigError when `host` is any other address.
void check_mode_fits_address(Mode mode, const std::string& host);
bool is_loopback(std::string_view address);

// The answer to a request that may not proceed: 401 with WWW-Authenticate, or 403.
http::Response unauthorized(std::string_view code, std::string_view message);
http::Response forbidden(std::string_view message);

// Identifies the caller of a request, or answers it with a refusal.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  [[nodiscard]] virtual std::variant<Identity, http::Response> identify(const http::Request& request) const = 0;
};

// Decides whether `caller` may use a route of `access`: nothing when it may, else the answer.
std::optional<http::Response> refusal_for(security::Access access, const Identity& caller);

// The gateway's: end users' tokens.
class EdgeAuthenticator final : public Authenticator {
 public:
  EdgeAuthenticator(Mode mode, const TokenVerifier& verifier) : mode_(mode), verifier_(verifier) {}
  [[nodiscard]] std::variant<Identity, http::Response> identify(const http::Request& request) const override;

 private:
  Mode mode_;
  const TokenVerifier& verifier_;
};

// Every other service's: peer services' tokens, and the end user the gateway names.
class PeerAuthenticator final : public Authenticator {
 public:
  PeerAuthenticator(Mode mode, const TokenVerifier& verifier) : mode_(mode), verifier_(verifier) {}
  [[nodiscard]] std::variant<Identity, http::Response> identify(const http::Request& request) const override;

 private:
  Mode mode_;
  const TokenVerifier& verifier_;
};

// The `Authorization` value this service presents to its peers: a token of role `service` whose
// subject is the service's name, minted again when less than a third of its life is left.
class ServiceCredential {
 public:
  // `minter` null: no signing key configured; calls to peers then carry no credential.
  ServiceCredential(std::shared_ptr<const TokenMinter> minter, std::string service);
  [[nodiscard]] std::string authorization();

 private:
  std::shared_ptr<const TokenMinter> minter_;
  std::string service_;
  std::mutex mutex_;
  std::string current_;
  Clock::time_point renew_at_{};
};

// Everything a service needs: built once by the service host from the settings.
struct Security {
  explicit Security(SecurityOptions options, const std::string& service);
  SecurityOptions options;
  TokenVerifier verifier;
  std::shared_ptr<const TokenMinter> minter;  // null without a signing key
  ServiceCredential credential;
  PeerAuthenticator peer;
  EdgeAuthenticator edge;
};

}  // namespace cinema::security
