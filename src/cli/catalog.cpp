#include "cli/catalog.hpp"

#include <set>

#include "events/runtime.hpp"
#include "services/gateway/gateway_service.hpp"
#include "services/message/message_service.hpp"
#include "services/movie/movie_service.hpp"
#include "services/payment/payment_service.hpp"
#include "services/reservation/reservation_service.hpp"
#include "services/viewpage/viewpage_service.hpp"

namespace cinema::cli {

const std::vector<ServiceEntry>& service_catalog() {
  static const std::vector<ServiceEntry> catalog = {
      {"movie", movie::kDefaultPort, movie::movie_settings, true,
       [](ServiceContext& context) -> std::shared_ptr<void> { return movie::make_movie_service(context); }},
      {"payment", payment::kDefaultPort, payment::payment_settings, true,
       [](ServiceContext& context) -> std::shared_ptr<void> { return payment::make_payment_service(context); }},
      {"reservation", reservation::kDefaultPort, reservation::reservation_settings, true,
       [](ServiceContext& context) -> std::shared_ptr<void> { return reservation::make_reservation_service(context); }},
      {"message", message::kDefaultPort, message::message_settings, true,
       [](ServiceContext& context) -> std::shared_ptr<void> { return message::make_message_service(context); }},
      {"viewpage", viewpage::kDefaultPort, viewpage::viewpage_settings, true,
       [](ServiceContext& context) -> std::shared_ptr<void> { return viewpage::make_viewpage_service(context); }},
      {"gateway", gateway::kDefaultPort, gateway::gateway_settings, false,
       [](ServiceContext& context) -> std::shared_ptr<void> { return gateway::make_gateway_service(context); }},
  };
  return catalog;
}

const ServiceEntry* find_service(const std::string& name) {
  for (const auto& entry : service_catalog())
    if (entry.name == name) return &entry;
  return nullptr;
}

std::vector<SettingSpec> settings_of(const ServiceEntry& entry) {
  auto specs = common_settings().settings;
  if (entry.uses_events) {
    auto events = events::event_settings().settings;
    specs.insert(specs.end(), events.begin(), events.end());
  }
  auto own = entry.settings().settings;
  specs.insert(specs.end(), own.begin(), own.end());
  return specs;
}

std::vector<SettingSpec> every_setting() {
  std::vector<SettingSpec> specs;
  std::set<std::string> keys;
  auto add = [&](const SettingGroup& group) {
    for (const auto& spec : group.settings)
      if (keys.insert(spec.key).second) specs.push_back(spec);
  };
  add(common_settings());
  add(events::event_settings());
  for (const auto& entry : service_catalog()) add(entry.settings());
  return specs;
}

}  // namespace cinema::cli
