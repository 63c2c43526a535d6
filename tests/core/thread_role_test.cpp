#include "core/thread_role.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace cinema {
namespace {

struct SeenFromTheThread {
  std::string name;
  int niceness_before = 0;
  int niceness_after = 0;
};

// Runs `role` on a thread of its own and reads back what the kernel holds for that thread.
template <typename Role>
SeenFromTheThread on_a_thread(Role role) {
  SeenFromTheThread seen;
  std::thread thread([&] {
    auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    seen.niceness_before = ::getpriority(PRIO_PROCESS, tid);
    role();
    seen.niceness_after = ::getpriority(PRIO_PROCESS, tid);
    std::ifstream comm("/proc/self/task/" + std::to_string(tid) + "/comm");
    std::getline(comm, seen.name);
  });
  thread.join();
  return seen;
}

class ThreadRole : public ::testing::Test {
 protected:
  void TearDown() override { set_background_niceness(0); }
};

TEST_F(ThreadRole, ANamedThreadShowsItsNameToTheSystemCutAtFifteenCharacters) {
  EXPECT_EQ(on_a_thread([] { name_this_thread("relay"); }).name, "relay");
  EXPECT_EQ(on_a_thread([] { name_this_thread("a-name-longer-than-fifteen"); }).name, "a-name-longer-t");
}

TEST_F(ThreadRole, BackgroundWorkRunsAtTheConfiguredLowerPriorityOnItsThreadOnly) {
  set_background_niceness(7);
  auto seen = on_a_thread([] { run_as_background("consumer"); });
  EXPECT_EQ(seen.name, "consumer");
  EXPECT_EQ(seen.niceness_after, std::min(19, seen.niceness_before + 7));
  // The niceness was the background thread's: this thread, and the process, keep theirs.
  EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))), seen.niceness_before);
}

TEST_F(ThreadRole, NoBackgroundNicenessNamesTheThreadAndLeavesItsPriority) {
  set_background_niceness(0);
  auto seen = on_a_thread([] { run_as_background("relay"); });
  EXPECT_EQ(seen.name, "relay");
  EXPECT_EQ(seen.niceness_after, seen.niceness_before);
}

TEST_F(ThreadRole, ANicenessOutsideZeroToNineteenIsHeldToIt) {
  set_background_niceness(40);
  auto seen = on_a_thread([] { run_as_background("relay"); });
  EXPECT_EQ(seen.niceness_after, 19);
}

}  // namespace
}  // namespace cinema
