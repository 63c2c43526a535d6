// The YAML settings loader on any file: a ConfigError naming the problem, never a crash.
#include <unistd.h>

#include <fstream>

#include "core/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cinema;
  using T = SettingType;
  // One setting of each kind the loader validates: text with choices, bounded integers, booleans.
  static const std::vector<SettingSpec> specs = {
      {"http.port", T::integer, "0", "", 0, 65535},
      {"http.host", T::string, "0.0.0.0", ""},
      {"log.level", T::string, "info", "", 0, INT64_MAX, {"debug", "info", "warn", "error"}},
      {"event.batch", T::boolean, "true", ""},
      {"gateway.upstream.movie", T::string, "127.0.0.1:8081", ""},
  };
  static const std::string path = "/tmp/cinema-fuzz-config-" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    (void)Config::load(specs, path, [](const std::string&) { return std::nullopt; });
  } catch (const ConfigError&) {
  }
  return 0;
}
