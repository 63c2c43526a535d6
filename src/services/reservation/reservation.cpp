#include "services/reservation/reservation.hpp"

#include <charconv>

#include "contracts/payment_api.hpp"

namespace cinema::reservation {

std::string seat_label(std::int64_t row, std::int64_t col) {
  return std::string(1, static_cast<char>('A' + row)) + std::to_string(col + 1);
}

std::optional<std::string> canonical_seat(std::string_view label) {
  if (label.size() < 2 || label.size() > 8) return std::nullopt;
  char row = label[0];
  if (row >= 'a' && row <= 'z') row = static_cast<char>(row - 'a' + 'A');
  if (row < 'A' || row > 'Z') return std::nullopt;
  auto digits = label.substr(1);
  if (digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  std::int64_t col = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), col);  // at most 7 digits: no overflow
  return std::string(1, row) + std::to_string(col);
}

std::string seat_problem(std::string_view label, const Screening& screening) {
  auto canonical = canonical_seat(label);
  if (!canonical) return "seat '" + std::string(label) + "' is not like A1";
  std::int64_t col = std::stoll(canonical->substr(1));
  if ((*canonical)[0] - 'A' >= screening.rows || col < 1 || col > screening.cols)
    return "seat '" + std::string(label) + "' does not exist in this screening";
  return {};
}

std::optional<std::int64_t> checked_amount(std::int64_t price, std::size_t seats) {
  std::int64_t amount = 0;
  if (price < 0 || price > contracts::kMaxPrice) return std::nullopt;
  if (__builtin_mul_overflow(price, static_cast<std::int64_t>(seats), &amount) || amount > contracts::kMaxAmount)
    return std::nullopt;
  return amount;
}

std::vector<std::string> first_free_seats(const Screening& screening, const std::set<std::string>& taken,
                                          std::size_t count) {
  std::vector<std::string> seats;
  for (std::int64_t row = 0; row < screening.rows && seats.size() < count; ++row)
    for (std::int64_t col = 0; col < screening.cols && seats.size() < count; ++col)
      if (auto label = seat_label(row, col); !taken.contains(label)) seats.push_back(label);
  return seats;
}

Reservation request_reservation(const Screening& screening, std::string customer_id, std::vector<std::string> seats,
                                std::int64_t amount, std::string card_number) {
  Reservation reservation;
  reservation.movie_id = screening.movie_id;
  reservation.screening_id = screening.id;
  reservation.customer_id = std::move(customer_id);
  reservation.amount = amount;
  reservation.seats = std::move(seats);
  reservation.card_number = std::move(card_number);
  return reservation;
}

Reservation confirm(Reservation reservation, std::int64_t pay_id) {
  reservation.status = status::reserved;
  reservation.pay_id = pay_id;
  ++reservation.version;
  return reservation;
}

Reservation reject(Reservation reservation, std::string reason) {
  reservation.status = status::rejected;
  reservation.reason = std::move(reason);
  ++reservation.version;
  return reservation;
}

CancelDecision request_cancel(Reservation reservation, std::string_view now_iso, std::string_view cutoff_iso) {
  if (reservation.status != status::reserved)
    return {std::nullopt, "conflict", "only a reserved reservation can be cancelled; this one is " + reservation.status};
  if (!cutoff_iso.empty() && now_iso >= cutoff_iso)
    return {std::nullopt, "cancel_closed", "the screening starts at or before " + std::string(cutoff_iso) +
                              " (cancel cut-off); a reservation can no longer be cancelled"};
  reservation.status = status::cancel_requested;
  ++reservation.version;
  return {std::move(reservation), {}, {}};
}

Reservation complete_cancel(Reservation reservation) {
  reservation.status = status::cancelled;
  ++reservation.version;
  return reservation;
}

bool holds_seats(std::string_view status) {
  return status == status::requested || status == status::reserved || status == status::cancel_requested;
}

}  // namespace cinema::reservation
