#pragma once
// `cinema events`: prints the event stream as JSON lines (the payloads, as the seed's console
// consumer shows them), from the beginning, then follows new events until Ctrl-C.
#include <string>

namespace cinema::cli {

struct EventsOptions {
  std::string config_file;
  std::string topic;  // empty: the configured main topic
  bool follow = true;
};

int run_events(const EventsOptions& options);

}  // namespace cinema::cli
