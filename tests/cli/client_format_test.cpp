// What the client commands print for a person, and the gateway address they accept.
#include <gtest/gtest.h>

#include "cli/client_format.hpp"

namespace cinema::cli {
namespace {
using nlohmann::ordered_json;

TEST(GatewayAddress, TakesAUrlAsUsersWriteItOrHostPort) {
  EXPECT_EQ(gateway_address("http://127.0.0.1:8088"), "127.0.0.1:8088");
  EXPECT_EQ(gateway_address("http://localhost:8088/"), "localhost:8088");
  EXPECT_EQ(gateway_address("localhost:8088"), "localhost:8088");
  EXPECT_EQ(gateway_address("http://cinema.test"), "cinema.test:80");
  EXPECT_THROW(gateway_address("https://cinema.test"), std::invalid_argument);
  EXPECT_THROW(gateway_address("http://localhost:8088/movies"), std::invalid_argument);
  EXPECT_THROW(gateway_address("localhost"), std::invalid_argument);
  EXPECT_THROW(gateway_address("http://"), std::invalid_argument);
}

TEST(ClientFormat, MoviesReadAsATableWithAlignedColumns) {
  auto movies = ordered_json::parse(R"([{"movieId":1,"title":"","desc":"Beautiful Movie~","status":"available",
    "seatsLeft":100,"rating":null},{"movieId":12,"title":"Heat","desc":"d","status":"soldOut","seatsLeft":0,"rating":4.5}])");
  EXPECT_EQ(movies_table(movies),
            "ID  TITLE             STATUS     SEATS LEFT  RATING\n"
            "1   Beautiful Movie~  available  100         -\n"
            "12  Heat              soldOut    0           4.50\n");
  EXPECT_EQ(movies_table(ordered_json::array()), "No movies.\n");
}

TEST(ClientFormat, AViewListsEachScreeningWithSeatsLeft) {
  auto view = ordered_json::parse(R"({"movieId":1,"title":"Heat","desc":"d","screenings":[{"screeningId":2,
    "startsAt":"2026-12-24T19:00:00Z","hall":"2","seatsTotal":20,"seatsLeft":18,"price":1}],
    "reservations":{"reserved":2}})");
  auto text = views_table(view);
  EXPECT_NE(text.find("MOVIE  TITLE  SCREENING  STARTS"), std::string::npos) << text;
  EXPECT_NE(text.find("1      Heat   2          2026-12-24T19:00:00Z  2     18/20       2"), std::string::npos) << text;
}

TEST(ClientFormat, AReservationAndAnErrorReadAsSentences) {
  auto declined = ordered_json::parse(R"({"error":"payment_declined","message":"payment declined: card_declined",
    "rsvId":3,"movieId":1,"screeningId":2,"seats":["A1","A2"],"customerId":"kim","status":"rejected","payId":null,
    "amount":20000,"reason":"card_declined"})");
  EXPECT_EQ(reservation_summary(declined),
            "Reservation 3: rejected\n  movie 1, screening 2, seats A1, A2\n  customer kim, amount 20000, payment -\n"
            "  reason card_declined\n");
  EXPECT_EQ(error_line(402, declined, ""), "error: payment declined: card_declined (402 payment_declined)");
  EXPECT_EQ(error_line(502, ordered_json(), "bad"), "error: HTTP 502: bad");
}

}  // namespace
}  // namespace cinema::cli
