#include "core/http/instances.hpp"

#include <stdexcept>

namespace cinema::http {

Instances::Instances(std::string service, std::vector<std::string> addresses)
    : service_(std::move(service)), addresses_(std::move(addresses)) {}

const std::string& Instances::pick(std::size_t first, std::size_t attempt) const {
  return addresses_[(first + attempt) % addresses_.size()];
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

}  // namespace cinema::http
