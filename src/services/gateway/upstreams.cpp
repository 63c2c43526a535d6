#include "services/gateway/upstreams.hpp"

#include <stdexcept>

namespace cinema::gateway {

const std::vector<RouteRule>& route_rules() {
  static const std::vector<RouteRule> rules = {
      {"/movies", "movie"},           {"/reservations", "reservation"}, {"/payments", "payment", true},
      {"/messages", "message"},       {"/movieViews", "viewpage"},      {"/reservationViews", "viewpage"},
      {"/viewpage", "viewpage"},
  };
  return rules;
}

Upstream::Upstream(std::string service, std::vector<std::string> instances)
    : service_(std::move(service)), instances_(std::move(instances)) {}

const std::string& Upstream::pick(std::size_t first, std::size_t attempt) const {
  return instances_[(first + attempt) % instances_.size()];
}

std::vector<std::string> parse_instances(const std::string& list) {
  std::vector<std::string> instances;
  std::size_t start = 0;
  while (start <= list.size()) {
    auto comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    auto item = list.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      auto colon = item.rfind(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == item.size() ||
          item.find_first_not_of("0123456789", colon + 1) != std::string::npos)
        throw std::invalid_argument("'" + item + "' is not host:port");
      instances.push_back(item);
    }
    start = comma + 1;
  }
  return instances;
}

}  // namespace cinema::gateway
