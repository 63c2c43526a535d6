#pragma once
// Wiring of the message service: its settings and the one function that builds every part.
#include <memory>

#include "core/service_host.hpp"

namespace cinema::message {

inline constexpr std::uint16_t kDefaultPort = 8084;

SettingGroup message_settings();

// Owns the store, the consumer, the dispatcher and the handler; routes are registered on context.router.
class MessageService;
std::shared_ptr<MessageService> make_message_service(ServiceContext& context);

}  // namespace cinema::message
