#include "adversarial_clients.hpp"

#include <cctype>
#include <thread>

#include "core/http/client.hpp"

namespace cinema::testing::adversarial {
using nlohmann::json;
using namespace std::chrono_literals;

double Session::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

Exchange Session::send(Exchange e, std::chrono::milliseconds timeout) {
  http::Request request{.method = e.method, .target = e.target, .headers = {}, .body = e.body};
  if (!e.body.empty()) request.headers.set("Content-Type", "application/json");
  if (!e.idempotency_key.empty()) request.headers.set("Idempotency-Key", e.idempotency_key);
  if (!e.service_token.empty()) request.headers.set("X-Service-Token", e.service_token);
  e.sent_at = seconds();
  try {
    auto response = http::blocking_send(e.upstream == "payment" ? payment : gateway, std::move(request), timeout);
    e.status = response.status;
    e.answer = response.body;
    e.replayed = response.headers.get("Idempotent-Replayed") == "true";
  } catch (const std::exception& error) {
    e.status = 0;
    e.answer = std::string("(") + error.what() + ")";
  }
  e.answered_at = seconds();
  for (auto rsv = e.answered_rsv(), seen = highest_rsv.load(); rsv > seen && !highest_rsv.compare_exchange_weak(seen, rsv);) {
  }
  e.id = journal.add(e);
  return e;
}

Client::Client(int index, std::uint64_t seed, Session& run) : index_(index), run_(run), random_(seed) {
  for (auto name : {"kim", "lee", "park"}) customers_.push_back("adv" + std::to_string(index) + "-" + name);
}

void Client::run_until(std::chrono::steady_clock::time_point end) {
  while (std::chrono::steady_clock::now() < end) {
    step();
    pause(20, 120);
  }
}

int Client::uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
bool Client::chance(double p) { return std::bernoulli_distribution(p)(random_); }
void Client::pause(int low_ms, int high_ms) { std::this_thread::sleep_for(std::chrono::milliseconds(uniform(low_ms, high_ms))); }
const std::string& Client::customer() { return customers_[static_cast<std::size_t>(uniform(0, 2))]; }
std::string Client::fresh_key() { return "c" + std::to_string(index_) + "-" + std::to_string(++keys_); }

void Client::step() {
  // Weights per hundred operations.
  static const std::vector<double> weights = {38, 12, 8, 5, 3, 0.7, 4, 10, 4, 2, 5, 3, 3};
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  switch (pick(random_)) {
    case 0: return reserve_plain();
    // A key from a small pool the client reuses, sometimes for another body (422 once bound);
    // other clients use the same keys for their own customers (a key is scoped to the customer).
    case 1: return reserve_keyed("k" + std::to_string(uniform(0, 24)), "key from the shared pool");
    case 2: return replay_same_body();
    case 3: return other_body_same_key();
    case 4: return race_same_key();
    case 5: return hanging_card();
    case 6: return replay_old_key();
    case 7: return mine_.empty() ? reserve_plain() : cancel(mine_[static_cast<std::size_t>(uniform(0, static_cast<int>(mine_.size()) - 1))], "own");
    case 8: return race_cancel();
    case 9: return cancel(uniform(1, static_cast<int>(run_.highest_rsv.load()) + 3), "anyone's");
    case 10: return review();
    case 11: return forged_payment(true);
    default: return forged_payment(false);
  }
}

void Client::reserve_plain() {
  auto ask = random_ask(!chance(0.2));
  if (chance(0.01)) ask.card = kHangingCard;
  reserve(ask, "", "");
}

void Client::reserve_keyed(const std::string& key, const char* note) {
  auto ask = random_ask(true);
  keyed_.emplace_back(ask, key);
  reserve(ask, key, note);
}

void Client::replay_same_body() {
  auto ask = random_ask(true);
  auto key = fresh_key();
  keyed_.emplace_back(ask, key);
  auto first = reserve(ask, key, "keyed");
  pause(0, 300);
  if (chance(0.7) || !ask.seats.is_array() || ask.seats.empty() || !ask.seats[0].is_string()) {
    reserve(ask, key, "replay of #" + std::to_string(first.id) + ", same body");
    return;
  }
  // The same seats spelled otherwise: the same request once seat names are normalized.
  auto respelled = ask;
  auto normal = normalized_seat(ask.seats[0].get<std::string>());
  if (normal) respelled.seats[0] = std::string(1, static_cast<char>(std::tolower((*normal)[0]))) + "0" + normal->substr(1);
  reserve(respelled, key, "replay of #" + std::to_string(first.id) + ", same seats spelled otherwise");
}

void Client::other_body_same_key() {
  auto ask = random_ask(true);
  auto key = fresh_key();
  auto first = reserve(ask, key, "keyed");
  auto other = ask;
  if (chance(0.5)) other.card = ask.card == kNormalCard ? std::string{} : std::string(kNormalCard);
  else other.seats = random_seats(run_.world.screening(ask.screening) ? *run_.world.screening(ask.screening) : run_.world.screenings[0]);
  keyed_.emplace_back(other, key);
  reserve(other, key, "other body under the key of #" + std::to_string(first.id));
}

void Client::race_same_key() {
  auto ask = random_ask(true);
  auto key = fresh_key();
  keyed_.emplace_back(ask, key);
  auto request = reservation_exchange(run_.world, index_, ask, key, "race: same key and body, sent twice at once");
  Exchange answers[2];
  std::thread twin([&] { answers[1] = run_.send(request, 20s); });
  answers[0] = run_.send(request, 20s);
  twin.join();
  for (const auto& answer : answers) remember(answer);
}

void Client::hanging_card() {
  auto ask = random_ask(true);
  ask.card = kHangingCard;
  auto key = fresh_key();
  keyed_.emplace_back(ask, key);
  auto first = reserve(ask, key, "hanging card");
  pause(100, 1000);
  reserve(ask, key, "replay of #" + std::to_string(first.id) + " while its payment is undecided");
}

void Client::replay_old_key() {
  if (keyed_.empty()) return reserve_plain();
  auto [ask, key] = keyed_[static_cast<std::size_t>(uniform(0, static_cast<int>(keyed_.size()) - 1))];
  reserve(ask, key, "replay of an old key");
}

void Client::cancel(std::int64_t rsv, const char* note) {
  Exchange e{.client = index_, .op = Op::cancel, .upstream = "gateway", .method = "PATCH",
             .target = "/reservations/" + std::to_string(rsv), .body = R"({"status":"reqCancel"})"};
  e.rsv = rsv;
  e.note = note;
  run_.send(std::move(e), 20s);
}

void Client::race_cancel() {
  if (mine_.empty()) return reserve_plain();
  auto rsv = mine_[static_cast<std::size_t>(uniform(0, static_cast<int>(mine_.size()) - 1))];
  std::thread twin([&] { cancel(rsv, "race: two cancels at once"); });
  cancel(rsv, "race: two cancels at once");
  twin.join();
}

void Client::review() {
  const auto& movies = run_.world.movies;
  auto movie = movies[static_cast<std::size_t>(uniform(0, static_cast<int>(movies.size()) - 1))];
  Exchange e{.client = index_, .op = Op::review, .upstream = "gateway", .method = "POST",
             .target = "/movies/" + std::to_string(movie) + "/reviews"};
  e.movie = movie;
  e.customer = customer();
  e.body = json{{"customerId", e.customer}, {"rating", uniform(1, 5)}, {"text", "adversarial"}}.dump();
  run_.send(std::move(e), 20s);
}

// A client trying to charge or void on its own: through the gateway, or straight at payment's
// port, with or without a guessed service token. None of these may succeed.
void Client::forged_payment(bool through_gateway) {
  static const std::int64_t amounts[] = {12000, 24000, 36000, 0, 1, -5, 999999999};
  Exchange e{.client = index_, .op = through_gateway ? Op::pay_gateway : Op::pay_direct,
             .upstream = through_gateway ? "gateway" : "payment", .method = "POST",
             .target = chance(0.8) ? "/payments" : "/payments/void"};
  e.rsv = uniform(1, static_cast<int>(run_.highest_rsv.load()) + 3);
  e.customer = customer();
  e.body = json{{"rsvId", e.rsv}, {"movieId", run_.world.movies[0]}, {"amount", amounts[uniform(0, 6)]},
                {"customerId", e.customer}, {"cardNumber", kNormalCard}}
               .dump();
  if (chance(0.4)) e.service_token = chance(0.5) ? "reservation" : std::to_string(random_());
  run_.send(std::move(e), 5s);
}

Exchange Client::reserve(const Ask& ask, const std::string& key, const std::string& note) {
  auto answered = run_.send(reservation_exchange(run_.world, index_, ask, key, note), 20s);
  remember(answered);
  return answered;
}

void Client::remember(const Exchange& answered) {
  bool created = (answered.status == 201 && !answered.replayed) ||
                 (answered.status == 503 && answered.error_code() == "payment_pending");
  if (created && answered.answered_rsv()) mine_.push_back(answered.answered_rsv());
}

Exchange reservation_exchange(const World& world, int client, const Ask& ask, const std::string& key,
                              const std::string& note) {
  Exchange e{.client = client, .op = Op::reserve, .upstream = "gateway", .method = "POST", .target = "/reservations"};
  json body{{"screeningId", ask.screening}, {"seats", ask.seats}};
  if (!ask.customer.empty()) body["customerId"] = ask.customer;
  if (!ask.card.empty()) body["cardNumber"] = ask.card;
  e.body = body.dump();
  e.idempotency_key = key;
  e.note = note;
  e.screening = ask.screening;
  e.customer = ask.customer;
  e.card = ask.card;
  e.seats = ask.seats;
  if (const auto* screening = world.screening(ask.screening)) e.movie = screening->movie;
  return e;
}

Ask Client::random_ask(bool named) {
  Ask ask;
  const auto& screenings = run_.world.screenings;
  const auto& screening = screenings[static_cast<std::size_t>(uniform(0, static_cast<int>(screenings.size()) - 1))];
  ask.screening = chance(0.02) ? 999999 : screening.id;  // now and then a screening nobody created
  ask.seats = random_seats(screening);
  if (named) ask.customer = customer();
  ask.card = card();
  return ask;
}

json Client::random_seats(const Screening& screening) {
  int count = std::discrete_distribution<int>({0, 60, 30, 10})(random_);
  json seats = json::array();
  std::vector<std::pair<int, int>> picked;
  for (int i = 0; i < count; ++i) {
    picked.emplace_back(uniform(0, screening.rows - 1), uniform(1, screening.cols));
    seats.push_back(spell(picked.back().first, picked.back().second));
  }
  if (chance(0.06)) {
    // The first seat again, under its own or another spelling: one request, one seat twice.
    seats.push_back(chance(0.5) ? seats[0].get<std::string>() : spell(picked[0].first, picked[0].second));
  } else if (chance(0.06)) {
    static const char* nowhere[] = {"Z9", "A0", "D1", "1A", "", "AA1", "A-1", "A99"};
    seats[static_cast<std::size_t>(uniform(0, count - 1))] = nowhere[uniform(0, 7)];
  } else if (chance(0.01)) {
    seats.push_back(1);  // not a string at all
  }
  return seats;
}

// "A1" three times in four, else one of its other spellings.
std::string Client::spell(int row, int col) {
  auto upper = std::string(1, static_cast<char>('A' + row)), lower = std::string(1, static_cast<char>('a' + row));
  auto number = std::to_string(col);
  if (chance(0.75)) return upper + number;
  switch (uniform(0, 5)) {
    case 0: return lower + number;
    case 1: return upper + "0" + number;
    case 2: return upper + "00" + number;
    case 3: return " " + upper + number;
    case 4: return lower + "0" + number;
    default: return upper + number + " ";
  }
}

std::string Client::card() {
  switch (std::discrete_distribution<int>({72, 14, 14})(random_)) {
    case 0: return kNormalCard;
    case 1: return kDeclinedCard;
    default: return "";  // no card: approved like any number
  }
}

}  // namespace cinema::testing::adversarial
