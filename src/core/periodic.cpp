#include "core/periodic.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace cinema {

boost::asio::awaitable<void> run_every(std::chrono::milliseconds interval, const std::atomic<bool>& stopped,
                                       Logger& log, std::string what,
                                       std::function<boost::asio::awaitable<void>()> pass) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  while (!stopped) {
    try {
      co_await pass();
    } catch (const std::exception& e) {
      log.warn(what + " failed", {{"error", std::string_view(e.what())}});
    }
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace cinema
