#pragma once
// How a service proves to a peer that a call comes from a service of the system, not from a
// client: a shared secret (setting `security.service_token`, which `cinema up` makes at random)
// in one header. The gateway never forwards this header, so a client cannot pass it through.
#include <optional>
#include <string_view>

namespace cinema::contracts {

inline constexpr std::string_view kServiceTokenHeader = "X-Service-Token";

// Compares in time independent of where the strings differ. An empty `expected` matches nothing.
bool service_token_matches(std::string_view expected, std::optional<std::string_view> presented);

}  // namespace cinema::contracts
