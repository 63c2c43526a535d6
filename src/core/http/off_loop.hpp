#pragma once
// A synchronous handler run on a blocking pool (core/blocking.hpp), its caller resumed on its own
// executor with the response: the router's way of keeping a handler's database round trips off the
// event loop. A function of its own, compiled apart from the router (clang 14 cannot compile the
// pool's hand-over inside the router with the fuzzers' coverage instrumentation).
#include <utility>
#include <boost/asio/awaitable.hpp>

#include "core/http/router.hpp"

namespace cinema::http {

Awaitable run_off_loop(BlockingPool& pool, const SyncHandler& handler, Request& request);

}  // namespace cinema::http
