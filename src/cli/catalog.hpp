#pragma once
// Every service the `cinema` binary can run, in the order `cinema up` starts them (gateway last).
// This is the one place that knows services by name; each entry points at the service's own wiring.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/service_host.hpp"

namespace cinema::cli {

struct ServiceEntry {
  std::string name;
  std::uint16_t default_port;
  std::function<SettingGroup()> settings;
  bool uses_events;
  std::function<std::shared_ptr<void>(ServiceContext&)> make;
};

const std::vector<ServiceEntry>& service_catalog();
const ServiceEntry* find_service(const std::string& name);
// Common settings plus the service's own.
std::vector<SettingSpec> settings_of(const ServiceEntry& entry);
// Every setting of every service, once each: what a command that reads a whole system's
// configuration file (audit, token) loads it with.
std::vector<SettingSpec> every_setting();

}  // namespace cinema::cli
