#pragma once
// A background pass that a service runs on its event loop every interval (recovery, deciding due
// work): a failing pass is logged and the next one runs; the loop ends once `stopped` is set.
#include <utility>
#include <boost/asio/awaitable.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "core/log.hpp"

namespace cinema {

boost::asio::awaitable<void> run_every(std::chrono::milliseconds interval, const std::atomic<bool>& stopped,
                                       Logger& log, std::string what,
                                       std::function<boost::asio::awaitable<void>()> pass);

}  // namespace cinema
