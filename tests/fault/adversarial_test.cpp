// Fault tier: a randomized adversarial run. Six clients, each with a generator derived from one
// seed, reserve overlapping and oddly spelled seats of three small screenings, replay and reuse
// Idempotency-Keys, pay with declined and hanging cards, cancel (also twice at once), review, and
// try to charge payments themselves, while a controller SIGKILLs service processes, stops payment
// for seconds and deletes one movie near the end. Once the system settled, every answer a client
// got must be true of the final state, and the invariants hold (adversarial_checks.hpp).
//
//   CINEMA_ADVERSARIAL_SEED=7 CINEMA_ADVERSARIAL_SECONDS=120 build/test/tests/fault_test --gtest_filter='Adversarial*'
// A failing run writes every request and answer to a file it names; CINEMA_ADVERSARIAL_JOURNAL=<file>
// writes them there whatever the outcome.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "adversarial_checks.hpp"
#include "adversarial_clients.hpp"
#include "adversarial_faults.hpp"
#include "cinema_process.hpp"
#include "core/time.hpp"

namespace cinema::testing::adversarial {
namespace {
using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kClients = 6;
constexpr int kMaxPerPerson = 4;
constexpr int kHangMs = 8000;

std::uint64_t setting(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

// splitmix64: independent generators for the threads from one seed.
std::uint64_t derived_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Sets environment variables for the services `cinema up` starts; restores them afterwards.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(std::vector<std::pair<std::string, std::string>> values) {
    for (auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnvironment() {
    for (auto& [name, value] : saved_) value ? (void)::setenv(name.c_str(), value->c_str(), 1) : (void)::unsetenv(name.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::int64_t created_id(const http::Response& response, const char* field) {
  auto body = json::parse(response.body, nullptr, false);
  if (response.status != 201 || !body.is_object() || !body.contains(field))
    throw std::runtime_error("set-up failed: " + std::to_string(response.status) + " " + response.body);
  return body[field].get<std::int64_t>();
}

// Two movies; the first has a screening hours ahead and one starting halfway through the run, the
// second (deleted near the end) one hours ahead. Each 3 rows of 4 seats at 12000.
World make_world(const std::string& gateway, std::chrono::system_clock::time_point soon) {
  World world;
  world.max_per_person = kMaxPerPerson;
  for (auto desc : {"adversarial", "adversarial, doomed"})
    world.movies.push_back(created_id(send(gateway, "POST", "/movies", json{{"desc", desc}}.dump()), "movieId"));
  world.doomed = world.movies[1];
  auto now = std::chrono::system_clock::now();
  std::pair<std::int64_t, std::chrono::system_clock::time_point> plan[] = {
      {world.movies[0], now + 3h}, {world.movies[0], soon}, {world.doomed, now + 4h}};
  for (auto [movie, starts] : plan) {
    json request{{"startsAt", iso_utc(starts)}, {"hall", "1"}, {"rows", 3}, {"cols", 4}, {"price", 12000}};
    auto response = send(gateway, "POST", "/movies/" + std::to_string(movie) + "/screenings", request.dump());
    Screening screening{.id = created_id(response, "screeningId"), .movie = movie, .price = 12000, .rows = 3, .cols = 4};
    screening.starts_at = *parse_iso_utc(iso_utc(starts));
    world.screenings.push_back(screening);
    if (!reservation_knows_screening(gateway, screening.id)) throw std::runtime_error("reservation never learned a screening");
  }
  world.soon = world.screenings[1].id;
  return world;
}

std::string payment_address(const CinemaProcess& cinema) {
  for (int index = 0; index < 6; ++index) {
    try {
      auto echo = json::parse(send(cinema.service(index), "GET", "/actuator/echo").body, nullptr, false);
      if (echo.is_object() && echo.value("service", "") == "payment") return cinema.service(index);
    } catch (const std::exception&) {
    }
  }
  throw std::runtime_error("no service answers as payment");
}

std::string faults_between(const std::vector<Fault>& faults, double from, double to) {
  std::string text;
  for (const auto& f : faults)
    if (f.to >= from - 5 && f.from <= to + 5)
      text += "      fault t=" + std::to_string(f.from) + "s..t=" + std::to_string(f.to) + "s: " + f.what + "\n";
  return text;
}

std::string explain(const Problem& problem, const std::vector<Exchange>& exchanges, const std::vector<Fault>& faults) {
  std::string text = "  - " + problem.detail + "\n";
  double from = 1e9, to = -1e9;
  for (auto id : problem.exchanges) {
    text += "      " + describe(exchanges[id]) + "\n";
    from = std::min(from, exchanges[id].sent_at);
    to = std::max(to, exchanges[id].answered_at);
  }
  if (!problem.exchanges.empty()) text += faults_between(faults, from, to);
  return text;
}

// Waits until every reservation is settled (bounded), then checks; problems that may still be
// settling (an event on its way) get a few more seconds.
std::vector<Problem> settle_and_check(const std::string& gateway, const World& world, const std::vector<Exchange>& exchanges,
                                      const std::vector<Fault>& faults, FinalState& state) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  eventually([&] {
    state = read_final_state(gateway, world);
    return state.error.empty() && state.unsettled().empty();
  }, 60s);
  std::vector<Problem> problems;
  auto grace = std::min(deadline, std::chrono::steady_clock::now() + 10s);
  for (;;) {
    Evidence evidence{world, exchanges, state, faults, kHangMs / 1000.0};
    problems = check_reservation_answers(evidence);
    auto more = check_invariants(evidence);
    problems.insert(problems.end(), more.begin(), more.end());
    if (problems.empty() || std::chrono::steady_clock::now() >= grace) return problems;
    std::this_thread::sleep_for(2s);
    state = read_final_state(gateway, world);
  }
}

void write_journal(const std::filesystem::path& path, std::uint64_t seed, const std::vector<Exchange>& exchanges,
                   const std::vector<Fault>& faults, const std::vector<Problem>& problems, const FinalState& state) {
  std::ofstream out(path);
  out << "seed " << seed << "\n\nfaults:\n";
  for (const auto& f : faults) out << "  t=" << f.from << "s..t=" << f.to << "s " << f.what << "\n";
  out << "\nproblems:\n";
  for (const auto& p : problems) out << "[" << p.check << "]" << explain(p, exchanges, faults);
  out << "\nexchanges:\n";
  for (const auto& e : exchanges) out << describe(e) << "\n";
  out << "\nfinal state:\n";
  for (const auto& [rsv, r] : state.reservations) out << state.summary(rsv) << "\n";
  for (auto movie : state.movies_gone) out << "movie " << movie << " is deleted\n";
}

void print_tally(const std::vector<Exchange>& exchanges, const std::vector<Fault>& faults) {
  std::map<std::string, int> tally;
  for (const auto& e : exchanges)
    ++tally[std::string(op_name(e.op)) + " " + (e.status ? std::to_string(e.status) : "none") +
            (e.error_code().empty() ? "" : " " + e.error_code())];
  std::cout << exchanges.size() << " requests, " << faults.size() << " faults:";
  for (const auto& [what, count] : tally) std::cout << "\n  " << what << ": " << count;
  std::cout << "\n";
}

TEST(Adversarial, RandomClientsAndFaultsLeaveEveryAnswerTrue) {
  auto seed = setting("CINEMA_ADVERSARIAL_SEED", 12);
  auto seconds = static_cast<int>(setting("CINEMA_ADVERSARIAL_SECONDS", 60));
  std::cout << "adversarial run: seed " << seed << ", " << seconds
            << " s of operations (CINEMA_ADVERSARIAL_SEED, CINEMA_ADVERSARIAL_SECONDS)" << std::endl;
  ScopedEnvironment environment({{"MAX_RESERVATION_PER_PERSON", std::to_string(kMaxPerPerson)},
                                 {"PAYMENT_PROCESSOR_HANG_MS", std::to_string(kHangMs)}});
  auto data_dir = std::filesystem::temp_directory_path() / ("cinema-adversarial-" + std::to_string(::getpid()));
  std::filesystem::remove_all(data_dir);
  auto cinema = std::make_unique<CinemaProcess>(data_dir);
  auto supervisor = find_supervisor(data_dir);
  ASSERT_GT(supervisor, 0) << "no `cinema up` process for " << data_dir;

  auto soon = std::chrono::system_clock::now() + std::chrono::seconds(5 + seconds / 2);
  World world = make_world(cinema->gateway(), soon);
  Journal journal;
  Session run{.gateway = cinema->gateway(), .payment = payment_address(*cinema), .world = world, .journal = journal,
          .began = std::chrono::steady_clock::now()};
  auto began_wall = std::chrono::system_clock::now();
  for (auto& screening : world.screenings)
    screening.starts_at_run = std::chrono::duration<double>(screening.starts_at - began_wall).count();

  auto end = run.began + std::chrono::seconds(seconds);
  FaultController controller(supervisor, derived_seed(seed, kClients), run, 0.7 * seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c)
    threads.emplace_back([&, c] { Client(c, derived_seed(seed, static_cast<std::uint64_t>(c)), run).run_until(end); });
  controller.run_until(end - 2s);
  for (auto& thread : threads) thread.join();

  auto exchanges = journal.snapshot();
  print_tally(exchanges, controller.timeline());
  FinalState state;
  auto problems = settle_and_check(run.gateway, world, exchanges, controller.timeline(), state);
  for (auto more : {probe_free_seats(run.gateway, world.screenings[0], state), card_numbers_at_rest(data_dir)})
    problems.insert(problems.end(), more.begin(), more.end());

  std::map<std::string, std::vector<const Problem*>> by_check;
  for (const auto& problem : problems) by_check[problem.check].push_back(&problem);
  auto journal_path = std::filesystem::temp_directory_path() / ("cinema-adversarial-seed" + std::to_string(seed) + "-" +
                                                               std::to_string(::getpid()) + ".log");
  if (const char* wanted = std::getenv("CINEMA_ADVERSARIAL_JOURNAL"); wanted && *wanted) journal_path = wanted;
  if (!problems.empty() || std::getenv("CINEMA_ADVERSARIAL_JOURNAL"))
    write_journal(journal_path, seed, exchanges, controller.timeline(), problems, state);
  for (const auto& [check, list] : by_check) {
    std::string text;
    for (std::size_t i = 0; i < std::min<std::size_t>(list.size(), 5); ++i) text += explain(*list[i], exchanges, controller.timeline());
    ADD_FAILURE() << "[" << check << "] " << list.size() << " violation(s); seed " << seed << " (CINEMA_ADVERSARIAL_SEED="
                  << seed << " CINEMA_ADVERSARIAL_SECONDS=" << seconds << "), every request and answer in " << journal_path
                  << "\n" << text;
  }
  cinema.reset();
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(data_dir);
  else std::cout << "data kept in " << data_dir << "\n";
}

}  // namespace
}  // namespace cinema::testing::adversarial
