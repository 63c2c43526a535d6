#include "store/service_database.hpp"

#include <filesystem>

namespace cinema::store {
std::string without_password(const std::string& url) {
  auto scheme = url.find("://"), at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

SqliteOptions sqlite_options(const Config& config) {
  return {.synchronous_full = config.text("data.synchronous") == "full"};
}

std::unique_ptr<Database> open_service_database(ServiceContext& context, const std::string& file_setting,
                                                std::span<const Migration> migrations) {
  auto url = context.config.text("database.url");
  std::unique_ptr<Database> db;
  std::string where;
  if (url.empty()) {
    auto path = std::filesystem::path(context.data_dir) / context.config.text(file_setting);
    db = open_sqlite(path.string(), sqlite_options(context.config));
    where = path.string();
  } else {
    db = open_postgres(url, {.pool_threads = static_cast<int>(context.config.integer("database.pool_size"))});
    where = without_password(url);
    // Its queries are round trips to a server: handlers that make them leave the loop.
    context.router.run_sync_handlers_on(db->blocking());
  }
  migrate(*db, migrations);
  // The database outlives the HTTP server that runs this check: the service owns both.
  context.actuator.add_readiness_check("db", [db = db.get()] { return db->health(); });
  context.log.info("store ready", {{"backend", std::string(db->backend())}, {"at", where}});
  return db;
}

}  // namespace cinema::store
