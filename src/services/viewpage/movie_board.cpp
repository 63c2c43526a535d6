#include "services/viewpage/movie_board.hpp"

#include <algorithm>
#include <unordered_map>

namespace cinema::viewpage {

std::vector<MovieBoard> assemble_boards(const std::vector<MovieView>& movies,
                                        const std::vector<ScreeningView>& screenings,
                                        const std::vector<StatusCount>& counts) {
  std::vector<MovieBoard> boards;
  std::unordered_map<std::int64_t, std::size_t> index;
  for (const auto& movie : movies) {
    index.emplace(movie.movie_id, boards.size());
    boards.push_back(MovieBoard{movie, {}, {}});
  }
  for (const auto& screening : screenings)
    if (auto it = index.find(screening.movie_id); it != index.end())
      boards[it->second].screenings.push_back(screening);
  for (const auto& count : counts) {
    auto it = index.find(count.movie_id);
    auto status = std::find(std::begin(kStatuses), std::end(kStatuses), count.status);
    if (it != index.end() && status != std::end(kStatuses))
      boards[it->second].counts[static_cast<std::size_t>(status - std::begin(kStatuses))] += count.count;
  }
  return boards;
}

}  // namespace cinema::viewpage
