#include "cli/client_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/client_format.hpp"
#include "core/config.hpp"
#include "core/http/client.hpp"

namespace cinema::cli {
namespace {
using nlohmann::ordered_json;

// With CINEMA_TOKEN set (`cinema token ...`), the request carries it; without, it is token-less,
// which a `cinema up` in dev mode accepts from loopback.
http::Request authorized(http::Request request) {
  if (auto token = process_environment("CINEMA_TOKEN"); token && !token->empty())
    request.headers.set("Authorization", "Bearer " + *token);
  return request;
}

// Sends the request and prints the answer: a readable table or summary on a terminal, pretty JSON
// with --json or when the output is not a terminal (piped, redirected). 2xx is exit code 0; an
// error answer or an unreachable gateway goes to standard error with exit code 1.
int call(const ClientCommands::Output& output, const std::string& method, const std::string& target,
         const ordered_json& body = nullptr) {
  auto request = authorized(http::Request{.method = method, .target = target});
  if (!body.is_null()) {
    request.body = body.dump();
    request.headers.set("Content-Type", "application/json");
  }
  http::Response response;
  try {
    response = http::blocking_send(output.gateway, std::move(request));
  } catch (const http::UpstreamError& e) {
    std::cerr << "error: cannot reach the gateway at " << output.gateway << ": " << e.what() << "\n";
    return 1;
  }
  auto parsed = ordered_json::parse(response.body, nullptr, false);
  bool ok = response.status < 300;
  bool as_json = output.json || !::isatty(STDOUT_FILENO);
  if (!ok) {
    std::cerr << error_line(response.status, parsed, response.body) << "\n";
    if (output.shape == ClientCommands::Shape::reservation && parsed.is_object() && parsed.contains("rsvId"))
      std::cerr << reservation_summary(parsed);
    return 1;
  }
  if (as_json || parsed.is_discarded() || output.shape == ClientCommands::Shape::raw) {
    std::cout << (parsed.is_discarded() ? response.body : parsed.dump(2)) << "\n";
    return 0;
  }
  switch (output.shape) {
    case ClientCommands::Shape::movies: std::cout << movies_table(parsed); break;
    case ClientCommands::Shape::views: std::cout << views_table(parsed); break;
    case ClientCommands::Shape::reservation: std::cout << reservation_summary(parsed); break;
    case ClientCommands::Shape::raw: break;
  }
  return 0;
}
}  // namespace

ClientCommands::ClientCommands(CLI::App& app) {
  gateway_ = process_environment("CINEMA_GATEWAY").value_or(gateway_);
  auto add_gateway = [this](CLI::App* command) {
    command->add_option("--gateway", gateway_, "The gateway: http://HOST:PORT or HOST:PORT (or CINEMA_GATEWAY)")
        ->capture_default_str();
    command->add_flag("--json", json_, "Print the answer as JSON (also when the output is not a terminal)");
  };
  auto* movies = app.add_subcommand("movies", "Manage movies through the gateway");
  movies->require_subcommand(1);
  movies_add_ = movies->add_subcommand("add", "Register a movie");
  movies_add_->add_option("--desc", desc_, "Description")->required();
  movies_add_->add_option("--title", title_, "Title");
  movies_list_ = movies->add_subcommand("list", "List movies");
  reserve_ = app.add_subcommand("reserve", "Reserve seats (pays at once)");
  auto* by_movie = reserve_->add_option("--movie", movie_id_, "Any free seat of this movie's next screening");
  auto* by_screening = reserve_->add_option("--screening", screening_id_, "This screening...");
  reserve_->add_option("--seats", seats_, "...these seats (A1,A2)")->delimiter(',')->needs(by_screening);
  by_movie->excludes(by_screening);
  reserve_->add_option("--customer", customer_, "Customer id (without it: a guest of one's own)");
  reserve_->add_option("--card", card_, "Card number (test cards: see docs/API.md)");
  cancel_ = app.add_subcommand("cancel", "Cancel a reservation (refund follows)");
  cancel_->add_option("rsvId", reservation_id_, "Reservation id")->required();
  view_ = app.add_subcommand("view", "The view page: every movie, or one");
  view_->add_option("movieId", movie_id_, "Movie id");
  replay_ = app.add_subcommand("replay", "Rebuild a read model from the first event of the log");
  replay_->add_option("service", replayed_service_, "The service whose views to rebuild")
      ->required()
      ->check(CLI::IsMember({"viewpage"}));
  replay_->add_option("--timeout", replay_timeout_s_, "Seconds to wait until it caught up")->capture_default_str();
  for (auto* command : {movies_add_, movies_list_, reserve_, cancel_, view_, replay_}) add_gateway(command);
}

ClientCommands::Output ClientCommands::output(Shape shape) const {
  try {
    return Output{gateway_address(gateway_), json_, shape};
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("--gateway / CINEMA_GATEWAY '" + gateway_ + "': " + e.what());
  }
}

int ClientCommands::run() const {
  if (*movies_add_) {
    ordered_json body{{"desc", desc_}};
    if (!title_.empty()) body["title"] = title_;
    return call(output(Shape::raw), "POST", "/movies", body);
  }
  if (*movies_list_) return call(output(Shape::movies), "GET", "/movies");
  if (*reserve_) {
    ordered_json body = ordered_json::object();
    if (!customer_.empty()) body["customerId"] = customer_;
    if (screening_id_ > 0) body["screeningId"] = screening_id_;
    if (movie_id_ > 0) body["movieId"] = movie_id_;
    if (!seats_.empty()) body["seats"] = seats_;
    if (!card_.empty()) body["cardNumber"] = card_;
    return call(output(Shape::reservation), "POST", "/reservations", body);
  }
  if (*cancel_)
    return call(output(Shape::reservation), "PATCH", "/reservations/" + std::to_string(reservation_id_), {{"status", "reqCancel"}});
  if (*view_) return call(output(Shape::views), "GET", movie_id_ > 0 ? "/movieViews/" + std::to_string(movie_id_) : "/movieViews");
  if (*replay_) return replay();
  return -1;
}

// Starts the replay, then follows /viewpage/lag until the view caught up with the log again.
int ClientCommands::replay() const {
  auto out = output(Shape::raw);
  if (int started = call(out, "POST", "/viewpage/replay"); started != 0) return started;
  auto began = std::chrono::steady_clock::now();
  auto deadline = began + std::chrono::seconds(replay_timeout_s_);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto response = http::blocking_send(out.gateway, authorized(http::Request{.method = "GET", .target = "/viewpage/lag"}));
    auto lag = ordered_json::parse(response.body, nullptr, false);
    if (response.status != 200 || lag.is_discarded() || lag.value("replaying", true)) continue;
    if (!lag["replayError"].is_null()) {
      std::cerr << "replay failed: " << lag["replayError"].get<std::string>() << "\n";
      return 1;
    }
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    std::cout << "viewpage rebuilt up to event offset " << lag["lastEventOffset"].dump() << " in " << seconds
              << " s\n";
    return 0;
  }
  std::cerr << "the replay goes on, but did not catch up within " << replay_timeout_s_ << " s\n";
  return 2;
}

}  // namespace cinema::cli
