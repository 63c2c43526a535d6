// The gateway's pure parts behind the web UI: the UI properties file and the status page's metrics.
#include <gtest/gtest.h>

#include "services/gateway/status_handler.hpp"
#include "services/gateway/ui_settings.hpp"

namespace cinema::gateway {
namespace {

TEST(UiProperties, ReadsNameCurrencyAndColoursAndSkipsComments) {
  auto settings = parse_ui_properties(
      "# the seed's user-interface.properties\n"
      "cinema.name = Cinema Paradiso\n"
      "! also a comment\n"
      "currency=EUR\r\n"
      "color.primary=#0a3d62\n"
      "color.text:#222\n");
  EXPECT_EQ(settings.cinema_name, "Cinema Paradiso");
  EXPECT_EQ(settings.currency, "EUR");
  EXPECT_EQ(settings.color_primary, "#0a3d62");
  EXPECT_EQ(settings.color_text, "#222");
  EXPECT_EQ(settings.color_background, UiSettings{}.color_background);  // untouched keep their default
}

TEST(UiProperties, RefusesWhatCouldBreakThePageNamingTheKey) {
  auto message = [](std::string_view text) {
    try {
      parse_ui_properties(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("color.primary=red;} body{display:none").find("color.primary"), std::string::npos);
  EXPECT_NE(message("currency=won").find("currency"), std::string::npos);
  EXPECT_NE(message("cinema.title=X").find("unknown key 'cinema.title'"), std::string::npos);
  EXPECT_NE(message("\njust words").find("line 2"), std::string::npos);
}

TEST(UiProperties, ConfigJsonCarriesSettingsAndSecurityMode) {
  UiSettings settings;
  settings.cinema_name = "Q\"uote";
  EXPECT_EQ(ui_config_json(settings, "enforce"),
            R"({"cinemaName":"Q\"uote","currency":"KRW","colors":{"primary":"#8a1538","accent":"#1f5f8b",)"
            R"("background":"#ffffff","text":"#1a1a1a"},"securityMode":"enforce"})");
}

TEST(GatewayStatus, SumsEverySampleOfOneMetricAndNoOther) {
  std::string exposition =
      "# HELP events_dead_lettered_total Events sent to the dead-letter topic\n"
      "events_dead_lettered_total{group=\"viewpage\"} 2\n"
      "events_dead_lettered_total{group=\"message\"} 1\n"
      "events_dead_lettered_total_other 40\n"
      "payment_circuit_open 1\n";
  EXPECT_EQ(metric_sum(exposition, "events_dead_lettered_total"), 3.0);
  EXPECT_EQ(metric_sum(exposition, "payment_circuit_open"), 1.0);
  EXPECT_EQ(metric_sum(exposition, "outbox_backlog"), std::nullopt);
}

}  // namespace
}  // namespace cinema::gateway
