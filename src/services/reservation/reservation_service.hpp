#pragma once
// Wiring of the reservation service: its settings and the one function that builds every part.
#include <memory>

#include "core/service_host.hpp"

namespace cinema::reservation {

inline constexpr std::uint16_t kDefaultPort = 8082;

SettingGroup reservation_settings();

class ReservationService;
std::shared_ptr<ReservationService> make_reservation_service(ServiceContext& context);

}  // namespace cinema::reservation
