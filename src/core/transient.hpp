#pragma once
// Marks a failure that says nothing about the request: a dependency (the database server) is down
// or restarting. The HTTP boundary answers it with 503 and Retry-After instead of a 500, so clients
// and the gateway retry later; what was not answered was not promised.
#include <chrono>
#include <string>
#include <string_view>

namespace cinema {

// The "error" of a 503 whose work may have been done after all (a commit whose answer was lost):
// a caller must not take it as "nothing was done".
inline constexpr std::string_view kCommitOutcomeUnknown = "commit_outcome_unknown";

class Transient {
 public:
  virtual ~Transient() = default;
  // What a client may be told (never the dependency's own error text).
  [[nodiscard]] virtual std::string public_message() const = 0;
  [[nodiscard]] virtual std::chrono::seconds retry_after() const { return std::chrono::seconds(1); }
  // The "error" field of the 503's JSON body.
  [[nodiscard]] virtual std::string error_code() const { return "unavailable"; }
};

}  // namespace cinema
