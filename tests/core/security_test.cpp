// Token verification, the authenticators at the edge and behind it, and the ownership rules.
#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/http/errors.hpp"
#include "core/security/guard.hpp"
#include "core/security/ownership.hpp"
#include "unsigned_token.hpp"

namespace cinema::security {
namespace {
using namespace std::chrono_literals;

const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes
const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1'800'000'000));

std::string read_key(const std::string& name) {
  std::ifstream file(std::string(CINEMA_TEST_KEYS) + "/" + name);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::int64_t at(Clock::time_point when) { return std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count(); }

nlohmann::json claims(const std::string& sub = "kim", const std::string& role = "customer") {
  return {{"iss", "cinema"}, {"aud", "cinema"}, {"sub", sub}, {"role", role}, {"exp", at(kNow + 1h)}, {"nbf", at(kNow - 1min)}};
}

// Signs any claims with libjwt, as another issuer would.
std::string sign(const nlohmann::json& payload, jwt_alg_t alg = JWT_ALG_HS256, const std::string& key = kSecret) {
  jwt_t* token = nullptr;
  jwt_new(&token);
  jwt_add_grants_json(token, payload.dump().c_str());
  jwt_set_alg(token, alg, reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size()));
  char* encoded = jwt_encode_str(token);
  std::string result = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(token);
  return result;
}

TokenSettings hs256() {
  TokenSettings settings;
  settings.secret = kSecret;
  return settings;
}

TokenProblem problem_of(const std::variant<Identity, TokenRefusal>& verified) {
  EXPECT_TRUE(std::holds_alternative<TokenRefusal>(verified)) << "the token was accepted";
  return std::holds_alternative<TokenRefusal>(verified) ? std::get<TokenRefusal>(verified).problem : TokenProblem::malformed;
}

TEST(TokenVerifier, AcceptsAMintedTokenAndReadsSubjectAndRole) {
  TokenMinter minter(hs256());
  TokenVerifier verifier(hs256());
  auto verified = verifier.verify(minter.mint({"m1", Role::manager}, 1h, kNow), kNow + 10min);
  ASSERT_TRUE(std::holds_alternative<Identity>(verified));
  EXPECT_EQ(std::get<Identity>(verified).subject, "m1");
  EXPECT_EQ(std::get<Identity>(verified).role, Role::manager);
}

TEST(TokenVerifier, RefusesAlgNoneWhateverItsClaims) {
  TokenVerifier verifier(hs256());
  auto forged = testing::unsigned_token(R"({"alg":"none","typ":"JWT"})", claims("m1", "manager").dump());
  EXPECT_EQ(problem_of(verifier.verify(forged, kNow)), TokenProblem::wrong_algorithm);
  auto lower = testing::unsigned_token(R"({"alg":"None"})", claims().dump());
  EXPECT_EQ(problem_of(verifier.verify(lower, kNow)), TokenProblem::wrong_algorithm);
}

TEST(TokenVerifier, RefusesHs256SignedWithThePublicKeyWhereRs256IsConfigured) {
  TokenSettings settings;
  settings.algorithm = "RS256";
  settings.public_key_pem = read_key("rsa_public.pem");
  TokenVerifier verifier(settings);
  // The classic confusion: the public key, which anyone has, used as an HMAC secret.
  auto forged = sign(claims("m1", "manager"), JWT_ALG_HS256, settings.public_key_pem);
  ASSERT_FALSE(forged.empty());
  EXPECT_EQ(problem_of(verifier.verify(forged, kNow)), TokenProblem::wrong_algorithm);
  // ...and a real RS256 token of the key pair verifies.
  auto real = sign(claims("m1", "manager"), JWT_ALG_RS256, read_key("rsa_private.pem"));
  EXPECT_TRUE(std::holds_alternative<Identity>(verifier.verify(real, kNow)));
}

TEST(TokenVerifier, RefusesATamperedPayloadOrAnotherKey) {
  TokenVerifier verifier(hs256());
  auto token = sign(claims("kim", "customer"));
  auto first_dot = token.find('.'), second_dot = token.rfind('.');
  auto tampered =
      token.substr(0, first_dot + 1) + testing::base64url(claims("kim", "manager").dump()) + token.substr(second_dot);
  EXPECT_EQ(problem_of(verifier.verify(tampered, kNow)), TokenProblem::bad_signature);
  auto other_key = sign(claims(), JWT_ALG_HS256, "another secret of thirty-two bytes!");
  EXPECT_EQ(problem_of(verifier.verify(other_key, kNow)), TokenProblem::bad_signature);
}

TEST(TokenVerifier, ChecksExpiryAndNotBeforeWithTheLeeway) {
  TokenVerifier verifier(hs256());  // leeway 30 s
  auto token = sign(claims());
  EXPECT_TRUE(std::holds_alternative<Identity>(verifier.verify(token, kNow + 1h + 29s)));
  EXPECT_EQ(problem_of(verifier.verify(token, kNow + 1h + 31s)), TokenProblem::expired)
      << "a token verified before (and cached) still expires";
  auto later = claims();
  later["nbf"] = at(kNow + 10min);
  EXPECT_EQ(problem_of(verifier.verify(sign(later), kNow)), TokenProblem::not_yet_valid);
  EXPECT_TRUE(std::holds_alternative<Identity>(verifier.verify(sign(later), kNow + 10min - 20s)));
  auto no_exp = claims();
  no_exp.erase("exp");
  EXPECT_EQ(problem_of(verifier.verify(sign(no_exp), kNow)), TokenProblem::bad_claims);
}

TEST(TokenVerifier, DatesPastAnyCalendarAreHeldAtItsEndsNotOverflowed) {
  // Seconds to nanoseconds (plus the leeway) would overflow past year 2262; a float past 2^63 would
  // not even cast. Such dates mean "never expires" or "not valid before the end of time".
  TokenVerifier verifier(hs256());
  for (nlohmann::json far : {nlohmann::json(99'999'999'999), nlohmann::json(1e300), nlohmann::json(9223372036854775807)}) {
    auto forever = claims();
    forever["exp"] = far;
    EXPECT_TRUE(std::holds_alternative<Identity>(verifier.verify(sign(forever), kNow))) << far;
    auto never = claims();
    never["nbf"] = far;
    EXPECT_EQ(problem_of(verifier.verify(sign(never), kNow)), TokenProblem::not_yet_valid) << far;
  }
  auto long_ago = claims();
  long_ago["exp"] = -1e300;
  EXPECT_EQ(problem_of(verifier.verify(sign(long_ago), kNow)), TokenProblem::expired);
}

TEST(TokenVerifier, ChecksIssuerAudienceSubjectAndRole) {
  TokenVerifier verifier(hs256());
  auto with = [](const char* key, nlohmann::json value) {
    auto c = claims();
    c[key] = std::move(value);
    return sign(c);
  };
  EXPECT_EQ(problem_of(verifier.verify(with("iss", "someone-else"), kNow)), TokenProblem::wrong_issuer);
  EXPECT_EQ(problem_of(verifier.verify(with("aud", "other-app"), kNow)), TokenProblem::wrong_audience);
  EXPECT_TRUE(std::holds_alternative<Identity>(verifier.verify(with("aud", {"other-app", "cinema"}), kNow)));
  EXPECT_EQ(problem_of(verifier.verify(with("role", "admin"), kNow)), TokenProblem::bad_claims);
  EXPECT_EQ(problem_of(verifier.verify(with("sub", ""), kNow)), TokenProblem::bad_claims);
  EXPECT_EQ(problem_of(verifier.verify(with("sub", 42), kNow)), TokenProblem::bad_claims);
}

TEST(TokenVerifier, RefusesWhatIsNotAToken) {
  TokenVerifier verifier(hs256());
  for (const std::string& junk : std::vector<std::string>{"", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.", std::string(9000, 'a')})
    EXPECT_FALSE(std::holds_alternative<Identity>(verifier.verify(junk, kNow))) << junk.substr(0, 20);
}

TEST(TokenVerifier, VerifiesRs256AndEs256TokensOfAnotherImplementation) {
  // Made once with PyJWT 2.6 (python3-jwt) and tests/core/keys; exp is the year 2100.
  const std::string claims_part =
      "eyJpc3MiOiJjaW5lbWEiLCJhdWQiOiJjaW5lbWEiLCJzdWIiOiJraW0iLCJyb2xlIjoiY3VzdG9tZXIiLCJleHAiOjQxMDI0NDQ4MDAsIm5iZiI6MH0";
  const std::string rs256 =
      "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + claims_part +
      ".ZcH0yXmJkIznFbHv2IPc5CnjeYMUpapCFWBznRNBXAXKH6HqWX3V8YSao0EhstuCxSV-70jfHiVJRylUd0vQYFirzkWBr-Byp3MeMTIDLwwXMbBUZ7"
      "aaNWf0WHWDhIH_BDNIPeQl9W0v0Kj7xKSi2zglxzogmnW2WR1MPFLyQfZEnK0FwZDz1k481lonxeIZwwVJUuBWWiIMSGwCSIWZPqEsD2s5xvkBNfwzL"
      "nXXv_GSz6i11mFYiq6OUTpudD_t32wQ5pZ-DxjnsFl5-gmuZM-UNBSYhQrg_aixM_WeAs2zIY4A1IGL6-M-9TXLLk5qLebSCQr8PIkXwX6L2gRWFQ";
  const std::string es256 = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9." + claims_part +
                            ".AM-DDIzCm77qZ74Lhez1x_I1bDxeZljs6YTr3ionArIP-J3dEoB6YaFdLZZWJ8ulPcX0tZXzG6Nr_bcNZMTPVw";
  TokenSettings rsa;
  rsa.algorithm = "RS256";
  rsa.public_key_pem = read_key("rsa_public.pem");
  EXPECT_TRUE(std::holds_alternative<Identity>(TokenVerifier(rsa).verify(rs256, kNow)));
  TokenSettings ec;
  ec.algorithm = "ES256";
  ec.public_key_pem = read_key("ec_public.pem");
  auto verified = TokenVerifier(ec).verify(es256, kNow);
  EXPECT_TRUE(std::holds_alternative<Identity>(verified))
      << (std::holds_alternative<TokenRefusal>(verified) ? std::get<TokenRefusal>(verified).message : "");
}

TEST(TokenVerifier, RefusesSettingsThatCannotVerify) {
  TokenSettings short_secret;
  short_secret.secret = "too short";
  EXPECT_THROW(TokenVerifier{short_secret}, std::invalid_argument);
  TokenSettings no_key;
  no_key.algorithm = "RS256";
  EXPECT_THROW(TokenVerifier{no_key}, std::invalid_argument);
  TokenSettings unknown = hs256();
  unknown.algorithm = "none";
  EXPECT_THROW(TokenVerifier{unknown}, std::invalid_argument);
}

http::Request request_from(std::string remote, std::optional<std::string> authorization = std::nullopt) {
  http::Request request{.method = "GET", .target = "/x"};
  request.remote_address = std::move(remote);
  if (authorization) request.headers.set("Authorization", *authorization);
  return request;
}

class Authenticators : public ::testing::Test {
 protected:
  TokenVerifier verifier_{hs256()};
  TokenMinter minter_{hs256()};
  std::string bearer(const std::string& sub, Role role) { return "Bearer " + minter_.mint({sub, role}, 1h, Clock::now()); }
  static int status_of(const std::variant<Identity, http::Response>& result) {
    return std::holds_alternative<http::Response>(result) ? std::get<http::Response>(result).status : 0;
  }
  static Identity identity_of(const std::variant<Identity, http::Response>& result) {
    EXPECT_TRUE(std::holds_alternative<Identity>(result));
    return std::holds_alternative<Identity>(result) ? std::get<Identity>(result) : Identity{"?", Role::service};
  }
};

TEST_F(Authenticators, TheEdgeIdentifiesTokensAndOnlyDevLoopbackCallersGoWithout) {
  EdgeAuthenticator enforce(Mode::enforce, verifier_), dev(Mode::dev, verifier_);
  EXPECT_EQ(identity_of(enforce.identify(request_from("127.0.0.1"))).role, Role::anonymous);
  EXPECT_EQ(identity_of(dev.identify(request_from("127.0.0.1"))).role, Role::developer);
  EXPECT_EQ(identity_of(dev.identify(request_from("10.1.2.3"))).role, Role::anonymous);
  auto kim = identity_of(enforce.identify(request_from("10.1.2.3", bearer("kim", Role::customer))));
  EXPECT_EQ(kim.subject, "kim");
  EXPECT_EQ(kim.role, Role::customer);
  auto refused = enforce.identify(request_from("127.0.0.1", "Bearer not-a-token"));
  ASSERT_EQ(status_of(refused), 401);
  EXPECT_NE(std::get<http::Response>(refused).headers.get("WWW-Authenticate").value_or("").find("invalid_token"),
            std::string::npos);
  EXPECT_EQ(status_of(enforce.identify(request_from("127.0.0.1", "Basic a2ltOmtpbQ=="))), 401);
  EXPECT_EQ(status_of(dev.identify(request_from("127.0.0.1", "Bearer x.y.z"))), 401) << "dev still checks a token";
  EXPECT_EQ(status_of(enforce.identify(request_from("127.0.0.1", bearer("reservation", Role::service)))), 403);
  auto two = request_from("127.0.0.1", bearer("kim", Role::customer));
  two.headers.add("Authorization", bearer("m1", Role::manager));
  EXPECT_EQ(status_of(enforce.identify(two)), 401) << "which of two tokens counts is not for the reader to pick";
}

TEST_F(Authenticators, BehindTheGatewayOnlyPeerServicesAreHeard) {
  PeerAuthenticator enforce(Mode::enforce, verifier_), dev(Mode::dev, verifier_);
  EXPECT_EQ(status_of(enforce.identify(request_from("127.0.0.1"))), 401);
  EXPECT_EQ(identity_of(dev.identify(request_from("127.0.0.1"))).role, Role::developer);
  EXPECT_EQ(status_of(dev.identify(request_from("10.1.2.3"))), 401);
  EXPECT_EQ(status_of(enforce.identify(request_from("127.0.0.1", bearer("kim", Role::customer)))), 403);
  EXPECT_EQ(status_of(enforce.identify(request_from("127.0.0.1", bearer("m1", Role::manager)))), 403);
  auto peer = identity_of(enforce.identify(request_from("127.0.0.1", bearer("reservation", Role::service))));
  EXPECT_EQ(peer.role, Role::service);
  EXPECT_EQ(peer.subject, "reservation");

  auto via_gateway = [&](std::optional<std::string> role, std::optional<std::string> subject) {
    auto request = request_from("127.0.0.1", bearer("gateway", Role::service));
    if (role) request.headers.set(kRoleHeader, *role);
    if (subject) request.headers.set(kSubjectHeader, *subject);
    return request;
  };
  auto kim = identity_of(enforce.identify(via_gateway("customer", "kim")));
  EXPECT_EQ(kim.role, Role::customer);
  EXPECT_EQ(kim.subject, "kim");
  EXPECT_EQ(identity_of(enforce.identify(via_gateway(std::nullopt, std::nullopt))).role, Role::anonymous);
  EXPECT_EQ(status_of(enforce.identify(via_gateway("developer", ""))), 403) << "dev identities stop at an enforcing service";
  EXPECT_EQ(identity_of(dev.identify(via_gateway("developer", ""))).role, Role::developer);
  EXPECT_EQ(status_of(enforce.identify(via_gateway("service", "payment"))), 403);
  EXPECT_EQ(status_of(enforce.identify(via_gateway("customer", ""))), 403);
  // Another service cannot speak for an end user: its own identity is what counts.
  auto request = request_from("127.0.0.1", bearer("reservation", Role::service));
  request.headers.set(kRoleHeader, "manager");
  request.headers.set(kSubjectHeader, "m1");
  EXPECT_EQ(identity_of(enforce.identify(request)).role, Role::service);
}

TEST(Access, EachRouteRuleAdmitsItsRolesAndAnswers401Or403) {
  Identity anonymous, kim{"kim", Role::customer}, manager{"m1", Role::manager}, peer{"reservation", Role::service},
      developer{"developer", Role::developer};
  EXPECT_FALSE(refusal_for(Access::anyone, anonymous));
  EXPECT_EQ(refusal_for(Access::signed_in, anonymous)->status, 401);
  EXPECT_FALSE(refusal_for(Access::signed_in, kim));
  EXPECT_EQ(refusal_for(Access::signed_in, peer)->status, 403);
  EXPECT_EQ(refusal_for(Access::manager, kim)->status, 403);
  EXPECT_FALSE(refusal_for(Access::manager, manager));
  EXPECT_FALSE(refusal_for(Access::manager, developer));
  EXPECT_EQ(refusal_for(Access::service, manager)->status, 403);
  EXPECT_EQ(refusal_for(Access::service, developer)->status, 401);
  EXPECT_FALSE(refusal_for(Access::service, peer));
  EXPECT_TRUE(refusal_for(Access::manager, anonymous)->headers.get("WWW-Authenticate"));
}

TEST(Ownership, ACustomerActsForThemselvesOnly) {
  Identity kim{"kim", Role::customer}, manager{"m1", Role::manager};
  EXPECT_EQ(customer_filter(kim, std::nullopt), "kim");
  EXPECT_EQ(customer_filter(kim, "kim"), "kim");
  EXPECT_THROW(customer_filter(kim, "lee"), http::HttpError);
  EXPECT_EQ(customer_filter(manager, std::nullopt), std::nullopt);
  EXPECT_EQ(customer_filter(manager, "lee"), "lee");
  EXPECT_NO_THROW(require_owner(kim, "kim", "reservation 1"));
  EXPECT_THROW(require_owner(kim, "lee", "reservation 1"), http::HttpError);
  EXPECT_NO_THROW(require_owner(manager, "lee", "reservation 1"));
  EXPECT_EQ(acting_customer(kim, ""), "kim");
  EXPECT_THROW(acting_customer(kim, "lee"), http::HttpError);
  EXPECT_EQ(acting_customer(manager, "lee"), "lee");
  EXPECT_THROW(acting_customer(Identity{"payment", Role::service}, ""), http::HttpError);
}

TEST(SecurityMode, DevListensOnLoopbackOnly) {
  EXPECT_NO_THROW(check_mode_fits_address(Mode::dev, "127.0.0.1"));
  EXPECT_NO_THROW(check_mode_fits_address(Mode::dev, "::1"));
  EXPECT_THROW(check_mode_fits_address(Mode::dev, "0.0.0.0"), ConfigError);
  EXPECT_THROW(check_mode_fits_address(Mode::dev, "10.0.0.5"), ConfigError);
  EXPECT_NO_THROW(check_mode_fits_address(Mode::enforce, "0.0.0.0"));
}

}  // namespace
}  // namespace cinema::security
