#pragma once
// Work that may block a thread for a while (a round trip to a database server) runs here, off the
// event loop: the coroutine that asks for it is suspended and resumed on its own executor with the
// result, so the loop keeps serving other requests meanwhile. With no pool (an embedded store,
// whose calls take microseconds), run_blocking calls the work in place.
#include <utility>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

namespace cinema {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads);
  // Finishes the work already queued, then joins the threads.
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
  std::vector<std::thread> threads_;
};

template <typename Work>
boost::asio::awaitable<std::invoke_result_t<Work&>> run_blocking(BlockingPool* pool, Work work) {
  using Result = std::invoke_result_t<Work&>;
  if (!pool) co_return work();
  using Stored = std::conditional_t<std::is_void_v<Result>, bool, Result>;
  std::optional<Stored> result;
  std::exception_ptr failure;
  co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void()>(
      [&](auto resume) {
        boost::asio::post(pool->executor(), [&, resume = std::move(resume)]() mutable {
          try {
            if constexpr (std::is_void_v<Result>) {
              work();
              result.emplace(true);
            } else {
              result.emplace(work());
            }
          } catch (...) {
            failure = std::current_exception();
          }
          auto executor = boost::asio::get_associated_executor(resume);
          boost::asio::post(executor, std::move(resume));
        });
      },
      boost::asio::use_awaitable);
  if (failure) std::rethrow_exception(failure);
  if constexpr (!std::is_void_v<Result>) co_return std::move(*result);
}

}  // namespace cinema
