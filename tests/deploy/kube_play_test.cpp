// Deploy tier: the `local` overlay of deploy/k8s played by podman (`podman kube play`) from the
// image of this very build (scripts/build-image --prebuilt: the ASan+UBSan binary, packed without
// compiling again). Deployments become pods on the host's network, the ConfigMap and Secrets feed
// their environment, the claim becomes a volume, probes become health checks. The services run as
// in a cluster: `cinema serve <service>`, security.mode enforce, so every call carries a token.
//
// The suite plays once and the tests run in order on that one system; the overlay is played under
// a test overlay of its own (a temporary kustomization on top of deploy/k8s/overlays/local) that
// moves the ports to a free block, renames every object with a `kube-play-test-` prefix (pods,
// volume) and sets its own token key, so it never meets a system a developer plays from the same
// overlay.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "cinema_process.hpp"

namespace cinema::testing {
namespace {
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kSource = CINEMA_SOURCE_DIR;
const std::string kPrefix = "kube-play-test-";
const std::string kImageTag = "kube-play-test";
// Each service's offset in the port block, as in its standard port (8081..8085, gateway 8088).
const std::map<std::string, int> kPortOffset = {{"movie", 1}, {"reservation", 2}, {"payment", 3},
                                                {"message", 4}, {"viewpage", 5}, {"gateway", 8}};

std::string podman() { return "env CONTAINERS_CONF=" + kSource + "/deploy/podman/containers.conf podman"; }

// Secret values as podman reads them (standard base64 with padding).
std::string base64(const std::string& text) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    auto n = std::min<std::size_t>(3, text.size() - i);
    std::uint32_t chunk = 0;
    for (std::size_t k = 0; k < 3; ++k)
      chunk = chunk << 8 | (k < n ? static_cast<unsigned char>(text[i + k]) : 0u);
    for (std::size_t k = 0; k <= n; ++k) out += kAlphabet[(chunk >> (18 - 6 * k)) & 63];
    out.append(3 - n, '=');
  }
  return out;
}

// What `podman kube down` leaves: the claim's volume, the ConfigMap volume, the secrets.
std::string leftovers() {
  return podman() + " volume rm -f " + kPrefix + "cinema-data " + kPrefix + "cinema-ui && " + podman() +
         " secret rm " + kPrefix + "cinema-jwt " + kPrefix + "cinema-database >/dev/null 2>&1; true";
}

std::string random_key() {
  std::random_device random;
  std::ostringstream key;
  for (int i = 0; i < 8; ++i) key << std::hex << random();
  return key.str();
}

class KubePlay : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  // Writes the test overlay with this limit, renders it, keeps the kinds podman plays and plays
  // them, then waits for every service. Played again (not first), it replaces the pods and keeps
  // the volume: the claim is left out, since podman refuses to make a volume that exists.
  static std::string play(int max_reservation_per_person, bool first);
  // The test overlay: deploy/k8s/overlays/local with this limit, the port block, the prefix, the key.
  static void write_overlay(int max_reservation_per_person);
  static std::string make_podman_secret(const YAML::Node& secret);
  static bool all_ready();
  static std::string gateway() { return "127.0.0.1:" + std::to_string(port("gateway")); }
  static int port(const std::string& service) { return base_port_ + kPortOffset.at(service); }
  static http::Headers as(const std::string& role, const std::string& sub);
  static std::string container(const std::string& service) { return kPrefix + service + "-pod-0-cinema"; }

  static inline std::string skip_reason_, setup_error_;
  static inline fs::path work_;
  static inline int base_port_ = 0;
  static inline std::string key_;
};

void KubePlay::write_overlay(int max_reservation_per_person) {
  fs::create_directories(work_ / "overlay");
  std::ofstream file(work_ / "overlay" / "kustomization.yaml", std::ios::trunc);
  file << "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
       << "namePrefix: " << kPrefix << "\n"
       // Kustomize takes a relative path only.
       << "resources:\n  - " << fs::relative(fs::path(kSource) / "deploy/k8s/overlays/local", work_ / "overlay").string() << "\n"
       << "images:\n  - name: localhost/cinema\n    newTag: " << kImageTag << "\n"
       << "patches:\n";
  file << "  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: cinema-config\n"
       << "      data:\n        max_reservation_per_person: \"" << max_reservation_per_person << "\"\n";
  for (const auto& [service, offset] : kPortOffset)
    if (service != "gateway")
      file << "        gateway_upstream_" << service << ": 127.0.0.1:" << port(service) << "\n";
  file << "        reservation_payment_upstream: 127.0.0.1:" << port("payment") << "\n";
  file << "  - patch: |-\n      apiVersion: v1\n      kind: Secret\n      metadata:\n        name: cinema-jwt\n"
       << "      stringData:\n        secret: " << key_ << "\n";
  // namePrefix renames the claim but not the Deployments' claimName (kustomize 5.5): set it.
  file << "  - patch: |-\n      - op: replace\n        path: /spec/template/spec/volumes/0/persistentVolumeClaim/claimName\n"
       << "        value: " << kPrefix << "cinema-data\n    target:\n      kind: Deployment\n";
  for (const auto& [service, offset] : kPortOffset) {
    auto p = std::to_string(port(service));
    file << "  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: " << service
         << "\n      spec:\n        template:\n          spec:\n            containers:\n              - name: cinema\n"
         << "                env:\n                  - name: HTTP_PORT\n                    value: \"" << p << "\"\n"
         << "                readinessProbe:\n                  httpGet:\n                    port: " << p << "\n"
         << "                livenessProbe:\n                  httpGet:\n                    port: " << p << "\n";
  }
}

std::string KubePlay::play(int max_reservation_per_person, bool first) {
  write_overlay(max_reservation_per_person);
  auto rendered = run_command("timeout 60 kubectl kustomize " + (work_ / "overlay").string());
  if (rendered.exit_code != 0) return "kubectl kustomize failed:\n" + rendered.output;
  // podman plays Deployments, ConfigMaps and claims; the rest is for a cluster. Secrets become
  // podman secrets first: podman 4.3 stores a played Secret as YAML but reads a secret as a JSON
  // map of key to base64 value, so it makes them from the rendering in that form itself.
  std::ofstream out(work_ / "play.yaml", std::ios::trunc);
  for (const auto& object : YAML::LoadAll(rendered.output)) {
    auto kind = object["kind"].as<std::string>();
    if (kind == "Secret") {
      if (auto made = make_podman_secret(object); !made.empty()) return made;
    } else if (kind == "Deployment" || kind == "ConfigMap" || (kind == "PersistentVolumeClaim" && first)) {
      YAML::Emitter yaml;
      yaml << object;
      out << "---\n" << yaml.c_str() << "\n";
    }
  }
  out.close();
  auto played = run_command("timeout 180 " + podman() + " kube play --replace " + (work_ / "play.yaml").string());
  if (played.exit_code != 0) return "podman kube play failed:\n" + played.output;
  if (!eventually(all_ready, std::chrono::seconds(90))) {
    std::string logs;
    for (const auto& [service, offset] : kPortOffset)
      logs += "--- " + service + "\n" + run_command(podman() + " logs --tail 20 " + container(service)).output;
    return "the services did not all become ready within 90 s:\n" + logs;
  }
  return {};
}

std::string KubePlay::make_podman_secret(const YAML::Node& secret) {
  auto name = secret["metadata"]["name"].as<std::string>();
  json values = json::object();
  for (const auto& entry : secret["stringData"])
    values[entry.first.as<std::string>()] = base64(entry.second.IsNull() ? "" : entry.second.as<std::string>());
  auto file = work_ / (name + ".json");
  std::ofstream(file, std::ios::trunc) << values.dump();
  run_command(podman() + " secret rm " + name);
  auto made = run_command(podman() + " secret create " + name + " " + file.string());
  return made.exit_code == 0 ? std::string() : "podman secret create " + name + " failed:\n" + made.output;
}

bool KubePlay::all_ready() {
  try {
    for (const auto& [service, offset] : kPortOffset)
      if (send("127.0.0.1:" + std::to_string(port(service)), "GET", "/actuator/health/readiness").status != 200)
        return false;
    return true;
  } catch (const std::exception&) {  // not listening yet
    return false;
  }
}

http::Headers KubePlay::as(const std::string& role, const std::string& sub) {
  auto token = run_command("SECURITY_JWT_SECRET=" + key_ + " " CINEMA_BINARY " token --role " + role + " --sub " + sub);
  EXPECT_EQ(token.exit_code, 0) << token.output;
  http::Headers headers;
  headers.set("Authorization", "Bearer " + token.output.substr(0, token.output.find('\n')));
  return headers;
}

void KubePlay::SetUpTestSuite() {
  if (run_command("command -v podman && command -v kubectl").exit_code != 0) {
    skip_reason_ = "deploy tier skipped: podman or kubectl is not installed (scripts/bootstrap installs podman; kubectl is not in Debian)";
    return;
  }
  if (auto info = run_command("timeout 60 " + podman() + " info"); info.exit_code != 0) {
    skip_reason_ = "deploy tier skipped: podman cannot run here: " + info.output.substr(0, 400);
    return;
  }
  work_ = fs::temp_directory_path() / ("cinema-kube-play-" + std::to_string(::getpid()));
  key_ = random_key();
  auto image = run_command("timeout 900 " + kSource + "/scripts/build-image --prebuilt " CINEMA_BINARY
                           " --tag localhost/cinema:" + kImageTag);
  if (image.exit_code != 0) {
    setup_error_ = "scripts/build-image --prebuilt failed:\n" + image.output;
    return;
  }
  std::cout << image.output;
  base_port_ = free_port_block(10);
  // What a failed earlier run may have left.
  run_command(podman() + " pod rm -f -t 5 $(" + podman() + " pod ps -q --filter name=" + kPrefix + ") 2>/dev/null");
  run_command(leftovers());
  try {
    setup_error_ = play(100, true);
  } catch (const std::exception& e) {
    setup_error_ = std::string("playing the local overlay failed: ") + e.what();
  }
}

void KubePlay::TearDownTestSuite() {
  if (work_.empty() || !fs::exists(work_ / "play.yaml")) return;
  // Stopped as a node drains a pod (SIGTERM, then the grace period): each service exits cleanly,
  // and the sanitizers (LeakSanitizer reports at exit) found nothing.
  for (const auto& [service, offset] : kPortOffset) {
    run_command("timeout 60 " + podman() + " stop -t 25 " + container(service));
    auto code = run_command(podman() + " inspect --format '{{.State.ExitCode}}' " + container(service)).output;
    EXPECT_EQ(code, "0\n") << service << " exited with " << code;
    auto logs = run_command(podman() + " logs " + container(service)).output;
    EXPECT_EQ(logs.find("Sanitizer"), std::string::npos) << service << ":\n" << logs.substr(0, 4000);
  }
  auto down = run_command("timeout 120 " + podman() + " kube down " + (work_ / "play.yaml").string());
  EXPECT_EQ(down.exit_code, 0) << down.output;
  run_command(leftovers());
  // The image is packed again by every run: keep none of them (157 MB each).
  run_command(podman() + " rmi localhost/cinema:" + kImageTag);
  auto left = run_command(podman() + " pod ps -q --filter name=" + kPrefix + " && " + podman() +
                          " volume ls -q --filter name=" + kPrefix);
  EXPECT_EQ(left.output, "") << "left behind: pods and volumes " << left.output;
  fs::remove_all(work_);
}

// The seed's httpie tour (SPEC.md §2) through the gateway's pod, with the tokens enforce mode asks for.
TEST_F(KubePlay, TheSeedTourRunsThroughTheGatewayPodWithTokens) {
  auto manager = as("manager", "m1");
  auto kim = as("customer", "kim");
  auto httpie = [&](const std::string& method, const std::string& path, const std::string& items,
                    const http::Headers& who) {
    auto command = "http --ignore-stdin --body " + method + " " + gateway() + path + " " + items +
                   " 'Authorization:" + std::string(*who.get("Authorization")) + "'";
    auto output = run_command(command).output;
    auto parsed = json::parse(output, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << command << " printed: " << output;
    return parsed;
  };

  EXPECT_EQ(send(gateway(), "POST", "/reservations", R"({"movieId":1})").status, 401) << "enforce: no token, no seat";
  auto movie = httpie("POST", "/movies", "desc=\"Beautiful Movie~\"", manager);
  ASSERT_TRUE(movie.contains("movieId")) << movie;
  auto movie_id = std::to_string(movie["movieId"].get<int>());
  json reservation;
  ASSERT_TRUE(eventually([&] {
    reservation = httpie("POST", "/reservations", "movieId=" + movie_id + " status=reqReserve", kim);
    return reservation.contains("rsvId");
  }, std::chrono::seconds(30))) << reservation;
  EXPECT_EQ(reservation["status"], "reserved");
  EXPECT_EQ(reservation["customerId"], "kim");
  auto rsv_id = std::to_string(reservation["rsvId"].get<int>());

  auto cancel = httpie("PATCH", "/reservations/" + rsv_id, "status=reqCancel", kim);
  EXPECT_EQ(cancel["status"], "reqCancel") << cancel;
  EXPECT_TRUE(eventually([&] {
    for (const auto& r : httpie("GET", "/reservations", "", kim))
      if (std::to_string(r["rsvId"].get<int>()) == rsv_id) return r["status"] == "cancelled";
    return false;
  }, std::chrono::seconds(30)));
  // The view page learns it all from the event log on the volume the pods share.
  EXPECT_TRUE(eventually([&] {
    return send(gateway(), "GET", "/movieViews").body.find("Beautiful Movie~") != std::string::npos;
  }, std::chrono::seconds(30)));
}

// max_reservation_per_person comes from the ConfigMap: played again with 1, a second reservation
// of one customer is refused, where 100 let the same customer hold two.
TEST_F(KubePlay, ALowerLimitInTheConfigMapIsEnforcedAfterPlayingAgain) {
  auto manager = as("manager", "m1");
  auto movie = json::parse(send(gateway(), "POST", "/movies", R"({"desc":"Limits"})", manager).body);
  auto reserve = [&](const http::Headers& who) {
    return send(gateway(), "POST", "/reservations", R"({"movieId":)" + movie["movieId"].dump() + "}", who);
  };
  auto lee = as("customer", "lee");
  ASSERT_TRUE(eventually([&] { return reserve(lee).status == 201; }, std::chrono::seconds(30)));
  EXPECT_EQ(reserve(lee).status, 201) << "the limit is 100";

  auto replayed = play(1, false);
  ASSERT_TRUE(replayed.empty()) << replayed;
  auto park = as("customer", "park");
  EXPECT_EQ(reserve(park).status, 201);
  auto second = reserve(park);
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_NE(second.body.find("limit_reached"), std::string::npos) << second.body;
  EXPECT_EQ(reserve(lee).status, 409) << "lee holds two, over the new limit";
}

// A service's process killed with SIGKILL (a crash): podman restarts the container, as the
// Deployment's restart policy says, and the system takes reservations again.
TEST_F(KubePlay, AKilledServiceProcessIsRestarted) {
  auto pid_of = [&] {
    auto out = run_command(podman() + " inspect --format '{{.State.Pid}}' " + container("reservation")).output;
    return std::atoi(out.c_str());
  };
  auto before = pid_of();
  ASSERT_GT(before, 0);
  ASSERT_EQ(::kill(before, SIGKILL), 0);
  EXPECT_TRUE(eventually([&] { auto now = pid_of(); return now > 0 && now != before; }, std::chrono::seconds(60)))
      << "the reservation container was not restarted";
  auto restarts = run_command(podman() + " inspect --format '{{.RestartCount}}' " + container("reservation")).output;
  EXPECT_GE(std::atoi(restarts.c_str()), 1) << restarts;
  ASSERT_TRUE(eventually(all_ready, std::chrono::seconds(60)));

  auto manager = as("manager", "m1");
  auto movie = json::parse(send(gateway(), "POST", "/movies", R"({"desc":"After the crash"})", manager).body);
  auto choi = as("customer", "choi");
  EXPECT_TRUE(eventually([&] {
    return send(gateway(), "POST", "/reservations", R"({"movieId":)" + movie["movieId"].dump() + "}", choi).status == 201;
  }, std::chrono::seconds(30)));
}

// Each liveness probe became the container's health check, a curl inside the container (podman
// runs it on demand here: its timers need systemd).
TEST_F(KubePlay, EachLivenessProbeRunsAsTheContainersHealthCheck) {
  for (const auto& [service, offset] : kPortOffset) {
    auto check = run_command(podman() + " inspect --format '{{json .Config.Healthcheck.Test}}' " + container(service));
    EXPECT_NE(check.output.find("/actuator/health/liveness"), std::string::npos) << service << ": " << check.output;
    // A few tries: on a loaded machine one run may exceed the probe's timeout.
    CommandResult run;
    EXPECT_TRUE(eventually([&] {
      run = run_command("timeout 30 " + podman() + " healthcheck run " + container(service));
      return run.exit_code == 0;
    }, std::chrono::seconds(30))) << service << ": " << run.output;
  }
}

// The seed's ui_properties_file_name reaches the gateway's pod as UI_PROPERTIES_FILE_NAME, naming
// the properties file the cinema-ui ConfigMap mounts at UI_PROPERTIES_DIR (the image has no cat:
// the shell's read prints it), and the web UI's settings are the file's.
TEST_F(KubePlay, TheUiPropertiesFileIsMountedUnderTheNameTheConfigMapGives) {
  auto shown = run_command(podman() + " exec " + container("gateway") +
                           " sh -c 'echo \"name=$UI_PROPERTIES_FILE_NAME\"; while read -r line; do echo \"$line\"; "
                           "done < \"/etc/cinema/ui/$UI_PROPERTIES_FILE_NAME\"'");
  EXPECT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("name=user-interface.properties\n"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("cinema.name=cinema\n"), std::string::npos) << shown.output;
  auto ui = json::parse(send(gateway(), "GET", "/ui/config.json").body);
  EXPECT_EQ(ui["cinemaName"], "cinema");
  EXPECT_EQ(ui["currency"], "KRW");
}

// The image holds the sanitizer build in CI: whatever the pods did, none of them reported an error.
TEST_F(KubePlay, NoPodReportedASanitizerError) {
  for (const auto& [service, offset] : kPortOffset) {
    auto logs = run_command(podman() + " logs " + container(service)).output;
    EXPECT_EQ(logs.find("Sanitizer"), std::string::npos) << service << ":\n" << logs.substr(0, 4000);
    EXPECT_EQ(logs.find("runtime error:"), std::string::npos) << service << ":\n" << logs.substr(0, 4000);
  }
}

}  // namespace
}  // namespace cinema::testing
