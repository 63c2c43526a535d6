#include "core/blocking.hpp"
#include "core/thread_role.hpp"

namespace cinema {

BlockingPool::BlockingPool(std::size_t threads) : keep_running_(io_.get_executor()) {
  for (std::size_t i = 0; i < std::max<std::size_t>(threads, 1); ++i)
    threads_.emplace_back([this] {
      name_this_thread("blocking");
      io_.run();
    });
}

BlockingPool::~BlockingPool() {
  keep_running_.reset();
  for (auto& thread : threads_) thread.join();
}

}  // namespace cinema
