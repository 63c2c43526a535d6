#pragma once
// Conversions between our plain Request/Response and Beast messages. Internal to src/core/http:
// only the server and the client include Beast.
#include <utility>
#include <boost/beast/http.hpp>

#include "core/http/message.hpp"

namespace cinema::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

Request from_beast_request(BeastRequest&& message);
BeastRequest to_beast_request(Request&& request, std::string_view host);
// `head`: answer to a HEAD request: Content-Length of the body, but no body.
BeastResponse to_beast_response(Response&& response, unsigned version, bool keep_alive, bool head);
Response from_beast_response(BeastResponse&& message);

}  // namespace cinema::http
