// Every event decoder, on any payload a topic could carry.
#include "contracts/movie_events.hpp"
#include "contracts/payment_events.hpp"
#include "contracts/reservation_events.hpp"
#include "contracts/review_events.hpp"
#include "contracts/screening_events.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cinema;
  events::Event event{"id", "T", "1", std::string(reinterpret_cast<const char*>(data), size), "", 0};
  auto attempt = [&](auto decode) {
    try {
      decode();
    } catch (const std::exception&) {
    }
  };
  attempt([&] { (void)contracts::movie_state_of(event); });
  attempt([&] { (void)contracts::screening_state_of(event); });
  attempt([&] { (void)contracts::reservation_state_of(event); });
  attempt([&] { (void)contracts::payment_state_of(event); });
  attempt([&] { (void)contracts::review_state_of(event); });
  return 0;
}
