#include "core/crash_point.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace cinema {
namespace {
struct CrashPlan {
  std::string points;  // ",viewpage:mid-batch,reservation:published,"
  std::string marker_dir;
};

const CrashPlan& plan() {
  static const CrashPlan plan = [] {
    const char* points = std::getenv("CINEMA_CRASH_AT");
    const char* dir = std::getenv("CINEMA_CRASH_DIR");
    if (!points || !*points) return CrashPlan{};
    return CrashPlan{"," + std::string(points) + ",", dir && *dir ? dir : "."};
  }();
  return plan;
}
}  // namespace

void crash_point(std::string_view service, std::string_view point) {
  const auto& crash = plan();
  if (crash.points.empty()) return;
  auto where = std::string(service) + ":" + std::string(point);
  if (crash.points.find("," + where + ",") == std::string::npos) return;
  // O_EXCL: only the first process to get here creates the marker, and only it dies. Without the
  // directory (not armed yet) nothing is created and nobody dies.
  auto marker = crash.marker_dir + "/crashed-" + std::string(service) + "-" + std::string(point);
  int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ::close(fd);
  ::kill(::getpid(), SIGKILL);
}

}  // namespace cinema
