#pragma once
// The process side of `cinema up`'s children: starting one (`cinema serve <service>` of this same
// binary, its output in a log file), asking it over HTTP whether it lives and is ready, and reading
// the end of its log for a message.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace cinema::cli {

// fork + exec of `cinema serve <service>` with exactly `environment`, stdout and stderr appended to
// `log_path`. The child has its own process group (Ctrl-C reaches only the supervisor, which
// stops children in order) and dies with the supervisor (PR_SET_PDEATHSIG).
pid_t spawn_service(const std::string& service, const std::string& log_path, const std::vector<std::string>& environment);

// The HTTP status of GET `target` at `address` (host:port), or 0 when no answer came in `timeout`.
int probe_status(const std::string& address, const std::string& target, std::chrono::milliseconds timeout);

// Asks `address` which process answers it (/actuator/echo) and, on the same kept-alive connection
// so from that same process, whether it is ready: true when `pid` answered that it is. Several
// processes can listen on one port (SO_REUSEPORT) during a rolling restart.
bool pid_is_ready(const std::string& address, pid_t pid, std::chrono::milliseconds timeout);

// Whether nothing listens on host:port: bound without SO_REUSEPORT, a port that any listener
// holds (a service of another system, even one sharing it with SO_REUSEPORT) is refused.
bool port_is_free(const std::string& host, std::uint16_t port);

// The last `lines` lines of a file, each indented, for a message.
std::string log_tail(const std::string& path, std::size_t lines);

}  // namespace cinema::cli
