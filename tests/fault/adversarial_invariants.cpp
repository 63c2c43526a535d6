// Invariants of the final state whatever was asked, and the answers that must never be given.
#include <algorithm>

#include "adversarial_checks.hpp"

namespace cinema::testing::adversarial {
using nlohmann::json;

namespace {
bool live(const std::string& status) { return status == "reqReserve" || status == "reserved" || status == "reqCancel"; }

class Invariants {
 public:
  explicit Invariants(const Evidence& evidence) : ev_(evidence), state_(evidence.state) {}

  std::vector<Problem> run() {
    if (!state_.error.empty()) add("final-state", "the final state could not be read: " + state_.error, {});
    for (auto rsv : state_.unsettled()) add("unsettled", "still not settled: " + state_.summary(rsv), {});
    seats();
    payments();
    deleted_movies();
    cancels();
    limits();
    reviews();
    answers_never_given();
    return std::move(problems_);
  }

 private:
  void add(std::string check, std::string detail, std::vector<std::size_t> ids) {
    problems_.push_back({std::move(check), std::move(detail), std::move(ids)});
  }

  // No seat of a screening held by two live reservations, under any spelling; names stored canonical.
  void seats() {
    std::map<std::pair<std::int64_t, std::string>, std::int64_t> holder;
    for (const auto& [rsv, r] : state_.reservations) {
      auto screening = r.value("screeningId", std::int64_t{0});
      for (const auto& seat : r.value("seats", json::array())) {
        auto spelling = seat.is_string() ? seat.get<std::string>() : seat.dump();
        auto normal = normalized_seat(spelling);
        if (normal != spelling) add("seat-names", "a seat is stored as '" + spelling + "': " + state_.summary(rsv), {});
        if (!live(r.value("status", ""))) continue;
        auto [it, first] = holder.emplace(std::pair{screening, normal.value_or(spelling)}, rsv);
        if (!first)
          add("seat-held-twice", "seat " + it->first.second + " of screening " + std::to_string(screening) +
                                     " is held by two reservations: " + state_.summary(it->second) + " and " +
                                     state_.summary(rsv), {});
      }
    }
  }

  // A paid payment belongs to a reserved reservation of the same amount and customer; each reserved
  // reservation has exactly one.
  void payments() {
    for (const auto& [rsv, list] : state_.payments) {
      auto paid = std::count_if(list.begin(), list.end(), [](const json& p) { return p.value("status", "") == "paid"; });
      if (paid > 1) add("payment-vs-reservation", "paid more than once: " + state_.summary(rsv), {});
      for (const auto& p : list) {
        if (p.value("status", "") != "paid") continue;
        const auto* r = state_.reservation(rsv);
        if (!r || r->value("status", "") != "reserved" || r->value("amount", std::int64_t{-1}) != p.value("amount", std::int64_t{-2}) ||
            r->value("customerId", "") != p.value("customerId", ""))
          add("payment-vs-reservation", "a paid payment without a reserved reservation of that amount and customer: " +
                                            state_.summary(rsv), {});
      }
    }
    for (const auto& [rsv, r] : state_.reservations)
      if (r.value("status", "") == "reserved" && !state_.paid(rsv))
        add("payment-vs-reservation", "reserved without a paid payment: " + state_.summary(rsv), {});
  }

  // A deleted movie keeps no reservation alive and no payment charged.
  void deleted_movies() {
    for (const auto& e : ev_.exchanges)
      if (e.op == Op::delete_movie && e.status == 204 && !state_.movies_gone.count(e.movie))
        add("deleted-movie", "DELETE answered 204 but the movie is still there", {e.id});
    for (const auto& [rsv, r] : state_.reservations) {
      if (!state_.movies_gone.count(r.value("movieId", std::int64_t{0}))) continue;
      if (live(r.value("status", "")) || state_.paid(rsv))
        add("deleted-movie", "the movie was deleted, but: " + state_.summary(rsv), {});
    }
  }

  // At most one cancel acknowledged per reservation; an acknowledged one ends cancelled and refunded,
  // and none is acknowledged once the screening started.
  void cancels() {
    std::map<std::int64_t, std::vector<std::size_t>> acknowledged;
    for (const auto& e : ev_.exchanges)
      if (e.op == Op::cancel && e.status == 200) acknowledged[e.rsv].push_back(e.id);
    for (const auto& [rsv, ids] : acknowledged) {
      if (ids.size() > 1) add("cancel-twice", "two cancels of one reservation were acknowledged: " + state_.summary(rsv), ids);
      if (state_.status(rsv) != "cancelled" || !state_.refunded(rsv))
        add("cancel-vs-state", "the cancel was acknowledged, but: " + state_.summary(rsv), ids);
      const auto* r = state_.reservation(rsv);
      const auto* screening = r ? ev_.world.screening(r->value("screeningId", std::int64_t{0})) : nullptr;
      for (auto id : ids)
        if (screening && ev_.exchanges[id].sent_at > screening->starts_at_run + 1)
          add("cancel-after-start", "a cancel sent after the screening started was acknowledged: " + state_.summary(rsv), {id});
    }
  }

  void limits() {
    std::map<std::string, int> held;
    for (const auto& [rsv, r] : state_.reservations)
      if (live(r.value("status", ""))) ++held[r.value("customerId", "")];
    for (const auto& [customer, count] : held)
      if (customer.rfind("adv", 0) == 0 && count > ev_.world.max_per_person)
        add("limit", customer + " holds " + std::to_string(count) + " reservations, over MAX_RESERVATION_PER_PERSON=" +
                         std::to_string(ev_.world.max_per_person), {});
  }

  // A review only from a customer with a reserved seat of a started screening, and one per movie.
  void reviews() {
    std::map<std::pair<std::string, std::int64_t>, std::vector<std::size_t>> accepted;
    for (const auto& e : ev_.exchanges) {
      if (e.op != Op::review || e.status != 201) continue;
      accepted[{e.customer, e.movie}].push_back(e.id);
      bool watched = std::any_of(state_.reservations.begin(), state_.reservations.end(), [&](const auto& entry) {
        const auto& r = entry.second;
        const auto* screening = ev_.world.screening(r.value("screeningId", std::int64_t{0}));
        return r.value("customerId", "") == e.customer && r.value("movieId", std::int64_t{0}) == e.movie &&
               r.value("status", "") == "reserved" && screening && screening->starts_at_run < e.answered_at;
      });
      if (!watched) add("review", "a review was accepted from a customer without a seat of a started screening", {e.id});
    }
    for (const auto& [who, ids] : accepted)
      if (ids.size() > 1) add("review", "two reviews of one movie by one customer were accepted", ids);
    for (const auto& [movie, list] : state_.reviews) {
      std::map<std::string, int> per_customer;
      for (const auto& review : list)
        if (++per_customer[review.value("customerId", "")] == 2)
          add("review", "movie " + std::to_string(movie) + " holds two reviews by " + review.value("customerId", ""), {});
    }
  }

  // Clients never charge or void a payment themselves, and nothing answers 500.
  void answers_never_given() {
    for (const auto& e : ev_.exchanges) {
      if (e.status == 500) add("internal-error", "500", {e.id});
      if (e.op == Op::pay_gateway && e.status != 0 && e.status != 403 && e.status != 404 && e.status != 405)
        add("payment-through-gateway", "POST " + e.target + " through the gateway was not refused (403/404/405)", {e.id});
      if (e.op == Op::pay_direct && e.status != 0 && e.status != 400 && e.status != 401 && e.status != 403 &&
          e.status != 404 && e.status != 405)
        add("payment-direct", "payment's own port did not refuse a caller that is not the reservation service", {e.id});
    }
  }

  const Evidence& ev_;
  const FinalState& state_;
  std::vector<Problem> problems_;
};
}  // namespace

std::vector<Problem> check_invariants(const Evidence& evidence) { return Invariants(evidence).run(); }

}  // namespace cinema::testing::adversarial
