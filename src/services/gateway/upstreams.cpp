#include "services/gateway/upstreams.hpp"

namespace cinema::gateway {

const std::vector<RouteRule>& route_rules() {
  static const std::vector<RouteRule> rules = {
      {"/movies", "movie"},           {"/reservations", "reservation"}, {"/payments", "payment", true},
      {"/messages", "message"},       {"/movieViews", "viewpage"},      {"/reservationViews", "viewpage"},
      {"/viewpage", "viewpage"},      {"/seatMaps", "reservation"},
  };
  return rules;
}

}  // namespace cinema::gateway
