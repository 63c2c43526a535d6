#pragma once
// A PostgreSQL server of cinema's own, for `cinema up --store=postgres` and the tests: Debian's
// server binaries, a cluster under a data directory (made on first use, as a copy of a template
// cluster that initdb made once), listening on 127.0.0.1 only (no Unix socket), trusted local
// logins, stopped (fast) with the system. Run as root, the cluster belongs to the `postgres` user,
// as PostgreSQL insists.
#include <cstdint>
#include <string>
#include <vector>

namespace cinema::cli {

class PrivatePostgres {
 public:
  // Starts (initializing if needed) the cluster in `directory` on `port`; throws with the server's
  // log tail when it does not come up.
  PrivatePostgres(std::string directory, std::uint16_t port);
  ~PrivatePostgres();  // pg_ctl stop -m fast
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  // postgresql://postgres@127.0.0.1:<port>/<database>
  [[nodiscard]] std::string url(const std::string& database) const;
  // Creates each database that does not exist yet.
  void create_databases(const std::vector<std::string>& names) const;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Where the cluster and its logs are: the directory given, or, when the postgres
  // user cannot reach that one, a directory of its own under /var/lib/postgresql/cinema.
  [[nodiscard]] const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  std::uint16_t port_;
};

// Creates each database of `names` missing on the server `admin_url` names (its maintenance
// database, e.g. postgresql://postgres@host:5432/postgres).
void create_databases(const std::string& admin_url, const std::vector<std::string>& names);

}  // namespace cinema::cli
