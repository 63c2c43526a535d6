#include "services/reservation/reservation.hpp"

#include <charconv>

namespace cinema::reservation {

std::string seat_label(std::int64_t row, std::int64_t col) {
  return std::string(1, static_cast<char>('A' + row)) + std::to_string(col + 1);
}

std::string seat_problem(std::string_view label, const Screening& screening) {
  if (label.size() < 2 || label[0] < 'A' || label[0] > 'Z') return "seat '" + std::string(label) + "' is not like A1";
  std::int64_t col = 0;
  auto digits = label.substr(1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), col);
  if (error != std::errc{} || end != digits.data() + digits.size()) return "seat '" + std::string(label) + "' is not like A1";
  if (label[0] - 'A' >= screening.rows || col < 1 || col > screening.cols)
    return "seat '" + std::string(label) + "' does not exist in this screening";
  return {};
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
                                std::string card_token) {
  Reservation reservation;
  reservation.movie_id = screening.movie_id;
  reservation.screening_id = screening.id;
  reservation.customer_id = std::move(customer_id);
  reservation.amount = screening.price * static_cast<std::int64_t>(seats.size());
  reservation.seats = std::move(seats);
  reservation.card_token = std::move(card_token);
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

CancelDecision request_cancel(Reservation reservation) {
  if (reservation.status != status::reserved)
    return {std::nullopt, "only a reserved reservation can be cancelled; this one is " + reservation.status};
  reservation.status = status::cancel_requested;
  ++reservation.version;
  return {std::move(reservation), {}};
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
