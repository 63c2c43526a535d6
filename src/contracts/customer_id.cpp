#include "contracts/customer_id.hpp"

#include <array>
#include <cstdint>

#include "core/http/errors.hpp"
#include "core/http/message.hpp"

namespace cinema::contracts {
namespace {
constexpr std::size_t kMaxCustomerIdBytes = 128;

bool is_control(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7f && code_point <= 0x9f);
}

// Each code point well formed (no overlong form, no surrogate, at most U+10FFFF) and no control.
bool is_utf8_without_controls(std::string_view text) {
  constexpr std::array<std::uint32_t, 4> kSmallest{0, 0x80, 0x800, 0x10000};
  for (std::size_t i = 0; i < text.size();) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = lead < 0x80 ? 0 : (lead & 0xE0) == 0xC0 ? 1 : (lead & 0xF0) == 0xE0 ? 2 : (lead & 0xF8) == 0xF0 ? 3 : 4;
    if (extra == 4 || i + extra >= text.size()) return false;
    std::uint32_t code_point = extra == 0 ? lead : lead & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = code_point << 6 | (next & 0x3F);
    }
    if (code_point < kSmallest[extra] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF) ||
        is_control(code_point))
      return false;
    i += extra + 1;
  }
  return true;
}
}  // namespace

bool is_valid_customer_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxCustomerIdBytes && is_utf8_without_controls(id);
}

std::string checked_customer_id(std::string id) {
  if (id.empty() || id.size() > kMaxCustomerIdBytes)
    throw http::BadRequest("customerId", "must be 1 to " + std::to_string(kMaxCustomerIdBytes) + " bytes");
  if (!is_utf8_without_controls(id)) throw http::BadRequest("customerId", "must be UTF-8 without control characters");
  return id;
}

std::optional<std::string> customer_id_query(const http::Request& request) {
  auto id = request.query_param("customerId");
  if (!id) return std::nullopt;
  return checked_customer_id(std::move(*id));
}

}  // namespace cinema::contracts
