#pragma once
// Hand-made tokens for the security tests: base64url of any header and claims, joined by dots, with
// no signature (what an attacker sends as `alg: none`).
#include <cstdint>
#include <string>

namespace cinema::testing {

inline std::string base64url(const std::string& text) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int bits = 0;
  std::uint32_t buffer = 0;
  for (unsigned char c : text) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) out.push_back(alphabet[(buffer >> (bits -= 6)) & 63]);
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 63]);
  return out;
}

inline std::string unsigned_token(const std::string& header_json, const std::string& claims_json) {
  return base64url(header_json) + "." + base64url(claims_json) + ".";
}

}  // namespace cinema::testing
