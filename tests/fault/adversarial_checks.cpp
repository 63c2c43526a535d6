// The answers to POST /reservations against the final state. A request without an answer (status 0,
// 500, 502, 504) may or may not have taken effect: it is never held against the system, but it may
// explain a reservation nobody was told about.
#include <algorithm>

#include "adversarial_checks.hpp"

namespace cinema::testing::adversarial {
using nlohmann::json;

namespace {
bool makes_reservation(const Exchange& e) {
  auto code = e.error_code();
  return e.status == 200 || e.status == 201 || e.status == 402 || (e.status == 503 && code == "payment_pending");
}

// An answer naming a reservation that exists because of this request or the first one of its key.
bool names_reservation(const Exchange& e) {
  auto code = e.error_code();
  return e.answered_rsv() != 0 && (makes_reservation(e) || (e.status == 503 && code == "payment_unavailable") ||
                                   (e.status == 409 && code == "idempotency_in_flight"));
}

// What the server compares under one Idempotency-Key: screening, seats as normalized, card.
std::string fingerprint(const Exchange& e) {
  std::string text = std::to_string(e.screening) + "|" + e.card;
  for (const auto& seat : normalized_seats(e.seats)) text += "|" + seat;
  return text;
}

// Who may hold a reservation: the customer, or any guest id for a request without one.
std::string signature(std::int64_t screening, const std::vector<std::string>& seats, const std::string& customer) {
  std::string text = std::to_string(screening) + "|" + (customer.rfind("adv", 0) == 0 ? customer : "guest");
  for (const auto& seat : seats) text += "|" + seat;
  return text;
}

std::vector<std::string> sorted_strings(const json& array) {
  std::vector<std::string> out;
  if (array.is_array())
    for (const auto& item : array) out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  std::sort(out.begin(), out.end());
  return out;
}

bool payment_fault_between(const Evidence& evidence, double from, double to) {
  return std::any_of(evidence.faults.begin(), evidence.faults.end(), [&](const Fault& f) {
    return (f.service == "payment" || f.service == "reservation") && f.from <= to && f.to >= from;
  });
}

class AnswerChecks {
 public:
  explicit AnswerChecks(const Evidence& evidence) : ev_(evidence) {
    for (const auto& e : ev_.exchanges) {
      if (e.op == Op::cancel) cancels_[e.rsv].push_back(&e);
      if (e.op == Op::delete_movie && e.status == 204 && deleted_at_ < 0) deleted_at_ = e.answered_at;
      if (e.op == Op::reserve && !e.idempotency_key.empty()) scopes_[e.customer + "\n" + e.idempotency_key].push_back(&e);
    }
  }

  std::vector<Problem> run() {
    for (auto& [scope, sequence] : scopes_) check_scope(sequence);
    for (const auto& e : ev_.exchanges)
      if (e.op == Op::reserve && !unknown_outcome(e)) check_answer(e);
    check_hidden();
    return std::move(problems_);
  }

 private:
  void add(std::string check, std::string detail, std::vector<std::size_t> ids) {
    problems_.push_back({std::move(check), std::move(detail), std::move(ids)});
  }

  // What one Idempotency-Key of one customer is known to stand for, request after request.
  struct KeyState {
    const Exchange* binder = nullptr;   // the first answer naming the key's reservation
    const Exchange* decided = nullptr;  // the first answer giving its outcome (200, 201, 402)
    const Exchange* first = nullptr;    // the first request sent under the key
    [[nodiscard]] bool same(const Exchange& e) const { return binder && fingerprint(*binder) == fingerprint(e); }
  };

  // One key of one customer, in the order the client sent its requests.
  void check_scope(std::vector<const Exchange*> sequence) {
    std::stable_sort(sequence.begin(), sequence.end(), [](auto* a, auto* b) { return a->sent_at < b->sent_at; });
    KeyState key{.first = sequence.front()};
    std::set<std::string> sent;  // fingerprints sent before, answered or not
    for (const auto* e : sequence) {
      if (!sent.insert(fingerprint(*e)).second || e->replayed) not_fresh_.insert(e->id);
      auto code = e->error_code();
      if (unknown_outcome(*e)) continue;  // may or may not have bound the key: judged by what follows
      if (code == "idempotency_in_flight") in_flight(key, *e);
      else if (names_reservation(*e) && code != "payment_unavailable") named(key, *e);
      else if (e->status == 422) reused(key, *e);
      else refused(key, *e);
    }
  }

  // 409: the first request is still being paid. For this body or (left open) another one.
  void in_flight(const KeyState& key, const Exchange& e) {
    if (key.decided && key.same(e) && e.sent_at > key.decided->answered_at + 1)
      add("idempotency-replay", "a replay was told the first request is in flight after it was answered",
          {key.decided->id, e.id});
    if (key.same(e) && e.answered_rsv() && e.answered_rsv() != key.binder->answered_rsv())
      add("idempotency-replay", "the same Idempotency-Key and body named two different reservations", {key.binder->id, e.id});
  }

  // An answer naming a reservation: the key's own, with the first answer's status once decided.
  void named(KeyState& key, const Exchange& e) {
    if (!key.binder) key.binder = &e;
    else if (!key.same(e))
      add("idempotency-other-body", "another body under a used Idempotency-Key got a reservation instead of 422",
          {key.binder->id, e.id});
    else if (e.answered_rsv() != key.binder->answered_rsv())
      add("idempotency-replay", "the same Idempotency-Key and body named two different reservations", {key.binder->id, e.id});
    if (e.status != 200 && e.status != 201 && e.status != 402) return;
    if (!key.decided && key.same(e)) key.decided = &e;
    else if (key.decided && key.same(e) && e.status != key.decided->status && e.sent_at > key.decided->answered_at)
      add("idempotency-replay", "a replay did not return the first answer's status", {key.decided->id, e.id});
  }

  // 422: right for another body under a used key; wrong for the same bytes or a key never used.
  void reused(const KeyState& key, const Exchange& e) {
    // A body spelling the same seats otherwise may count as another body; the very same bytes may not.
    if (key.same(e) && key.binder->seats == e.seats)
      add("idempotency-replay", "a replay with the same body was refused as a reused key", {key.binder->id, e.id});
    else if (!key.binder && &e == key.first)
      add("idempotency-other-body", "422 for a key never used before", {e.id});
  }

  // Any other refusal under a used key: the same body should have been a replay, another a 422.
  void refused(const KeyState& key, const Exchange& e) {
    auto shape = shape_of(e);
    // Refusals that may come before the key is looked at: a body that could never be held.
    bool invalid_refused = shape == SeatShape::invalid && e.status >= 400 && e.status < 500;
    // Only a request sent once the binder was answered surely found the key recorded (two sent at
    // once may be handled in either order).
    if (!key.binder || e.sent_at < key.binder->answered_at || invalid_refused ||
        (e.status == 400 && shape == SeatShape::variant) || e.status == 503)
      return;
    if (key.same(e))
      add("idempotency-replay", "a replay with the same body did not get the first answer", {key.binder->id, e.id});
    else
      add("idempotency-other-body", "another body under a used Idempotency-Key was not refused with 422",
          {key.binder->id, e.id});
  }

  SeatShape shape_of(const Exchange& e) const {
    const auto* screening = ev_.world.screening(e.screening);
    return screening ? seat_shape(e.seats, *screening) : SeatShape::invalid;
  }

  void check_answer(const Exchange& e) {
    auto shape = shape_of(e);
    auto code = e.error_code();
    auto rsv = e.answered_rsv();
    if (e.status == 500) return;  // counted by check_invariants
    if (shape == SeatShape::invalid && (makes_reservation(e) || (rsv && code != "idempotency_in_flight")))
      add("seat-names", "a request for a seat that is not on the map (or one seat twice) was not refused", {e.id});
    if (shape == SeatShape::canonical && e.status == 400)
      add("valid-request-refused", "a well-formed request for seats on the map was refused with 400", {e.id});
    if ((e.card == kDeclinedCard || e.card == kHangingCard) && (e.status == 200 || e.status == 201))
      add("card-outcome", std::string(e.card == kDeclinedCard ? "the declined" : "the hanging") + " card got 201", {e.id});
    if (e.customer.empty() && code == "limit_reached")
      add("guest-lockout", "a request without customerId was refused as over the per-person limit", {e.id});
    bool fresh = !e.replayed && !not_fresh_.count(e.id);  // not possibly answered from an earlier request
    if ((e.status == 200 || e.status == 201) && fresh) check_created_body(e);
    if (e.status == 201 && fresh) check_still_selling(e);
    if (names_reservation(e)) check_final(e, rsv, code);
  }

  void check_created_body(const Exchange& e) {
    auto body = e.answer_json();
    const auto* screening = ev_.world.screening(e.screening);
    if (!body.is_object() || !screening) return;
    auto seats = sorted_strings(body.value("seats", json::array()));
    bool canonical = std::all_of(seats.begin(), seats.end(), [](const auto& s) { return normalized_seat(s) == s; });
    if (seats != normalized_seats(e.seats) || !canonical)
      add("seat-names", "201 with seats other than the normalized names asked for", {e.id});
    if (body.value("amount", std::int64_t{-1}) != screening->price * static_cast<std::int64_t>(seats.size()))
      add("amount", "201 with an amount other than price x seats", {e.id});
  }

  void check_still_selling(const Exchange& e) {
    const auto* screening = ev_.world.screening(e.screening);
    if (screening && e.sent_at > screening->starts_at_run + 1)
      add("sold-after-start", "a new reservation was confirmed for a screening that had started", {e.id});
    if (e.movie == ev_.world.doomed && deleted_at_ >= 0 && e.sent_at > deleted_at_ + 10)
      add("sold-after-delete", "a new reservation was confirmed 10 s after its movie was deleted", {e.id});
  }

  // The final state of the reservation an answer named.
  void check_final(const Exchange& e, std::int64_t rsv, const std::string& code) {
    const auto* r = ev_.state.reservation(rsv);
    if (!r) return add("answer-vs-state", "the answer names reservation " + std::to_string(rsv) + ", which does not exist", {e.id});
    auto customer = r->value("customerId", "");
    bool whose = e.customer.empty() ? customer.rfind("adv", 0) != 0 : customer == e.customer;
    // "In flight" names the first request's reservation, whose body may differ from this one.
    bool what = code == "idempotency_in_flight" ||
                (r->value("screeningId", std::int64_t{0}) == e.screening &&
                 (shape_of(e) == SeatShape::invalid || sorted_strings(r->value("seats", json::array())) == normalized_seats(e.seats)));
    if (!whose || !what)
      add("answer-vs-state", "the answer names a reservation of another customer, screening or seats: " + ev_.state.summary(rsv),
          {e.id});
    auto kind = e.status == 200 ? std::string("201") : std::to_string(e.status) + code;
    if (!checked_.insert({rsv, kind}).second) return;
    auto status = ev_.state.status(rsv);
    if (e.status == 200 || e.status == 201) return check_confirmed(e, rsv, status);
    bool hanging = e.card == kHangingCard && code == "payment_pending";
    if (e.status == 402 || code == "payment_unavailable" || hanging) {
      if (status != "rejected" || ev_.state.paid(rsv))
        add(hanging ? "hanging-card" : "declined", "the answer said nothing was charged, but: " + ev_.state.summary(rsv), {e.id});
      else if (hanging && (*r).value("reason", "") != "processor_timeout" &&
               !payment_fault_between(ev_, e.sent_at, e.answered_at + ev_.hang_seconds + 20))
        add("hanging-card", "settled with another reason than processor_timeout: " + ev_.state.summary(rsv), {e.id});
    }
  }

  // 201: reserved, unless a cancel of it was acknowledged or its movie deleted (then refunded).
  void check_confirmed(const Exchange& e, std::int64_t rsv, const std::string& status) {
    bool acknowledged = false, maybe = false;
    std::vector<std::size_t> ids{e.id};
    for (const auto* cancel : cancels_[rsv]) {
      acknowledged = acknowledged || cancel->status == 200;
      maybe = maybe || unknown_outcome(*cancel);
      if (cancel->status == 200 || unknown_outcome(*cancel)) ids.push_back(cancel->id);
    }
    bool gone = ev_.state.movies_gone.count(e.movie) > 0;
    bool cancelled = status == "cancelled" && ev_.state.refunded(rsv);
    if (acknowledged) return;  // check_invariants: an acknowledged cancel ends cancelled and refunded
    if (gone) {
      if (!cancelled)
        add("deleted-movie", "201, then its movie was deleted, but it is not cancelled and refunded: " +
                                 ev_.state.summary(rsv), ids);
    } else if (!(status == "reserved" || (maybe && cancelled))) {
      add("confirmed-vs-state", "201, never cancelled, but now: " + ev_.state.summary(rsv), ids);
    }
  }

  // Every reservation was named in some answer, or may come from a request left without one.
  void check_hidden() {
    std::set<std::int64_t> named;
    std::map<std::string, int> unanswered;
    std::map<std::string, std::vector<std::size_t>> refused;
    for (const auto& e : ev_.exchanges) {
      if (e.op != Op::reserve) continue;
      if (auto rsv = e.answered_rsv()) named.insert(rsv);
      auto key = signature(e.screening, normalized_seats(e.seats), e.customer);
      if (unknown_outcome(e) || (e.status == 503 && !e.answered_rsv())) ++unanswered[key];
      else if (refused[key].size() < 6) refused[key].push_back(e.id);
    }
    for (const auto& [rsv, r] : ev_.state.reservations) {
      if (named.count(rsv)) continue;
      auto key = signature(r.value("screeningId", std::int64_t{0}), sorted_strings(r.value("seats", json::array())),
                           r.value("customerId", ""));
      if (unanswered[key]-- > 0) continue;
      add("hidden-reservation", "a reservation no answer named and no unanswered request explains (the refused requests "
                                "for these seats are listed): " + ev_.state.summary(rsv), refused[key]);
    }
  }

  const Evidence& ev_;
  std::map<std::int64_t, std::vector<const Exchange*>> cancels_;
  std::map<std::string, std::vector<const Exchange*>> scopes_;
  std::set<std::size_t> not_fresh_;  // keyed requests that may have been answered from an earlier one
  std::set<std::pair<std::int64_t, std::string>> checked_;
  double deleted_at_ = -1;
  std::vector<Problem> problems_;
};
}  // namespace

std::vector<Problem> check_reservation_answers(const Evidence& evidence) { return AnswerChecks(evidence).run(); }

}  // namespace cinema::testing::adversarial
