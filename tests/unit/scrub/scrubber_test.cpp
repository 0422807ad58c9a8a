#include "scrub/scrubber.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <string>
#include <thread>
#include <vector>

namespace gostly::scrub {
namespace {

namespace json = boost::json;

Scrubber MakeScrubber(Replacement replacement = Replacement::kRedact,
                      std::vector<std::string> paths = {}, std::string key = "tenant-1") {
  ScrubPolicy policy;
  policy.replacement = replacement;
  policy.tenant_key = std::move(key);
  policy.field_paths = std::move(paths);
  auto scrubber = Scrubber::Create(std::move(policy));
  EXPECT_TRUE(scrubber.ok()) << scrubber.error();
  return std::move(scrubber).value();
}

json::value Parse(std::string_view text) { return json::parse(text); }

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

TEST(ScrubberCreate, RejectsABadFieldPathNamingIt) {
  ScrubPolicy policy;
  policy.field_paths = {"user.ssn", "items[*.card"};
  auto scrubber = Scrubber::Create(policy);
  ASSERT_FALSE(scrubber.ok());
  EXPECT_EQ(scrubber.error_code(), common::ErrorCode::kInvalidArgument);
  EXPECT_NE(scrubber.error().find("items[*.card"), std::string::npos) << scrubber.error();
}

TEST(ScrubberCreate, RequiresATenantKeyForPseudonyms) {
  ScrubPolicy policy;
  policy.replacement = Replacement::kPseudonym;
  auto scrubber = Scrubber::Create(policy);
  ASSERT_FALSE(scrubber.ok());
  EXPECT_NE(scrubber.error().find("tenant"), std::string::npos);
}

TEST(ScrubText, RedactsSecretsAndKeepsSurroundingText) {
  auto s = MakeScrubber();
  ScrubStats stats;
  EXPECT_EQ(s.ScrubText("Authorization: Bearer abcdef.123456", &stats),
            "Authorization: Bearer [REDACTED]");
  EXPECT_EQ(s.ScrubText("mail jane@acme.io or call +14155552671", &stats),
            "mail [REDACTED] or call [REDACTED]");
  EXPECT_EQ(s.ScrubText("key sk_live_4eC39HqLyjWDarjtT1zdp7dc.", &stats),
            "key sk_live_[REDACTED].");
  EXPECT_EQ(s.ScrubText("card 4111 1111 1111 1111, ssn 123-45-6789", &stats),
            "card [REDACTED], ssn [REDACTED]");
  EXPECT_EQ(stats.credential, 2u);
  EXPECT_EQ(stats.email, 1u);
  EXPECT_EQ(stats.phone, 1u);
  EXPECT_EQ(stats.card, 1u);
  EXPECT_EQ(stats.national_id, 1u);
  EXPECT_EQ(stats.total(), 6u);
}

TEST(ScrubText, LeavesCleanTextUntouched) {
  auto s = MakeScrubber();
  ScrubStats stats;
  std::string clean = "order 4155552671 at 2023-10-12T14:30:00Z, v10.15.7, id 1697123456789";
  EXPECT_EQ(s.ScrubText(clean, &stats), clean);
  EXPECT_EQ(stats.total(), 0u);
}

TEST(ScrubText, RedactedOutputIsAFixedPoint) {
  auto s = MakeScrubber();
  std::string text =
      "password=hunter2&email=a.b@corp.com Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig "
      "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY----- +44 20 7946 0958 "
      "https://u:pw@h.io/x AKIAIOSFODNN7EXAMPLE GB82 WEST 1234 5698 7654 32 AB123456C";
  std::string once = s.ScrubText(text);
  EXPECT_NE(once, text);
  EXPECT_EQ(s.ScrubText(once), once);
  EXPECT_TRUE(s.Find(once).empty()) << once;
}

// Inputs found by scrub_fuzz: every entry point's redacted output is a fixed point.
TEST(FixedPoint, HoldsForInputsTheFuzzerFound) {
  auto s = MakeScrubber(Replacement::kRedact, {"user.ssn"});
  const std::vector<std::string> inputs = {
      // A word before a redacted credential must not be taken for the credential next time.
      "Authorization: d 4111 1111 1111 1111  NINO AB123456C",
      // An address starting in the domain of a URL password.
      "https://bob:s3cret@db.acme.iocret@db.acme.io:5432/x",
      // Form encoding turns a broken document into JSON.
      R"([{"name":"C?api_key=abc&phone=+14155552671#t","value":"s"},{"e):""@ily.e.io?api_key=abc&co","t":"1"}])",
      // A truncated private key followed by JSON.
      "-----BEGIN RSA PRIVATE KEY-----namx{\"user\":{\"ssn\":\"123-45-6789\",\"emai\n-",
      // Phones glued together: the marker gives the next one its boundary.
      "?a=+14155552+14155552+14155552+14155552671#acc",
      "x(415) 555-2671 a@corp.iox(415) 555-2671",
  };
  for (const auto& input : inputs) {
    SCOPED_TRACE(input);
    std::string text = s.ScrubText(input);
    EXPECT_EQ(s.ScrubText(text), text);
    EXPECT_TRUE(s.Find(text).empty()) << text;
    std::string uri = s.ScrubUri(input);
    EXPECT_EQ(s.ScrubUri(uri), uri);
    std::string body = s.ScrubBody(input, "application/json");
    EXPECT_EQ(s.ScrubBody(body, "application/json"), body);
    std::string form = s.ScrubBody(input, "application/x-www-form-urlencoded");
    EXPECT_EQ(s.ScrubBody(form, "application/x-www-form-urlencoded"), form);
  }
}

TEST(ScrubText, PseudonymsAreDeterministicAndFormatPreserving) {
  auto s = MakeScrubber(Replacement::kPseudonym);
  auto other = MakeScrubber(Replacement::kPseudonym, {}, "tenant-2");
  std::string text = "jane@acme.io paid with 4111 1111 1111 1111 from +1 (415) 555-2671";
  std::string once = s.ScrubText(text);
  EXPECT_EQ(once, s.ScrubText(text));
  EXPECT_NE(once, other.ScrubText(text));
  EXPECT_EQ(once.find("jane@acme.io"), std::string::npos);
  EXPECT_EQ(once.find("4111 1111 1111 1111"), std::string::npos);
  EXPECT_NE(once.find("@"), std::string::npos);
  EXPECT_NE(once.find(".example.com paid with 4"), std::string::npos) << once;
  auto findings = s.Find(once);
  // The card and phone pseudonyms are still valid numbers; the email is at example.com.
  ASSERT_EQ(findings.size(), 2u) << once;
  EXPECT_EQ(findings[0].detector, Detector::kCard);
  EXPECT_TRUE(
      IsCardNumber(Digits(once.substr(findings[0].begin, findings[0].end - findings[0].begin))));
  EXPECT_EQ(findings[1].detector, Detector::kPhone);
}

TEST(ScrubText, PseudonymisedApiKeysKeepPrefixLengthAndCharset) {
  auto s = MakeScrubber(Replacement::kPseudonym);
  std::string key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
  std::string out = s.ScrubText(key);
  ASSERT_EQ(out.size(), key.size());
  EXPECT_EQ(out.substr(0, 8), "sk_live_");
  EXPECT_NE(out, key);
  for (char c : out.substr(8)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  // Credentials without a meaningful pseudonym are redacted in both styles.
  EXPECT_EQ(s.ScrubText("Bearer abcdef.123456"), "Bearer [REDACTED]");
  EXPECT_EQ(s.ScrubText("password=hunter2"), "password=[REDACTED]");
}

TEST(ScrubText, PseudonymisedEmailsAreAFixedPoint) {
  auto s = MakeScrubber(Replacement::kPseudonym);
  std::string once = s.ScrubText("to: jane@acme.io, bob@corp.org");
  EXPECT_EQ(s.ScrubText(once), once);
}

TEST(ScrubText, HandlesBytesThatAreNotUtf8) {
  auto s = MakeScrubber();
  std::string binary("\x89PNG\r\n\x1a\n\0\xff\xfe jane@acme.io \xc3\x28", 26);
  std::string out = s.ScrubText(binary);
  EXPECT_EQ(out.find("jane@acme.io"), std::string::npos);
  EXPECT_EQ(out.substr(0, 8), binary.substr(0, 8));
}

TEST(ScrubJson, ReplacesValuesUnderSensitiveKeys) {
  auto s = MakeScrubber();
  auto v = Parse(R"({"user":"bob","password":"hunter2","clientSecret":"abc","pin_code":1234,
    "auth":{"access_token":"x1","refresh_token":12345,"token_type":"bearer"},
    "authorization":"Bearer q.w.e","password_hint":"pet","token":{"type":"string"},
    "secret":true,"empty_password":""})");
  ScrubStats stats;
  s.ScrubJson(v, &stats);
  auto expected = Parse(R"({"user":"bob","password":"[REDACTED]","clientSecret":"[REDACTED]",
    "pin_code":1234,
    "auth":{"access_token":"[REDACTED]","refresh_token":"[REDACTED]","token_type":"bearer"},
    "authorization":"Bearer [REDACTED]","password_hint":"pet","token":{"type":"string"},
    "secret":true,"empty_password":""})");
  EXPECT_EQ(v, expected) << json::serialize(v);
  EXPECT_EQ(stats.credential, 5u);
}

TEST(ScrubJson, ScrubsStringsKeysAndCardNumbers) {
  auto s = MakeScrubber();
  auto v = Parse(R"({"note":"call +14155552671","jane@acme.io":{"n":1},"[REDACTED]":2,
    "card":4111111111111111,"id":4111111111111112,"ts":1697123456789})");
  s.ScrubJson(v);
  auto expected = Parse(R"({"note":"call [REDACTED]","[REDACTED]~2":{"n":1},"[REDACTED]":2,
    "card":"[REDACTED]","id":4111111111111112,"ts":1697123456789})");
  EXPECT_EQ(v, expected) << json::serialize(v);
}

TEST(ScrubJson, RedactsNameValuePairsAndHarCookies) {
  auto s = MakeScrubber();
  auto v = Parse(R"({"headers":[{"name":"Authorization","value":"Basic dXNlcjpwYXNz"},
      {"name":"Accept","value":"*/*"},{"name":"X-Api-Key","value":"k-123"}],
    "queryString":[{"name":"api_key","value":"abc"}],
    "auth":[{"key":"token","value":"t0k3n","type":"string"}],
    "cookies":[{"name":"sid","value":"s3ss10n","httpOnly":true}]})");
  s.ScrubJson(v);
  auto expected = Parse(R"({"headers":[{"name":"Authorization","value":"Basic [REDACTED]"},
      {"name":"Accept","value":"*/*"},{"name":"X-Api-Key","value":"[REDACTED]"}],
    "queryString":[{"name":"api_key","value":"[REDACTED]"}],
    "auth":[{"key":"token","value":"[REDACTED]","type":"string"}],
    "cookies":[{"name":"sid","value":"[REDACTED]","httpOnly":true}]})");
  EXPECT_EQ(v, expected) << json::serialize(v);
}

TEST(ScrubJson, ScrubsJsonInsideStringsAndUrls) {
  auto s = MakeScrubber();
  auto v = Parse(R"({"text":"{\"password\":\"p\",\"n\":1}",
                     "url":"https://api.acme.io/users/jane%40acme.io?token=abc&x=1"})");
  s.ScrubJson(v);
  EXPECT_EQ(v.at("text").as_string(), R"({"password":"[REDACTED]","n":1})");
  EXPECT_EQ(v.at("url").as_string(),
            "https://api.acme.io/users/%5BREDACTED%5D?token=%5BREDACTED%5D&x=1");
}

TEST(FieldPaths, ReplaceValuesWhateverTheyLookLike) {
  auto s = MakeScrubber(Replacement::kRedact, {"user.ssn", "items[*].card.number",
                                               "$.customer.tax_id", "meta", "list[1]"});
  auto v = Parse(R"({"user":{"ssn":"not-a-number","name":"Ann"},
    "items":[{"card":{"number":42,"brand":"visa"}},{"card":{"number":null}},{"card":"x"}],
    "customer":{"tax_id":{"kind":"vat","value":"DE123"}},"meta":[1,2],"list":["a","b","c"],
    "other":{"user":{"ssn":"kept"}}})");
  ScrubStats stats;
  s.ScrubJson(v, &stats);
  auto expected = Parse(R"({"user":{"ssn":"[REDACTED]","name":"Ann"},
    "items":[{"card":{"number":"[REDACTED]","brand":"visa"}},{"card":{"number":null}},{"card":"x"}],
    "customer":{"tax_id":"[REDACTED]"},"meta":"[REDACTED]","list":["a","[REDACTED]","c"],
    "other":{"user":{"ssn":"kept"}}})");
  EXPECT_EQ(v, expected) << json::serialize(v);
  EXPECT_EQ(stats.field, 5u);
  // Redacted field values are a fixed point.
  ScrubStats again;
  s.ScrubJson(v, &again);
  EXPECT_EQ(again.total(), 0u);
}

TEST(FieldPaths, WildcardsMatchMembersAndArrayRoots) {
  auto s = MakeScrubber(Replacement::kRedact, {"$[*].profile.*", "*.dob"});
  auto v = Parse(R"([{"profile":{"a":"1","b":2},"x":{"dob":"1990-01-01"}},{"profile":[true]}])");
  s.ScrubJson(v);
  auto expected = Parse(
      R"([{"profile":{"a":"[REDACTED]","b":"[REDACTED]"},"x":{"dob":"1990-01-01"}},{"profile":["[REDACTED]"]}])");
  EXPECT_EQ(v, expected) << json::serialize(v);
  auto top = Parse(R"({"a":{"dob":"1990-01-01"}})");
  s.ScrubJson(top);
  EXPECT_EQ(top, Parse(R"({"a":{"dob":"[REDACTED]"}})"));
}

TEST(FieldPaths, PseudonymsKeepTheShapeOfFieldValues) {
  auto s = MakeScrubber(Replacement::kPseudonym,
                        {"user.id", "user.email", "user.ssn", "user.age", "user.tags", "user.vip"});
  auto v = Parse(R"({"user":{"id":"123e4567-e89b-42d3-a456-426614174000","email":"ann@acme.io",
    "ssn":"123-45-6789","age":42,"tags":["a1","B2"],"vip":true}})");
  auto copy = v;
  s.ScrubJson(v);
  s.ScrubJson(copy);
  EXPECT_EQ(v, copy);  // deterministic
  const auto& user = v.at("user").as_object();
  std::string id(user.at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(id, "123e4567-e89b-42d3-a456-426614174000");
  std::string email(user.at("email").as_string());
  EXPECT_NE(email.find(".example.com"), std::string::npos) << email;
  std::string ssn(user.at("ssn").as_string());
  EXPECT_TRUE(SsnValid(ssn.substr(0, 3), ssn.substr(4, 2), ssn.substr(7, 4))) << ssn;
  EXPECT_TRUE(user.at("age").is_int64());
  EXPECT_GE(user.at("age").as_int64(), 10);
  EXPECT_LE(user.at("age").as_int64(), 99);
  EXPECT_EQ(user.at("tags").as_array().size(), 2u);
  EXPECT_EQ(user.at("vip"), json::value("[REDACTED]"));
}

TEST(ScrubBody, ParsesJsonByContentTypeOrShape) {
  auto s = MakeScrubber();
  EXPECT_EQ(s.ScrubBody(R"({"email": "ann@acme.io"})", "application/json; charset=utf-8"),
            R"({"email":"[REDACTED]"})");
  EXPECT_EQ(s.ScrubBody(R"([{"password": "x"}])", "text/plain"), R"([{"password":"[REDACTED]"}])");
  EXPECT_EQ(s.ScrubBody(R"("ann@acme.io")", "application/problem+json"), R"("[REDACTED]")");
}

TEST(ScrubBody, ReturnsUnchangedBodiesByteForByte) {
  auto s = MakeScrubber();
  std::string body = "{ \"a\" : 1.50,\n  \"b\": [ ] }";
  EXPECT_EQ(s.ScrubBody(body, "application/json"), body);
}

TEST(ScrubBody, ScansBrokenJsonAndTextAsText) {
  auto s = MakeScrubber();
  EXPECT_EQ(s.ScrubBody(R"({"email": "ann@acme.io", )", "application/json"),
            R"({"email": "[REDACTED]", )");
  EXPECT_EQ(s.ScrubBody("Dear ann@acme.io,", "text/plain"), "Dear [REDACTED],");
}

TEST(ScrubBody, ScrubsFormBodiesLikeQueries) {
  auto s = MakeScrubber();
  EXPECT_EQ(s.ScrubBody("user=ann&password=p%40ss&email=ann%40acme.io&n=1",
                        "application/x-www-form-urlencoded"),
            "user=ann&password=%5BREDACTED%5D&email=%5BREDACTED%5D&n=1");
}

TEST(ScrubUri, ScrubsPathSegmentsQueryValuesAndUserinfo) {
  auto s = MakeScrubber();
  ScrubStats stats;
  EXPECT_EQ(s.ScrubUri("/v1/users/ann@acme.io/orders?phone=%2B14155552671&page=2", &stats),
            "/v1/users/%5BREDACTED%5D/orders?phone=%5BREDACTED%5D&page=2");
  EXPECT_EQ(s.ScrubUri("/cb?phone=+14155552671"), "/cb?phone=%5BREDACTED%5D");
  EXPECT_EQ(s.ScrubUri("/x?api_key=abc&X-Amz-Signature=ff00&X-Amz-Expires=60"),
            "/x?api_key=%5BREDACTED%5D&X-Amz-Signature=%5BREDACTED%5D&X-Amz-Expires=60");
  EXPECT_EQ(s.ScrubUri("https://bob:hunter2@api.acme.io/a"),
            "https://bob:%5BREDACTED%5D@api.acme.io/a");
  EXPECT_EQ(s.ScrubUri("https://app.acme.io/cb#access_token=abc&state=1"),
            "https://app.acme.io/cb#access_token=%5BREDACTED%5D&state=1");
  EXPECT_EQ(stats.email, 1u);
  EXPECT_EQ(stats.phone, 1u);
}

TEST(ScrubUri, KeepsCleanUrisByteForByteAndIsAFixedPoint) {
  auto s = MakeScrubber();
  for (std::string uri : {"/", "", "/a/b/?q=hello+world&x=%20", "https://h.io:8443/p?x#frag", "*",
                          "/v1/items/123e4567-e89b-12d3-a456-426614174000?ts=1697123456789"}) {
    EXPECT_EQ(s.ScrubUri(uri), uri);
  }
  std::string dirty = "https://u:p@h.io/u/ann@acme.io?token=t&e=bob%40corp.com#id_token=x";
  std::string once = s.ScrubUri(dirty);
  EXPECT_EQ(s.ScrubUri(once), once);
  EXPECT_TRUE(s.Find(once).empty()) << once;
}

TEST(ScrubExchange, ScrubsUriHeadersAndBothBodies) {
  auto s = MakeScrubber();
  library::Exchange e;
  e.method = "POST";
  e.uri = "/login?email=ann%40acme.io";
  e.request_headers = {{"Authorization", "Bearer abc.def.ghi"},
                       {"Cookie", "sid=1"},
                       {"Content-Type", "application/json"},
                       {"X-Note", "from +14155552671"}};
  e.request_body = R"({"user":"ann","password":"hunter2"})";
  e.status = 302;
  e.response_headers = {{"Location", "/home?email=ann@acme.io"},
                        {"Set-Cookie", "sid=abc; HttpOnly"},
                        {"Content-Type", "text/plain"}};
  e.response_body = "welcome ann@acme.io";
  ScrubStats stats;
  s.ScrubExchange(e, &stats);
  EXPECT_EQ(e.uri, "/login?email=%5BREDACTED%5D");
  EXPECT_EQ(e.request_headers[0].second, "Bearer [REDACTED]");
  EXPECT_EQ(e.request_headers[1].second, "[REDACTED]");
  EXPECT_EQ(e.request_headers[2].second, "application/json");
  EXPECT_EQ(e.request_headers[3].second, "from [REDACTED]");
  EXPECT_EQ(e.request_body, R"({"user":"ann","password":"[REDACTED]"})");
  EXPECT_EQ(e.response_headers[0].second, "/home?email=%5BREDACTED%5D");
  EXPECT_EQ(e.response_headers[1].second, "[REDACTED]");
  EXPECT_EQ(e.response_body, "welcome [REDACTED]");
  EXPECT_EQ(stats.total(), 8u);
  library::Exchange again = e;
  ScrubStats second;
  s.ScrubExchange(again, &second);
  EXPECT_EQ(second.total(), 0u);
  EXPECT_EQ(again.uri, e.uri);
  EXPECT_EQ(again.request_body, e.request_body);
}

// Planted secrets in many positions of a HAR-like body: none may survive.
TEST(PlantedSecrets, NoneSurviveScrubbing) {
  const std::vector<std::string> planted = {
      "hunter2-planted",
      "sk_live_51HplantedKeyAbCdEf0123",
      "ghp_PlantedGithubToken0123456789abcdefAB",
      "xoxb-123456789012-PlantedSlackTok",
      "AIzaSyPlantedGoogleKey_0123456789abcdef",
      "AKIAPLANTED123456789",
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY",
      "eyJhbGciOiJIUzI1NiJ9.eyJwbGFudGVkIjoxfQ.cGxhbnRlZHNpZw",
      "MIIEplantedPrivateKeyBody",
      "planted.person@acme-corp.io",
      "+14155550123",
      "(212) 555-0147",
      "4012888888881881",
      "5105 1051 0510 5100",
      "536-22-8837",
      "JG103759A",
      "DE89370400440532013000",
      "c2VjcmV0LXVzZXI6cGxhbnRlZC1wYXNz",
      "oauthPlantedRefresh77",
      "cookie-planted-sid",
      "tax-id-planted-99",
  };
  std::string body = R"({"log":{"entries":[{
    "request":{"method":"POST",
      "url":"https://planted.person%40acme-corp.io:hunter2-planted@api.acme.io/v1/sk_live_51HplantedKeyAbCdEf0123?phone=%2B14155550123&key=AIzaSyPlantedGoogleKey_0123456789abcdef",
      "headers":[{"name":"Authorization","value":"Basic c2VjcmV0LXVzZXI6cGxhbnRlZC1wYXNz"},
                 {"name":"X-Trace","value":"ghp_PlantedGithubToken0123456789abcdefAB"}],
      "cookies":[{"name":"sid","value":"cookie-planted-sid"}],
      "queryString":[{"name":"phone","value":"+14155550123"}],
      "postData":{"mimeType":"application/x-www-form-urlencoded",
        "text":"refresh_token=oauthPlantedRefresh77&aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY"}},
    "response":{"status":200,"content":{"mimeType":"application/json",
      "text":"{\"customer\":{\"email\":\"planted.person@acme-corp.io\",\"cards\":[4012888888881881,\"5105 1051 0510 5100\"]},\"jwt\":\"eyJhbGciOiJIUzI1NiJ9.eyJwbGFudGVkIjoxfQ.cGxhbnRlZHNpZw\"}"}},
    "comment":"call (212) 555-0147, ssn 536-22-8837, NINO JG103759A, IBAN DE89370400440532013000, slack xoxb-123456789012-PlantedSlackTok, aws AKIAPLANTED123456789",
    "_key":"-----BEGIN RSA PRIVATE KEY-----\nMIIEplantedPrivateKeyBody\n-----END RSA PRIVATE KEY-----",
    "customer_record":{"tax_id":"tax-id-planted-99"},
    "planted.person@acme-corp.io":"key holds PII"
  }]}})";
  for (auto replacement : {Replacement::kRedact, Replacement::kPseudonym}) {
    auto s = MakeScrubber(replacement, {"log.entries[*].customer_record.tax_id"});
    {
      std::string out = s.ScrubBody(body, "application/json");
      EXPECT_NO_THROW(json::parse(out));
      for (const auto& secret : planted) {
        EXPECT_EQ(out.find(secret), std::string::npos)
            << "planted secret survived: " << secret << "\n"
            << out;
      }
      EXPECT_EQ(out.find("%2B14155550123"), std::string::npos);
      EXPECT_EQ(out.find("planted.person%40"), std::string::npos);
    }
  }
}

// A megabyte of near-misses for every detector: the scan must finish (RE2 is linear and
// rejected candidates are skipped without rescanning) and leave no finding behind.
TEST(HostileInput, MegabytesOfNearMatchesFinish) {
  auto s = MakeScrubber();
  const std::vector<std::string> units = {
      "4111 1111 1111 111 ",
      "a@b.",
      "aaaa.",
      "+1 555 ",
      "-----BEGIN PRIVATE KEY-----",
      "eyJhbGciOi.",
      "Bearer ",
      "password=",
      "123-45-",
      "GB82 WEST ",
      "sk_live_",
      "1234567890",
      "x@example.com ",
      "%40",
      "https://a:",
      "AKIA",
      "\xff\xfe",
      "{\"a\":[",
  };
  for (const auto& unit : units) {
    std::string text;
    while (text.size() < (1u << 20)) text += unit;
    std::string out = s.ScrubText(text);
    EXPECT_TRUE(s.Find(out).empty()) << "unit: " << unit;
    EXPECT_EQ(s.ScrubText(out), out) << "unit: " << unit;
  }
  // One long local part whose domain is a pseudonym's: rejected once, not once per byte.
  std::string long_local(1 << 20, 'a');
  long_local += "@acme.example.com";
  EXPECT_EQ(s.ScrubText(long_local), long_local);
  // Deeply nested JSON is scanned as text past Boost.JSON's depth limit.
  std::string deep(100000, '[');
  deep += "\"ann@acme.io\"";
  EXPECT_EQ(s.ScrubBody(deep, "application/json").find("ann@acme.io"), std::string::npos);
}

TEST(Scrubber, IsSafeToShareAcrossThreads) {
  auto s = MakeScrubber(Replacement::kPseudonym, {"user.id"});
  std::string body = R"({"user":{"id":"abc-123","email":"ann@acme.io"},"card":"4111111111111111"})";
  std::string expected = s.ScrubBody(body, "application/json");
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      bool all = true;
      for (int i = 0; i < 200; ++i) all = all && s.ScrubBody(body, "application/json") == expected;
      ok[static_cast<std::size_t>(t)] = all ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 1);
}

}  // namespace
}  // namespace gostly::scrub
