#pragma once
// What the client commands show a person: the gateway's address from a URL as users write it, and
// readable tables of the answers (movies, the view page, a reservation). Pure functions of their
// input, so the output is the same wherever it is printed.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cinema::cli {

// "http://127.0.0.1:8088", "http://localhost:8088/", "localhost:8088", "http://cinema.example" -> "host:port"
// (port 80 when a URL names none). Throws std::invalid_argument for https (no TLS here), a path
// other than "/", or an empty host.
std::string gateway_address(std::string_view text);

// GET /movies as a table: id, title, status, seats left, rating.
std::string movies_table(const nlohmann::ordered_json& movies);
// GET /movieViews (an array) or /movieViews/{id} (one): one line per screening with seats left.
std::string views_table(const nlohmann::ordered_json& views);
// POST /reservations' answer (a reservation, or an error that carries one): a few lines.
std::string reservation_summary(const nlohmann::ordered_json& answer);
// Any error answer {"error","message"}: "error: message (status code)".
std::string error_line(int status, const nlohmann::ordered_json& answer, std::string_view raw_body);

}  // namespace cinema::cli
