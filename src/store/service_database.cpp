#include "store/service_database.hpp"

#include <filesystem>

namespace cinema::store {

SqliteOptions sqlite_options(const Config& config) {
  return {.synchronous_full = config.text("data.synchronous") == "full"};
}

std::unique_ptr<Database> open_service_database(ServiceContext& context, const std::string& file_setting,
                                                std::span<const Migration> migrations) {
  auto path = std::filesystem::path(context.data_dir) / context.config.text(file_setting);
  auto db = open_sqlite(path.string(), sqlite_options(context.config));
  migrate(*db, migrations);
  // The database outlives the HTTP server that runs this check: the service owns both.
  context.actuator.add_readiness_check("db", [db = db.get()]() -> std::string {
    try {
      db->query("SELECT 1");
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  });
  context.log.info("store ready", {{"path", path.string()}});
  return db;
}

}  // namespace cinema::store
