#pragma once
// Maps (method, path pattern) to a handler. Patterns are literal segments and `{name}` params:
// "/movies/{id}". A path that matches no pattern is 404; one that matches with another method is 405.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/message.hpp"
#include "core/security/identity.hpp"

namespace cinema {
class BlockingPool;
}
namespace cinema::security {
class Authenticator;
}

namespace cinema::http {

using security::Access;
using Awaitable = boost::asio::awaitable<Response>;
using AsyncHandler = std::function<Awaitable(Request&)>;
using SyncHandler = std::function<Response(Request&)>;

struct RouteMatch {
  const AsyncHandler* handler = nullptr;  // null: no route for this method
  std::string_view route;                 // the pattern (owned by the router), the metrics label
  std::string allowed;                    // for 405: "GET, PUT"
  Access access = Access::open;           // what the route asks of its caller
};

// Every route names who may call it (security::Access); the authenticator, when one is set,
// identifies each request's caller before the route's rule is checked and the handler runs.
class Router {
 public:
  void add(std::string method, std::string pattern, Access access, AsyncHandler handler);
  // Most handlers never wait on I/O; this wraps them so they need no coroutine of their own. They
  // run on the loop, or on `pool` once run_sync_handlers_on gave one (a service whose store is a
  // database server: their queries are round trips that must not stall the loop).
  void add_sync(std::string method, std::string pattern, Access access, SyncHandler handler);
  // Every request whose path starts with `prefix` (any method) goes to `handler`, the longest
  // matching prefix first; exact routes win over prefixes. Used by the gateway.
  void add_prefix(std::string prefix, Access access, AsyncHandler handler);

  // Not owned; null: on the loop thread.
  void run_sync_handlers_on(BlockingPool* pool) { blocking_ = pool; }

  // Not owned; null: no identification, every caller is a developer (tests of the HTTP layer).
  void set_authenticator(const security::Authenticator* authenticator) { authenticator_ = authenticator; }
  [[nodiscard]] const security::Authenticator* authenticator() const { return authenticator_; }

  // Fills request.path_params on a match.
  [[nodiscard]] RouteMatch match(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Access access;
    AsyncHandler handler;
  };
  struct PrefixRoute {
    std::string prefix;
    Access access;
    AsyncHandler handler;
  };
  const security::Authenticator* authenticator_ = nullptr;
  BlockingPool* blocking_ = nullptr;
  std::vector<Route> routes_;
  std::vector<PrefixRoute> prefixes_;
};

}  // namespace cinema::http
