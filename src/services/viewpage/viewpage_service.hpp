#pragma once
// Wiring of the view page (CQRS read model): its settings, the one function that builds every part,
// and the reset that `cinema replay viewpage` runs before consuming again from offset 0.
#include <memory>
#include <string_view>

#include "core/service_host.hpp"

namespace cinema::store {
class Database;
}

namespace cinema::viewpage {

class ViewRepository;

inline constexpr std::uint16_t kDefaultPort = 8085;
// The consumer group whose position a replay sets back to 0.
inline constexpr std::string_view kConsumerGroup = "viewpage";

SettingGroup viewpage_settings();

// Owns the store, the consumer and the query handler; routes are registered on context.router.
class ViewpageService;
std::shared_ptr<ViewpageService> make_viewpage_service(ServiceContext& context);

// Migrates `db` (the file of setting viewpage.db_file) if needed, then deletes every view row, the
// lag record and the inbox in one transaction, through `views` (the repository answers are built
// from, so that answers it served before are not served again). Consuming the topic from offset 0
// afterwards rebuilds a view identical to the live one.
void reset_views(store::Database& db, ViewRepository& views);

}  // namespace cinema::viewpage
