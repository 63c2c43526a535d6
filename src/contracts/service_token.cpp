#include "contracts/service_token.hpp"

namespace cinema::contracts {

bool service_token_matches(std::string_view expected, std::optional<std::string_view> presented) {
  if (expected.empty() || !presented || presented->size() != expected.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    difference |= static_cast<unsigned char>(expected[i] ^ (*presented)[i]);
  return difference == 0;
}

}  // namespace cinema::contracts
