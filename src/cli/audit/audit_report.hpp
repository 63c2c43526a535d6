#pragma once
// The audit's report as a person reads it (stdout) and as JSON (`--json`):
// {"clean":bool,"findings":[{"check","severity","message",rsvId..}],"counts":{..},"stores":{..},..}
#include <string>

#include <nlohmann/json.hpp>

#include "cli/audit/audit.hpp"

namespace cinema::audit {

// How the report came about, printed with it.
struct RunInfo {
  std::string data_dir;
  std::string bus;  // embedded | kafka
  int passes = 1;   // with --wait, how many times the sources were read
  double seconds = 0;
};

nlohmann::ordered_json to_json(const Report& report, const RunInfo& run);
std::string to_text(const Report& report, const RunInfo& run);

}  // namespace cinema::audit
