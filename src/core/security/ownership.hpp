#pragma once
// The rule every service applies to what belongs to a customer: a customer sees and changes their
// own only; a manager (or a developer in dev mode) anyone's. Violations throw a 403 HttpError.
#include <optional>
#include <string>
#include <string_view>

#include "core/security/identity.hpp"

namespace cinema::security {

// The customer a list is narrowed to: a customer's own (asking for someone else's is 403), or
// what was asked for (nothing: everyone's) when the caller may act for anyone.
std::optional<std::string> customer_filter(const Identity& caller, std::optional<std::string> asked);

// Throws 403 unless `caller` may act for `owner`; `what` names the record ("reservation 7").
void require_owner(const Identity& caller, std::string_view owner, std::string_view what);

// The customer a new record is made for: the caller itself for a customer (a body naming
// someone else is 403); for a manager or developer, the one the body names (may be empty).
std::string acting_customer(const Identity& caller, const std::string& named_in_body);

}  // namespace cinema::security
