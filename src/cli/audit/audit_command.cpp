#include "cli/audit/audit_command.hpp"

#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "cli/audit/audit_kafka.hpp"
#include "cli/audit/audit_report.hpp"
#include "cli/audit/audit_sources.hpp"
#include "cli/catalog.hpp"
#include "core/config.hpp"
#include "events/bus.hpp"
#include "events/runtime.hpp"

namespace cinema::cli {
namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kPassInterval = std::chrono::milliseconds(250);
// A Kafka consumer group needs a few seconds to join before the dead letters arrive.
constexpr auto kDeadLetterWait = std::chrono::seconds(10);

// Every setting of every service, so the same file (or environment) as `cinema up`'s is accepted.

audit::StoreFiles store_files(const Config& config) {
  std::filesystem::path dir = config.text("data.dir");
  audit::StoreFiles files{.movie = dir / config.text("movie.db_file"),
                          .reservation = dir / config.text("reservation.db_file"),
                          .payment = dir / config.text("payment.db_file"),
                          .message = dir / config.text("message.db_file"),
                          .viewpage = dir / config.text("viewpage.db_file"),
                          .topic = config.text("event.topic"),
                          .database_urls = audit::database_urls(dir)};
  if (config.text("event.bus") == "kafka")
    files.kafka_brokers = config.text("kafka.brokers");
  else
    files.event_log = dir / config.text("event.log_dir") / "events.db";
  return files;
}

bool any_store_exists(const audit::StoreFiles& files) {
  if (!files.database_urls.empty()) return true;
  for (const auto* path : {&files.movie, &files.reservation, &files.payment, &files.message, &files.viewpage})
    if (std::filesystem::exists(*path)) return true;
  return false;
}

// Reads and checks until clean or `wait` is over. Errors that two passes in a row found alike,
// with nothing in flight, will not go away by waiting.
std::pair<audit::Sources, int> settle(const audit::StoreFiles& files, std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + wait;
  std::optional<std::vector<audit::Finding>> previous;
  for (int passes = 1;; ++passes) {
    auto sources = audit::read_sources(files);
    auto report = audit::audit(sources);
    bool settled_errors = !report.has_pending() && previous == report.findings;
    if (report.clean() || settled_errors || Clock::now() + kPassInterval > deadline) return {std::move(sources), passes};
    previous = std::move(report.findings);
    std::this_thread::sleep_for(kPassInterval);
  }
}
}  // namespace

AuditCommand::AuditCommand(CLI::App& app)
    : command_(app.add_subcommand("audit", "Check that every service's data agrees with the others (read-only)")) {
  // CLI11 would end a missing value or a stray argument with exit codes of its own (100 and up);
  // run() reports them with the audit's usage code, 2, so every value is optional to CLI11.
  valued_ = {command_->add_option("--data", data_dir_, "Data directory of the system (default: data.dir, DATA_DIR)"),
             command_->add_option("--config", config_file_, "YAML settings file (or CINEMA_CONFIG)"),
             command_->add_option("--wait", wait_, "Run again until clean, for at most this many seconds")
                 ->type_name("SECONDS")};
  for (auto* option : valued_) option->expected(0, 1);
  command_->add_flag("--json", json_, "Print the report as JSON");
  command_->allow_extras();
}

std::string AuditCommand::usage_error() const {
  if (!command_->remaining().empty()) return "unexpected argument '" + command_->remaining().front() + "'";
  for (const auto* option : valued_)
    if (option->count() > 0 && option->as<std::string>().empty()) return option->get_name() + " needs a value";
  if (!wait_.empty() && !parse_wait()) return "--wait takes a number of seconds, not '" + wait_ + "'";
  return {};
}

std::optional<std::chrono::milliseconds> AuditCommand::parse_wait() const {
  if (wait_.empty()) return std::chrono::milliseconds(0);
  try {
    std::size_t used = 0;
    double seconds = std::stod(wait_, &used);
    if (used != wait_.size() || seconds < 0 || seconds > 86400) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Config AuditCommand::load_config() const {
  // --data stands for DATA_DIR, above the file and the environment.
  auto environment = [this](const std::string& name) -> std::optional<std::string> {
    if (name == Config::env_name("data.dir") && !data_dir_.empty()) return data_dir_;
    return process_environment(name);
  };
  auto file = config_file_.empty() ? process_environment("CINEMA_CONFIG").value_or("") : config_file_;
  return Config::load(every_setting(), file, environment);
}

int AuditCommand::run() const {
  if (auto error = usage_error(); !error.empty()) {
    std::cerr << "cinema audit: " << error << "\n";
    return 2;
  }
  auto config = load_config();
  auto files = store_files(config);
  if (!any_store_exists(files)) {
    std::cerr << "cinema audit: no service's database in " << config.text("data.dir") << "\n";
    return 2;
  }
  const auto began = Clock::now();
  auto [sources, passes] = settle(files, *parse_wait());
  if (!files.kafka_brokers.empty()) {  // the dead letters, if any, through the bus
    auto dead_letter_topic = files.topic + ".DLT";
    auto count = audit::kafka_topic_size(files.kafka_brokers, dead_letter_topic);
    if (!count || *count > 0) {
      auto bus = events::make_bus(config, config.text("data.dir"));
      sources.dead_letters = audit::read_dead_letters(*bus, dead_letter_topic, count, kDeadLetterWait);
    }
  }
  auto report = audit::audit(sources);
  audit::RunInfo run{config.text("data.dir"), config.text("event.bus"), passes,
                     std::chrono::duration<double>(Clock::now() - began).count()};
  if (json_)
    std::cout << audit::to_json(report, run).dump(2) << "\n";
  else
    std::cout << audit::to_text(report, run);
  return report.clean() ? 0 : 1;
}

}  // namespace cinema::cli
