#pragma once
// Wiring of the payment service: its settings and the one function that builds every part.
#include <memory>

#include "core/service_host.hpp"

namespace cinema::payment {

inline constexpr std::uint16_t kDefaultPort = 8083;

SettingGroup payment_settings();

// Owns the store, event runtime, handler and policy; routes are registered on context.router and
// ReservationCancelRequested is consumed as group "payment".
class PaymentService;
std::shared_ptr<PaymentService> make_payment_service(ServiceContext& context);

}  // namespace cinema::payment
