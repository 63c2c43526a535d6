#pragma once
// Which service answers which path prefix, and the instances of each service.
#include <string>
#include <vector>

#include "core/http/instances.hpp"

namespace cinema::gateway {

struct RouteRule {
  std::string prefix;      // "/movies"
  std::string service;     // "movie"
  bool read_only = false;  // only GET and HEAD are routed (payments are made by reservation, not clients)
};

// The seed's routes: every public resource of every service.
const std::vector<RouteRule>& route_rules();

// The instances of one service: picked in turn, failing ones ejected, retried where safe
// (core/http/instances.hpp).
using Upstream = http::Instances;
using http::parse_instances;

}  // namespace cinema::gateway
