#include "core/security/ownership.hpp"

#include "core/http/errors.hpp"

namespace cinema::security {
namespace {
[[noreturn]] void refuse(std::string message) { throw http::HttpError(403, "forbidden", message); }
}  // namespace

std::optional<std::string> customer_filter(const Identity& caller, std::optional<std::string> asked) {
  if (caller.acts_for_anyone()) return asked;
  if (caller.role != Role::customer) refuse("only customers and managers see customers' records");
  if (asked && *asked != caller.subject) refuse("a customer sees only their own records");
  return caller.subject;
}

void require_owner(const Identity& caller, std::string_view owner, std::string_view what) {
  if (!caller.may_act_for(owner)) refuse(std::string(what) + " belongs to another customer");
}

std::string acting_customer(const Identity& caller, const std::string& named_in_body) {
  if (caller.acts_for_anyone()) return named_in_body;
  if (caller.role != Role::customer) refuse("only customers and managers act for a customer");
  if (!named_in_body.empty() && named_in_body != caller.subject)
    refuse("customerId must be your own ('" + caller.subject + "') or left out");
  return caller.subject;
}

}  // namespace cinema::security
