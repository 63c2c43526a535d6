#pragma once
// Client commands for the tour: they call the gateway over HTTP like any client would.
//   cinema movies add --desc "Beautiful Movie~" [--title T]     cinema movies list
//   cinema reserve --movie 1 | --screening 3 --seats A1,A2 [--customer kim] [--card N]
//   cinema cancel 1                                               cinema view [movieId]
//   cinema replay viewpage [--timeout 120]      rebuild the view page from the first event, wait until caught up
// --gateway (or CINEMA_GATEWAY) takes http://HOST:PORT or HOST:PORT. On a terminal, answers print as a
// table or summary; with --json, or piped, as JSON. Errors go to standard error, exit code 1.
#include <CLI/CLI.hpp>

namespace cinema::cli {

// Adds the subcommands to `app`; `run_client_command` runs whichever was chosen.
class ClientCommands {
 public:
  explicit ClientCommands(CLI::App& app);
  // Returns the exit code, or -1 when no client command was chosen.
  int run() const;

  enum class Shape { raw, movies, views, reservation };  // how an answer reads as text
  struct Output {
    std::string gateway;  // host:port
    bool json = false;
    Shape shape = Shape::raw;
  };

 private:
  int replay() const;
  [[nodiscard]] Output output(Shape shape) const;

  std::string gateway_ = "http://127.0.0.1:8088";
  bool json_ = false;
  CLI::App* movies_add_ = nullptr;
  CLI::App* movies_list_ = nullptr;
  CLI::App* reserve_ = nullptr;
  CLI::App* cancel_ = nullptr;
  CLI::App* view_ = nullptr;
  CLI::App* replay_ = nullptr;
  std::string replayed_service_;
  int replay_timeout_s_ = 120;
  std::string title_, desc_, customer_, card_;
  std::vector<std::string> seats_;
  std::int64_t movie_id_ = 0, screening_id_ = 0, reservation_id_ = 0;
};

}  // namespace cinema::cli
