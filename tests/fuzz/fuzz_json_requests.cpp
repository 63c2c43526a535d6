// Every JSON request body a service decodes: a bad body must be an exception (a 400), never a
// crash, a leak or undefined behaviour.
#include <string_view>

#include "contracts/payment_api.hpp"
#include "services/movie/audience_json.hpp"
#include "services/movie/movie_json.hpp"
#include "services/reservation/reservation_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto attempt = [&](auto decode) {
    try {
      decode();
    } catch (const std::exception&) {
    }
  };
  using namespace cinema;
  attempt([&] { (void)movie::parse_movie_draft(body); });
  attempt([&] { (void)movie::parse_movie_changes(body); });
  attempt([&] { (void)movie::parse_screening(body, 1); });
  attempt([&] { (void)movie::parse_review(body, 1); });
  attempt([&] { (void)reservation::parse_reservation_request(body); });
  attempt([&] { reservation::parse_cancel_request(body); });
  attempt([&] { (void)contracts::payment_request_from_json(body); });
  attempt([&] { (void)contracts::payment_from_json(body); });
  return 0;
}
