#pragma once
// What every service accepts as a customer id, wherever it comes from (a body, a query, a token's
// subject). The stores keep it as text: PostgreSQL refuses bytes that are not UTF-8 (a 500) and
// ends a C string at a NUL (records filed under a shorter id), and a control character prints and
// logs as something else.
#include <optional>
#include <string>
#include <string_view>

namespace cinema::http {
struct Request;
}

namespace cinema::contracts {

// 1 to 128 bytes (a token's subject may be as long) of UTF-8 with no control character (C0, DEL, C1).
[[nodiscard]] bool is_valid_customer_id(std::string_view id);
// `id` itself, or http::BadRequest naming the field `customerId`.
std::string checked_customer_id(std::string id);
// The request's `?customerId=`, checked; absent when not given.
std::optional<std::string> customer_id_query(const http::Request& request);

}  // namespace cinema::contracts
