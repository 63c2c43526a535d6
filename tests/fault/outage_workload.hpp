#pragma once
// The workload the outage tests share (a Kafka broker down, a PostgreSQL restart): 500
// reservations from 10 clients over 3 movies, each with one screening of 17 × 10 seats.
#include <string>

namespace cinema::testing::outage {

constexpr int kReservations = 500;
constexpr int kClients = 10;
constexpr int kMovies = 3;
constexpr int kRows = 17, kCols = 10;  // 170 seats per movie's screening, 167 of them sold

// The seat with this index in a screening, row by row: 0 is A1, 10 is B1.
inline std::string seat(int index) {
  return std::string(1, static_cast<char>('A' + index / kCols)) + std::to_string(index % kCols + 1);
}

}  // namespace cinema::testing::outage
