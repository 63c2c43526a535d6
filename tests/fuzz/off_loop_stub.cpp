// The harnesses never give the router a blocking pool, so this is never called. It stands in for
// src/core/http/off_loop.cpp: clang 14 cannot compile that coroutine (nor any free coroutine
// function here) with the fuzzers' coverage instrumentation ("Cannot represent a difference across
// sections"), so this one is not a coroutine at all.
#include <stdexcept>

#include "core/http/off_loop.hpp"

namespace cinema::http {

Awaitable run_off_loop(BlockingPool&, const SyncHandler&, Request&) {
  throw std::logic_error("the fuzz harnesses run no blocking pool");
}

}  // namespace cinema::http
