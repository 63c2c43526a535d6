#pragma once
// Who is calling, as every handler sees it: a subject (customer, staff member or service name)
// and the role that decides what the subject may do. Set on each request by an Authenticator.
#include <optional>
#include <string>
#include <string_view>

namespace cinema::security {

enum class Role {
  anonymous,  // no token: may read the public catalogue only
  customer,   // `sub` is the customer id; sees and changes only what is theirs
  manager,    // box-office staff: movies, screenings and the operator routes
  service,    // a peer service of the system (payment's charge routes)
  developer,  // `security.mode: dev` only, a token-less caller on loopback: acts as anyone
};

struct Identity {
  std::string subject;
  Role role = Role::anonymous;

  // The customer this caller acts for, or nothing when it may act for anyone (manager, developer).
  [[nodiscard]] bool acts_for_anyone() const { return role == Role::manager || role == Role::developer; }
  // May see or change what belongs to `customer_id`.
  [[nodiscard]] bool may_act_for(std::string_view customer_id) const {
    return acts_for_anyone() || (role == Role::customer && subject == customer_id);
  }
};

std::string_view role_name(Role role);
// Roles a token may carry ("customer", "manager", "service"); anything else is nothing.
std::optional<Role> role_of_claim(std::string_view claim);

}  // namespace cinema::security

namespace cinema::security {

// What a route asks of its caller; checked before the handler runs.
enum class Access {
  open,       // health probes and metrics: no credentials at all, on any port
  anyone,     // the public catalogue: anonymous allowed, but a presented token must be valid
  signed_in,  // a customer, a manager (or a developer in dev mode)
  manager,    // a manager (or a developer in dev mode)
  service,    // a peer service only
};

[[nodiscard]] bool permits(Access access, const Identity& caller);

}  // namespace cinema::security
