#pragma once
// A service's own database: opened in data.dir under the file its setting names, migrated, and
// checked by the service's readiness probe.
#include <memory>
#include <span>
#include <string>

#include "core/service_host.hpp"
#include "store/database.hpp"

namespace cinema::store {

// A database URL as it may be shown (logs, `cinema config show`): its password replaced by ***.
std::string without_password(const std::string& url);

// SQLite options from the settings every service has (data.synchronous), for every file it opens.
SqliteOptions sqlite_options(const Config& config);

// `file_setting`: the key holding the file name ("movie.db_file"); a relative name is under data.dir.
std::unique_ptr<Database> open_service_database(ServiceContext& context, const std::string& file_setting,
                                                std::span<const Migration> migrations);

}  // namespace cinema::store
