#pragma once
// Wiring of the gateway: one proxy per upstream service, routed by path prefix.
#include <memory>

#include "core/service_host.hpp"

namespace cinema::gateway {

inline constexpr std::uint16_t kDefaultPort = 8088;

SettingGroup gateway_settings();

class GatewayService;
std::shared_ptr<GatewayService> make_gateway_service(ServiceContext& context);

}  // namespace cinema::gateway
