#include "cli/private_postgres.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "store/database.hpp"

namespace cinema::cli {
namespace {
namespace fs = std::filesystem;

// Debian installs each major version's server under /usr/lib/postgresql/<major>/bin: the newest.
fs::path server_bin() {
  fs::path best;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
    auto bin = entry.path() / "bin";
    if (fs::exists(bin / "pg_ctl") && (best.empty() || entry.path().filename().string() > best.parent_path().filename().string()))
      best = bin;
  }
  if (best.empty())
    throw std::runtime_error("PostgreSQL's server is not installed (Debian: apt-get install postgresql); "
                             "or give the services a DATABASE_URL of a server you run");
  return best;
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool running_as_root() { return ::geteuid() == 0; }

// Runs a shell command line, as the postgres user when we are root; returns its exit status.
int run(const std::string& command) {
  auto line = running_as_root() ? "su postgres -s /bin/sh -c " + shell_quoted(command) : command;
  int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string tail_of(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::string out;
  for (auto i = lines.size() > 10 ? lines.size() - 10 : 0; i < lines.size(); ++i) out += "  " + lines[i] + "\n";
  return out;
}
}  // namespace

namespace {
const fs::path kRootClusters = "/var/lib/postgresql/cinema";

// Creates `directory` and, run as root, gives it to the postgres user.
void give_to_server(const std::string& directory) {
  fs::create_directories(directory);
  if (running_as_root() && std::system(fmt::format("chown -R postgres: {}", shell_quoted(directory)).c_str()) != 0)
    throw std::runtime_error("cannot give " + directory + " to the postgres user");
}

// Run as root, the cluster belongs to the postgres user, who must be able to reach it: a data
// directory inside a private one (/root, a mktemp -d) is out of its reach, and the cluster goes to
// a directory of its own under /var/lib/postgresql/cinema instead, one per data directory.
std::string reachable_directory(const std::string& wanted) {
  give_to_server(wanted);
  if (!running_as_root()) return wanted;
  if (run("test -w " + shell_quoted(wanted) + " -a -x " + shell_quoted(wanted)) == 0) return wanted;
  auto fallback = (kRootClusters / fmt::format("{:016x}", std::hash<std::string>{}(wanted))).string();
  give_to_server(fallback);
  return fallback;
}

// initdb takes seconds (it writes and syncs a whole cluster); a copy of one made before takes a
// fraction of one. So the first private cluster is kept as a template, one per server version,
// beside the clusters (root) or in ~/.cache/cinema, and every new cluster starts as a copy of it.
// Copies share a system identifier: fine for servers that never replicate to each other.
fs::path template_cluster(const fs::path& bin) {
  const char* home = std::getenv("HOME");
  auto parent = running_as_root() ? kRootClusters : fs::path(home ? home : "/tmp") / ".cache" / "cinema";
  auto made = parent / ("postgres-template-" + bin.parent_path().filename().string());
  if (fs::exists(made / "PG_VERSION")) return made;
  give_to_server(parent.string());
  // Built under a name of its own and renamed into place: another `cinema up` may be building it too.
  auto building = made.string() + ".building-" + std::to_string(::getpid());
  auto log = building + ".log";
  auto init = fmt::format("{} -D {} --auth=trust -U postgres -E UTF8 --no-instructions >{} 2>&1",
                          shell_quoted((bin / "initdb").string()), shell_quoted(building), shell_quoted(log));
  if (run(init) != 0) {
    auto tail = tail_of(log);
    run("rm -rf " + shell_quoted(building) + " " + shell_quoted(log));
    throw std::runtime_error("initdb failed:\n" + tail);
  }
  std::error_code taken;
  fs::rename(building, made, taken);  // fails when another finished first: theirs is as good
  run("rm -rf " + shell_quoted(building) + " " + shell_quoted(log));
  return made;
}
}  // namespace

PrivatePostgres::PrivatePostgres(std::string directory, std::uint16_t port)
    : directory_(reachable_directory(fs::absolute(directory).string())), port_(port) {
  auto bin = server_bin();
  auto cluster = fs::path(directory_) / "cluster";
  if (!fs::exists(cluster / "PG_VERSION")) {
    // Copied beside and renamed into place: a copy cut short (a kill -9) leaves no half cluster
    // that the next start would take for a whole one.
    auto copy = fmt::format("rm -rf {0} {2} && cp -a {1} {0} && mv -T {0} {2}",
                            shell_quoted(cluster.string() + ".copy"), shell_quoted(template_cluster(bin).string()),
                            shell_quoted(cluster.string()));
    if (run(copy) != 0) throw std::runtime_error("cannot make the cluster " + cluster.string());
  }
  // fsync stays on: a commit the services answered must survive a crash of the server too.
  // TCP on loopback only, no Unix socket: a socket path must fit in 107 bytes, and a data
  // directory's path may not.
  auto options = fmt::format("-p {} -k '' -c listen_addresses=127.0.0.1 -c max_connections=200 -c deadlock_timeout=50ms", port_);
  auto start = fmt::format("{} -D {} -o {} -l {} -w -t 60 start >/dev/null 2>&1", shell_quoted((bin / "pg_ctl").string()),
                           shell_quoted(cluster.string()), shell_quoted(options), shell_quoted(directory_ + "/server.log"));
  if (run(start) != 0)
    throw std::runtime_error(fmt::format("PostgreSQL did not start on port {}; its log ends with:\n{}", port_,
                                         tail_of(fs::path(directory_) / "server.log")));
}

PrivatePostgres::~PrivatePostgres() {
  auto bin = server_bin();
  run(fmt::format("{} -D {} -m fast -w stop >/dev/null 2>&1", shell_quoted((bin / "pg_ctl").string()),
                  shell_quoted((fs::path(directory_) / "cluster").string())));
}

std::string PrivatePostgres::url(const std::string& database) const {
  return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", port_, database);
}

void PrivatePostgres::create_databases(const std::vector<std::string>& names) const {
  cli::create_databases(url("postgres"), names);
}

void create_databases(const std::string& admin_url, const std::vector<std::string>& names) {
  auto admin = store::open_postgres(admin_url, {.pool_threads = 1});
  for (const auto& name : names) {
    if (!admin->query("SELECT 1 FROM pg_database WHERE datname = $1", {name}).empty()) continue;
    try {
      admin->execute_script("CREATE DATABASE \"" + name + "\"");
    } catch (const store::ConstraintViolation&) {  // created meanwhile by another `cinema up`
    }
  }
}

}  // namespace cinema::cli
