#pragma once
// What a thread is for, told to the operating system. Every thread a service starts is named
// (`top -H`, /proc/<pid>/task/*/comm show "relay" rather than the binary's name). Background
// threads (the outbox relay, event consumers, checkpoints: work nobody's request waits on) also run
// at a lower CPU priority: on cores shared with the request path they give way to it when both
// want a core, and lose nothing when the cores are idle. How much lower is one process-wide
// setting (`cpu.background_nice`), set once at start before any such thread exists.
#include <string_view>

namespace cinema {

// Names the calling thread (at most 15 characters are kept).
void name_this_thread(std::string_view name);
// Names the calling thread and lowers its priority by the process's background niceness.
void run_as_background(std::string_view name);
// The niceness run_as_background adds (0..19; 0 names only). Call before starting threads.
void set_background_niceness(int niceness);

}  // namespace cinema
