#include "core/http/off_loop.hpp"

#include "core/blocking.hpp"

namespace cinema::http {

Awaitable run_off_loop(BlockingPool& pool, const SyncHandler& handler, Request& request) {
  co_return co_await run_blocking(&pool, [&] { return handler(request); });
}

}  // namespace cinema::http
