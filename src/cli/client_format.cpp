#include "cli/client_format.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace cinema::cli {
namespace {
using nlohmann::ordered_json;
using Row = std::vector<std::string>;

std::string text_of(const ordered_json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << value.get<double>();
    return out.str();
  }
  return value.dump();
}

std::string field(const ordered_json& object, const char* name) {
  return object.is_object() && object.contains(name) ? text_of(object[name]) : "-";
}

// Columns as wide as their widest cell, two spaces apart; the last column is not padded.
std::string table(const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::ostringstream out;
  auto line = [&](const Row& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out.str();
}

}  // namespace

std::string gateway_address(std::string_view text) {
  if (text.starts_with("https://")) throw std::invalid_argument("https is not served here; use http://HOST:PORT");
  bool url = text.starts_with("http://");
  if (url) text.remove_prefix(7);
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (text.substr(slash) != "/") throw std::invalid_argument("the gateway address takes no path: " + std::string(text));
    text = text.substr(0, slash);
  }
  if (text.empty() || text.front() == ':') throw std::invalid_argument("the gateway address needs a host");
  if (text.find(':') == std::string_view::npos) {
    if (!url) throw std::invalid_argument("give the gateway as http://HOST:PORT or HOST:PORT");
    return std::string(text) + ":80";
  }
  return std::string(text);
}

std::string movies_table(const ordered_json& movies) {
  if (!movies.is_array() || movies.empty()) return "No movies.\n";
  std::vector<Row> rows;
  for (const auto& m : movies) {
    auto title = field(m, "title");
    rows.push_back({field(m, "movieId"), title.empty() ? field(m, "desc") : title, field(m, "status"),
                    field(m, "seatsLeft"), field(m, "rating")});
  }
  return table({"ID", "TITLE", "STATUS", "SEATS LEFT", "RATING"}, rows);
}

std::string views_table(const ordered_json& views) {
  auto list = views.is_array() ? views : ordered_json::array({views});
  if (list.empty()) return "Nothing is showing.\n";
  std::vector<Row> rows;
  for (const auto& movie : list) {
    auto title = field(movie, "title");
    if (title.empty() || title == "-") title = field(movie, "desc");
    const auto& counts = movie.contains("reservations") ? movie["reservations"] : ordered_json::object();
    auto reserved = field(counts, "reserved");
    const auto& screenings = movie.contains("screenings") ? movie["screenings"] : ordered_json::array();
    if (screenings.empty()) rows.push_back({field(movie, "movieId"), title, "-", "-", "-", "-", reserved});
    for (const auto& s : screenings)
      rows.push_back({field(movie, "movieId"), title, field(s, "screeningId"), field(s, "startsAt"), field(s, "hall"),
                      field(s, "seatsLeft") + "/" + field(s, "seatsTotal"), reserved});
  }
  return table({"MOVIE", "TITLE", "SCREENING", "STARTS", "HALL", "SEATS LEFT", "RESERVED"}, rows);
}

std::string reservation_summary(const ordered_json& answer) {
  std::ostringstream out;
  std::string seats;
  if (answer.contains("seats") && answer["seats"].is_array())
    for (const auto& seat : answer["seats"]) seats += (seats.empty() ? "" : ", ") + text_of(seat);
  out << "Reservation " << field(answer, "rsvId") << ": " << field(answer, "status") << "\n"
      << "  movie " << field(answer, "movieId") << ", screening " << field(answer, "screeningId") << ", seats "
      << (seats.empty() ? "-" : seats) << "\n"
      << "  customer " << field(answer, "customerId") << ", amount " << field(answer, "amount") << ", payment "
      << field(answer, "payId") << "\n";
  if (answer.contains("reason")) out << "  reason " << field(answer, "reason") << "\n";
  return out.str();
}

std::string error_line(int status, const ordered_json& answer, std::string_view raw_body) {
  std::ostringstream out;
  if (answer.is_object() && answer.contains("error"))
    out << "error: " << field(answer, "message") << " (" << status << " " << field(answer, "error") << ")";
  else
    out << "error: HTTP " << status << (raw_body.empty() ? "" : ": ") << raw_body;
  return out.str();
}

}  // namespace cinema::cli
