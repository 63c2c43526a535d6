#pragma once
// Content-Encoding: gzip for answers worth compressing. Large read-model answers (a /movieViews of
// 100 movies is ~144 KB of JSON) shrink about tenfold, which matters more on a network than the
// microseconds of a cached compression.
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace cinema::http {

// Whether the client's Accept-Encoding lists gzip (or *) without q=0.
[[nodiscard]] bool accepts_gzip(const Request& request);

// The gzip member (RFC 1952) of `data`.
[[nodiscard]] std::string gzip(std::string_view data);

// A JSON answer whose body is already gzip-compressed.
[[nodiscard]] Response gzipped_json(int status, std::string compressed_body);

}  // namespace cinema::http
