#pragma once
// The answer of GET /movieViews: each listed movie with its screenings and how many of its
// reservations are in each status. Assembled in memory from three result sets (movies, screenings,
// counts by movie and status) so the whole page costs three queries, however many movies there are.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "services/viewpage/movie_view.hpp"
#include "services/viewpage/reservation_view.hpp"

namespace cinema::viewpage {

struct StatusCount {
  std::int64_t movie_id = 0;
  std::string status;
  std::int64_t count = 0;
};

struct MovieBoard {
  MovieView movie;
  std::vector<ScreeningView> screenings;
  std::array<std::int64_t, std::size(kStatuses)> counts{};  // in kStatuses order
};

// Keeps the order of `movies` and of `screenings`; rows of movies not in `movies` and statuses not
// in kStatuses (placeholders) are left out.
std::vector<MovieBoard> assemble_boards(const std::vector<MovieView>& movies,
                                        const std::vector<ScreeningView>& screenings,
                                        const std::vector<StatusCount>& counts);

}  // namespace cinema::viewpage
