#pragma once
// Plain request/response values shared by the server, the client, routers and handlers.
// They deliberately do not expose Boost.Beast so that handlers compile without it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/security/identity.hpp"

namespace cinema::http {

// Header list with case-insensitive lookup; order is kept as received.
class Headers {
 public:
  [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;  // the first
  [[nodiscard]] std::size_t count(std::string_view name) const;
  void set(std::string_view name, std::string value);  // replaces every existing value
  void add(std::string name, std::string value);
  void remove(std::string_view name);
  [[nodiscard]] auto begin() const { return fields_.begin(); }
  [[nodiscard]] auto end() const { return fields_.end(); }
  [[nodiscard]] bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // upper case, as on the wire: GET, POST, ...
  std::string target;  // path and query as received
  Headers headers;
  std::string body;
  // Filled in by the server and router:
  std::string path;                                // target without the query string
  std::map<std::string, std::string, std::less<>> path_params;  // {id} -> "42"
  std::string trace_id;                            // W3C trace id (32 hex) of this request
  std::string remote_address;
  security::Identity caller;  // who calls, set before the handler runs (see Router)

  [[nodiscard]] std::string_view path_param(std::string_view name) const;
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response empty(int status);
};

// Case-insensitive equality of ASCII tokens (header names, content codings); no locale involved.
bool iequals(std::string_view a, std::string_view b);
// Splits "/a/b?x=1" into path and query (without '?').
std::pair<std::string_view, std::string_view> split_target(std::string_view target);
// `plus_is_space`: '+' means a space in query strings (form encoding), not in paths.
std::string percent_decode(std::string_view text, bool plus_is_space = true);

}  // namespace cinema::http
