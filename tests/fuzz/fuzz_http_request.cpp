// Bytes from the network -> Beast's request parser (the server's limits) -> our Request -> the
// router (every service's route patterns) -> path and query decoding, as a request meets them.
#include <utility>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/http/beast_convert.hpp"
#include "core/http/query.hpp"
#include "core/http/router.hpp"

namespace {
namespace bhttp = boost::beast::http;
using namespace cinema;

http::Router& routes() {
  static http::Router router = [] {
    http::Router r;
    auto nothing = [](http::Request&) { return http::Response{}; };
    for (const char* pattern : {"/movies", "/movies/{id}", "/movies/{id}/screenings", "/movies/{id}/reviews",
                                "/reservations", "/reservations/{id}", "/payments", "/payments/{id}", "/messages",
                                "/messages/{id}", "/movieViews", "/movieViews/{id}", "/reservationViews",
                                "/actuator/health", "/actuator/health/liveness"})
      for (const char* method : {"GET", "POST", "PATCH"}) r.add_sync(method, pattern, http::Access::anyone, nothing);
    r.add_prefix("/viewpage", http::Access::anyone, [](http::Request&) -> http::Awaitable { co_return http::Response{}; });
    return r;
  }();
  return router;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  parser.eager(true);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  auto request = http::from_beast_request(parser.release());
  request.path = std::string(http::split_target(request.target).first);
  (void)http::percent_decode(http::split_target(request.target).second);
  auto match = routes().match(request);
  for (const char* name : {"customerId", "rsvId", "limit", "offset"}) (void)request.query_param(name);
  try {
    (void)http::page_of(request);
  } catch (const std::exception&) {
  }
  (void)match;
  return 0;
}
