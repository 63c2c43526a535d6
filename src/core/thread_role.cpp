#include "core/thread_role.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>

namespace cinema {
namespace {
std::atomic<int> background_niceness{0};
}  // namespace

void name_this_thread(std::string_view name) {
  std::string kept(name.substr(0, 15));  // the kernel keeps 16 bytes with the terminating zero
  ::pthread_setname_np(::pthread_self(), kept.c_str());
}

void run_as_background(std::string_view name) {
  name_this_thread(name);
  auto niceness = background_niceness.load();
  if (niceness <= 0) return;
  // On Linux a niceness belongs to a thread (its tid), not to the whole process. Lowering one's
  // own priority needs no privilege; failing to is harmless (the thread runs as before).
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  auto current = ::getpriority(PRIO_PROCESS, tid);
  ::setpriority(PRIO_PROCESS, tid, std::min(19, current + niceness));
}

void set_background_niceness(int niceness) { background_niceness = std::clamp(niceness, 0, 19); }

}  // namespace cinema
