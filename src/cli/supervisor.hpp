#pragma once
// `cinema up`: runs every service of the catalog as a child process of this same binary, each on
// its own port with its log in a file, waits until all are ready, prints a summary, and then keeps
// them running: a child that exits is restarted (with backoff), one that stops answering its
// liveness probe is killed and restarted, `cinema restart <service>` replaces a service's
// instances one at a time without dropping a request, and Ctrl-C/SIGTERM stops them all gracefully.
#include "cli/up_plan.hpp"

namespace cinema::cli {

int run_up(const UpOptions& options);

}  // namespace cinema::cli
