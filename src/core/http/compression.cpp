#include "core/http/compression.hpp"

#include <zlib.h>

#include <stdexcept>

namespace cinema::http {
namespace {
std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "q=0", "q=0.0", "q=0.000": the client refuses this coding.
bool refused(std::string_view parameters) {
  auto q = parameters.find("q=");
  if (q == std::string_view::npos) return false;
  auto value = trim(parameters.substr(q + 2));
  return !value.empty() && value.find_first_not_of("0.") == std::string_view::npos;
}
}  // namespace

bool accepts_gzip(const Request& request) {
  auto header = request.headers.get("Accept-Encoding");
  if (!header) return false;
  auto rest = *header;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    auto semicolon = item.find(';');
    auto coding = trim(item.substr(0, semicolon));
    if (!iequals(coding, "gzip") && coding != "*") continue;
    return semicolon == std::string_view::npos || !refused(item.substr(semicolon + 1));
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream stream{};
  // 15 window bits + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
  return out;
}

Response gzipped_json(int status, std::string compressed_body) {
  auto response = Response::json(status, std::move(compressed_body));
  response.headers.set("Content-Encoding", "gzip");
  response.headers.set("Vary", "Accept-Encoding");
  return response;
}

}  // namespace cinema::http
