// Importers for other record/replay tools' files (Hoverfly, WireMock, VCR.py, go-vcr, Keploy): the
// shared corpus files import with known counts, and the format-specific cases hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "corpus_util.hpp"
#include "seed/importer.hpp"
#include "seed/json_input.hpp"
#include "seed/peer_yaml.hpp"

namespace gostly::seed {
namespace {

using testing::ExpectRoundTrips;
using testing::ReadCorpus;

std::string_view Header(const common::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return "<absent>";
}

ImportOptions Options() {
  ImportOptions o;
  o.service = "svc";
  o.default_timestamp = "2024-01-01T00:00:00.000Z";
  return o;
}

void ExpectAllRoundTrip(const std::vector<library::Exchange>& exchanges, const std::string& ctx) {
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    ExpectRoundTrips(exchanges[i], ctx + " #" + std::to_string(i));
    EXPECT_EQ(exchanges[i].service, "svc");
  }
}

// ---------------------------------------------------------------------------------------
// Hoverfly

// Counted once with python (every pair in both files has only "exact" matchers):
//   python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]["pairs"]))' F
TEST(ImportHoverfly, CorpusFiles) {
  struct Case {
    const char* file;
    std::size_t created;
    std::size_t skipped;
  };
  for (const Case& c : {Case{"cassettes/hoverfly-basic-encoded-simulation.json", 1, 0},
                        Case{"cassettes/hoverfly-hoverfly.io.json", 2, 0}}) {
    SCOPED_TRACE(c.file);
    auto text = ReadCorpus(c.file);
    EXPECT_EQ(DetectFormat(text), Format::kHoverfly);
    ImportReport report;
    auto result = ImportHoverfly(text, Options(), &report);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->size(), c.created);
    EXPECT_EQ(report.created, c.created);
    EXPECT_EQ(report.skipped.size(), c.skipped);
    ExpectAllRoundTrip(*result, c.file);
  }
}

TEST(ImportHoverfly, EncodedBodyIsDecodedByteExact) {
  ImportReport report;
  auto result = ImportHoverfly(ReadCorpus("cassettes/hoverfly-basic-encoded-simulation.json"),
                               Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = (*result)[0];
  EXPECT_EQ(ex.method, "GET");
  EXPECT_EQ(ex.uri, "/pages/keyconcepts/templates.html?query=true");
  EXPECT_EQ(Header(ex.request_headers, "host"), "docs.hoverfly.io");
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.response_body, "base64 encoded");
  EXPECT_EQ(Header(ex.response_headers, "Hoverfly"), "Was-Here");
  EXPECT_EQ(ex.timestamp, "2020-04-25T14:56:32.000Z");
  EXPECT_EQ(report.format, "hoverfly v5.2");

  // Binary bytes (NUL, 0xff) survive base64 and the JSON Lines form.
  const std::string sim =
      R"({"data":{"pairs":[{"request":{"method":[{"matcher":"exact","value":"GET"}],
    "path":[{"matcher":"exact","value":"/bin"}]},
    "response":{"status":200,"body":"AP8Bgg==","encodedBody":true}}]}})";
  auto bin = ImportHoverfly(sim, Options(), nullptr);
  ASSERT_TRUE(bin.ok()) << bin.error();
  ASSERT_EQ(bin->size(), 1u);
  EXPECT_EQ((*bin)[0].response_body, std::string("\x00\xff\x01\x82", 4));
  ExpectRoundTrips((*bin)[0], "binary");
}

TEST(ImportHoverfly, NonLiteralMatchersAreSkippedWithAReason) {
  const std::string sim = R"({"data":{"pairs":[
    {"request":{"method":[{"matcher":"exact","value":"GET"}],
                "path":[{"matcher":"glob","value":"/users/*"}]},
     "response":{"status":200,"body":"x"}},
    {"request":{"method":[{"matcher":"exact","value":"POST"}],
                "path":[{"matcher":"exact","value":"/users"}],
                "body":[{"matcher":"regex","value":".*"}]},
     "response":{"status":201,"body":""}},
    {"request":{"method":"GET","path":"/old","query":"a=1"},
     "response":{"status":200,"body":"old schema"}},
    {"request":{"method":{"exactMatch":"GET"},"path":{"exactMatch":"/v3"}},
     "response":{"status":204,"body":""}},
    {"request":{"method":[{"matcher":"exact","value":"GET"}],"path":[{"matcher":"exact","value":"/t"}]},
     "response":{"status":200,"body":"{{ Request.Path }}","templated":true}}
  ]}})";
  ImportReport report;
  auto result = ImportHoverfly(sim, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].uri, "/old?a=1");
  EXPECT_EQ((*result)[1].uri, "/v3");
  EXPECT_EQ((*result)[1].status, 204);
  ASSERT_EQ(report.skipped.size(), 3u);
  EXPECT_EQ(report.skipped[0].where, "data.pairs[0]");
  EXPECT_NE(report.skipped[0].reason.find("glob"), std::string::npos) << report.skipped[0].reason;
  EXPECT_EQ(report.skipped[1].where, "data.pairs[1]");
  EXPECT_NE(report.skipped[1].reason.find("regex"), std::string::npos);
  EXPECT_NE(report.skipped[2].reason.find("template"), std::string::npos);
}

TEST(ImportHoverfly, BadInputIsAClearError) {
  auto truncated = ImportHoverfly(R"({"data":{"pairs":[{"request":)", Options(), nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("line 1"), std::string::npos) << truncated.error();
  auto har = ImportHoverfly(ReadCorpus("cassettes/polly-github-getUser.har"), Options(), nullptr);
  ASSERT_FALSE(har.ok());
  EXPECT_NE(har.error().find("not a Hoverfly simulation"), std::string::npos) << har.error();
  EXPECT_NE(har.error().find("HAR"), std::string::npos) << har.error();
}

// ---------------------------------------------------------------------------------------
// WireMock

// Counted once by reading the file (3 mappings): mapping 0 (GET /todo/items, inline body)
// and mapping 1 (POST /todo/items, a "contains" body pattern: created with an empty request
// body and a warning) import; mapping 2 keeps its body in bodyFileName (a file that is not
// part of the import) and is skipped.
TEST(ImportWireMock, CorpusFile) {
  auto text = ReadCorpus("cassettes/wiremock-several-mappings-scenario.json");
  EXPECT_EQ(DetectFormat(text), Format::kWireMock);
  ImportReport report;
  auto result = ImportWireMock(text, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ(report.created, 2u);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].where, "mappings[2]");
  EXPECT_NE(report.skipped[0].reason.find("bodyFileName"), std::string::npos);
  EXPECT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ((*result)[0].method, "GET");
  EXPECT_EQ((*result)[0].uri, "/todo/items");
  EXPECT_EQ((*result)[0].response_body, "<items><item>Buy milk</item></items>");
  EXPECT_EQ((*result)[1].method, "POST");
  EXPECT_EQ((*result)[1].status, 201);
  ExpectAllRoundTrip(*result, "wiremock");
}

TEST(ImportWireMock, ScenarioMappingsComeOutInStateOrder) {
  // File order is deliberately scrambled: state "Two" first, then "Started", then "One".
  const std::string mappings = R"([
    {"scenarioName":"s","requiredScenarioState":"Two",
     "request":{"method":"GET","url":"/state"},"response":{"status":200,"body":"third"}},
    {"request":{"method":"GET","url":"/other"},"response":{"status":200,"body":"plain"}},
    {"scenarioName":"s","requiredScenarioState":"Started","newScenarioState":"One",
     "request":{"method":"GET","url":"/state"},"response":{"status":200,"body":"first"}},
    {"scenarioName":"s","requiredScenarioState":"One","newScenarioState":"Two",
     "request":{"method":"GET","url":"/state"},"response":{"status":200,"body":"second"}}
  ])";
  EXPECT_EQ(DetectFormat(mappings), Format::kWireMock);
  ImportReport report;
  auto result = ImportWireMock(mappings, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 4u);
  EXPECT_EQ((*result)[0].response_body, "first");
  EXPECT_EQ((*result)[1].response_body, "second");
  EXPECT_EQ((*result)[2].response_body, "third");
  EXPECT_EQ((*result)[3].response_body, "plain");
}

TEST(ImportWireMock, BodiesAndPatterns) {
  const std::string mappings = R"({"mappings":[
    {"request":{"method":"GET","urlPath":"/q","queryParameters":{"a":{"equalTo":"1 2"}}},
     "response":{"status":200,"base64Body":"AP8Bgg==","headers":{"Content-Type":"application/octet-stream"}}},
    {"request":{"method":"POST","url":"/json","bodyPatterns":[{"equalToJson":{"k":1}}]},
     "response":{"status":201,"jsonBody":{"id":7,"tags":["a"]}}},
    {"request":{"method":"GET","urlPattern":"/users/[0-9]+"},"response":{"status":200}},
    {"request":{"method":"GET","urlPath":"/p","queryParameters":{"a":{"matches":"x.*"}}},
     "response":{"status":200}},
    {"request":{"method":"ANY","url":"/any"},"response":{"status":200}}
  ]})";
  ImportReport report;
  auto result = ImportWireMock(mappings, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].uri, "/q?a=1+2");
  EXPECT_EQ((*result)[0].response_body, std::string("\x00\xff\x01\x82", 4));
  EXPECT_EQ(Header((*result)[0].response_headers, "content-type"), "application/octet-stream");
  EXPECT_EQ((*result)[1].request_body, R"({"k":1})");
  EXPECT_EQ((*result)[1].response_body, R"({"id":7,"tags":["a"]})");
  ASSERT_EQ(report.skipped.size(), 3u);
  EXPECT_EQ(report.skipped[0].where, "mappings[2]");
  EXPECT_NE(report.skipped[0].reason.find("regular expression"), std::string::npos);
  EXPECT_NE(report.skipped[1].reason.find("pattern"), std::string::npos);
  EXPECT_NE(report.skipped[2].reason.find("ANY"), std::string::npos);
  ExpectAllRoundTrip(*result, "wiremock bodies");

  // A single mapping (no "mappings" wrapper); status defaults to 200.
  auto single = ImportWireMock(
      R"({"request":{"method":"GET","url":"/one"},"response":{"body":"x"}})", Options(), nullptr);
  ASSERT_TRUE(single.ok()) << single.error();
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].status, 200);
}

TEST(ImportWireMock, BadInputIsAClearError) {
  auto truncated = ImportWireMock("{\"mappings\":[\n{\"request\":", Options(), nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("line 2"), std::string::npos) << truncated.error();
  auto hoverfly =
      ImportWireMock(ReadCorpus("cassettes/hoverfly-hoverfly.io.json"), Options(), nullptr);
  ASSERT_FALSE(hoverfly.ok());
  EXPECT_NE(hoverfly.error().find("not WireMock mappings"), std::string::npos);
  EXPECT_NE(hoverfly.error().find("Hoverfly"), std::string::npos) << hoverfly.error();
}

// ---------------------------------------------------------------------------------------
// VCR.py and go-vcr

// Counted once with python (yaml.safe_load(...)["interactions"]; every interaction has a
// request with method + uri/url and a response with a status code):
//   vcrpy-domain_redirect.yaml 2, vcrpy-gzip_requests.yaml 1, go-vcr-golang-org.yaml 3.
TEST(ImportVcr, CorpusFiles) {
  struct Case {
    const char* file;
    Format format;
    std::size_t created;
  };
  for (const Case& c : {Case{"cassettes/vcrpy-domain_redirect.yaml", Format::kVcr, 2},
                        Case{"cassettes/vcrpy-gzip_requests.yaml", Format::kVcr, 1},
                        Case{"cassettes/go-vcr-golang-org.yaml", Format::kGoVcr, 3}}) {
    SCOPED_TRACE(c.file);
    auto text = ReadCorpus(c.file);
    EXPECT_EQ(DetectFormat(text), c.format);
    ImportReport report;
    auto result = c.format == Format::kVcr ? ImportVcr(text, Options(), &report)
                                           : ImportGoVcr(text, Options(), &report);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->size(), c.created);
    EXPECT_EQ(report.created, c.created);
    EXPECT_EQ(report.skipped.size(), 0u);
    ExpectAllRoundTrip(*result, c.file);
  }
}

TEST(ImportVcr, BinaryGzipBodyStaysCompressedByteExact) {
  ImportReport report;
  auto result = ImportVcr(ReadCorpus("cassettes/vcrpy-gzip_requests.yaml"), Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = (*result)[0];
  // The !!binary scalar of the file, decoded independently.
  auto expected = detail::DecodeBase64Lenient(
      "H4sIAKwrpmIA/z2OSwrCMBCG956izLIkfQSxkl2RogfQA9R2bIM1iUkqaOndnYDIrGa+/zELDB9l"
      "LfYgg5uRwYhtj86DXKDuOrQBJKR5Cuy38kZ3pld6oHu0sqTH29QGZMnVkepgtMYuKKNJcEe0vJ3U"
      "C4mcjI9hpaiygqaUW7ETFYGLR8frAXXE9h1Go7nD54w++FxkYp8VsDJ4IBH6E47NmVzGqUHFkn8g"
      "rJsvp2omYs8AAAA=");
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(expected->size(), 182u);
  EXPECT_EQ(ex.response_body, *expected);
  EXPECT_EQ(Header(ex.response_headers, "content-encoding"), "gzip");
  EXPECT_EQ(Header(ex.response_headers, "content-length"), "<absent>");
  EXPECT_EQ(ex.method, "GET");
  EXPECT_EQ(ex.uri, "/gzip");
  EXPECT_EQ(Header(ex.request_headers, "host"), "httpbin.org");
  EXPECT_EQ(Header(ex.request_headers, "connection"), "<absent>");
  EXPECT_EQ(ex.status, 200);
  EXPECT_EQ(ex.request_body, "");

  auto redirect = ImportVcr(ReadCorpus("cassettes/vcrpy-domain_redirect.yaml"), Options(), nullptr);
  ASSERT_TRUE(redirect.ok()) << redirect.error();
  ASSERT_EQ(redirect->size(), 2u);
  EXPECT_EQ((*redirect)[0].status, 301);
  EXPECT_EQ(Header((*redirect)[0].response_headers, "location"), "http://moz.com/");
  EXPECT_EQ((*redirect)[1].response_body.size(), 5683u);
  EXPECT_EQ((*redirect)[1].response_body.substr(0, 2), "\x1f\x8b");
  EXPECT_EQ(Header((*redirect)[1].response_headers, "content-encoding"), "gzip");
}

TEST(ImportVcr, GoVcrFields) {
  auto result = ImportGoVcr(ReadCorpus("cassettes/go-vcr-golang-org.yaml"), Options(), nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].status, 302);
  EXPECT_EQ((*result)[0].uri, "/");
  EXPECT_EQ(Header((*result)[0].request_headers, "host"), "golang.org");
  EXPECT_DOUBLE_EQ((*result)[0].latency_ms, 460.639208);
  EXPECT_EQ((*result)[1].status, 301);
  EXPECT_EQ((*result)[2].status, 200);
  // 62350 characters, 62384 UTF-8 bytes (python: len(body.encode())).
  EXPECT_EQ((*result)[2].response_body.size(), 62384u);
  EXPECT_EQ(detail::ParseGoDuration("1m2.5s"), 62500.0);
  EXPECT_LT(detail::ParseGoDuration("soon"), 0);
}

TEST(ImportVcr, UnsafeTagsAndAliasBombsAreRefused) {
  const std::string unsafe =
      "interactions:\n- request:\n    method: GET\n    uri: http://h/\n"
      "    body: !!python/object:os.system {}\n"
      "  response: {status: {code: 200}, body: {string: ''}}\nversion: 1\n";
  auto refused = ImportVcr(unsafe, Options(), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("!!python/object:os.system"), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("line 5"), std::string::npos) << refused.error();
  auto local_tag = ImportVcr("interactions: !foo []\n", Options(), nullptr);
  ASSERT_FALSE(local_tag.ok());
  EXPECT_NE(local_tag.error().find("'!foo'"), std::string::npos) << local_tag.error();

  // Ten levels of ten aliases: 10^10 nodes when expanded.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 10; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  bomb += "interactions: []\n";
  auto exploded = ImportVcr(bomb, Options(), nullptr);
  ASSERT_FALSE(exploded.ok());
  EXPECT_NE(exploded.error().find("nodes"), std::string::npos) << exploded.error();
}

TEST(ImportVcr, BadInputIsAClearError) {
  auto truncated =
      ImportVcr("interactions:\n- request: {method: GET, uri: 'http://h/\n", Options(), nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("invalid YAML at line"), std::string::npos) << truncated.error();
  auto go = ImportVcr(ReadCorpus("cassettes/go-vcr-golang-org.yaml"), Options(), nullptr);
  ASSERT_FALSE(go.ok());
  EXPECT_NE(go.error().find("go-vcr"), std::string::npos) << go.error();
  auto py = ImportGoVcr(ReadCorpus("cassettes/vcrpy-gzip_requests.yaml"), Options(), nullptr);
  ASSERT_FALSE(py.ok());
  EXPECT_NE(py.error().find("VCR.py"), std::string::npos) << py.error();
  auto keploy =
      ImportVcr(ReadCorpus("cassettes/keploy-mux-elasticsearch-mocks.yaml"), Options(), nullptr);
  ASSERT_FALSE(keploy.ok());
  EXPECT_NE(keploy.error().find("Keploy"), std::string::npos) << keploy.error();
  auto huge = Options();
  huge.max_bytes = 10;
  EXPECT_FALSE(ImportVcr("interactions: []\n", huge, nullptr).ok());
}

// yaml-cpp 0.7 alone loops on a ',' outside any collection until memory runs out (found by
// peers_fuzz): each importer answers with the position instead.
TEST(ImportVcr, StrayCommaIsAPositionedError) {
  for (const char* text : {",", "# a comment\n  ,\n", "kind: Http\n---\n, x\n"}) {
    for (auto* import : {&ImportVcr, &ImportGoVcr, &ImportKeploy}) {
      auto result = import(text, Options(), nullptr);
      ASSERT_FALSE(result.ok()) << text;
      EXPECT_NE(result.error().find("outside a flow collection"), std::string::npos)
          << result.error();
      EXPECT_NE(result.error().find("at line"), std::string::npos) << result.error();
    }
  }
}

// ---------------------------------------------------------------------------------------
// Keploy

// Counted once with python: 3 YAML documents, all "kind: Http" with spec.req/spec.resp.
TEST(ImportKeploy, CorpusFile) {
  auto text = ReadCorpus("cassettes/keploy-mux-elasticsearch-mocks.yaml");
  EXPECT_EQ(DetectFormat(text), Format::kKeploy);
  ImportReport report;
  auto result = ImportKeploy(text, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ(report.skipped.size(), 0u);
  EXPECT_EQ(report.format, "keploy api.keploy.io/v1beta1");
  const auto& ex = (*result)[1];
  EXPECT_EQ(ex.method, "POST");
  EXPECT_EQ(ex.uri, "/documents/_doc");
  EXPECT_EQ(ex.request_body, R"({"title":"somethingTitle","content":"something22"})");
  EXPECT_EQ(ex.status, 201);
  EXPECT_EQ(ex.response_body.size(), 161u);
  // Keploy stores the body decoded but keeps "Content-Encoding: gzip": the label is dropped.
  EXPECT_EQ(Header(ex.response_headers, "content-encoding"), "<absent>");
  EXPECT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ((*result)[0].timestamp, "2024-08-06T10:56:50.741Z");
  ExpectAllRoundTrip(*result, "keploy");
}

TEST(ImportKeploy, OtherKindsAreSkippedAndWrongFilesRefused) {
  const std::string mocks =
      "version: api.keploy.io/v1beta1\nkind: Postgres\nname: mock-0\nspec: {}\n---\n"
      "version: api.keploy.io/v1beta1\nkind: Http\nname: mock-1\nspec:\n"
      "  req: {method: get, url: 'http://api.example.com/v1/x?y=1', header: {Accept: '*/*'},"
      " body: ''}\n"
      "  resp: {status_code: 404, header: {Content-Type: text/plain}, body: nope}\n";
  ImportReport report;
  auto result = ImportKeploy(mocks, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].method, "GET");
  EXPECT_EQ((*result)[0].uri, "/v1/x?y=1");
  EXPECT_EQ(Header((*result)[0].request_headers, "host"), "api.example.com");
  EXPECT_EQ((*result)[0].status, 404);
  EXPECT_EQ((*result)[0].response_body, "nope");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].where, "document 1 'mock-0'");
  EXPECT_NE(report.skipped[0].reason.find("Postgres"), std::string::npos);

  auto vcr = ImportKeploy(ReadCorpus("cassettes/vcrpy-gzip_requests.yaml"), Options(), nullptr);
  ASSERT_FALSE(vcr.ok());
  EXPECT_NE(vcr.error().find("not a Keploy file"), std::string::npos) << vcr.error();
  auto truncated = ImportKeploy("kind: Http\nspec:\n  req: {method: GET\n", Options(), nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("line"), std::string::npos) << truncated.error();
}

// ---------------------------------------------------------------------------------------
// Betamax

// Counted once with python: 2 http_interactions, both with a status code (401, then 200).
TEST(ImportBetamax, CorpusFile) {
  auto text = ReadCorpus("cassettes/betamax-handles_digest_auth.json");
  EXPECT_EQ(DetectFormat(text), Format::kBetamax);
  ImportReport report;
  auto result = ImportBetamax(text, Options(), &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ(report.skipped.size(), 0u);
  EXPECT_EQ((*result)[0].status, 401);
  EXPECT_EQ((*result)[0].uri, "/digest-auth/auth/user/passwd");
  EXPECT_EQ(Header((*result)[0].request_headers, "host"), "httpbin.org");
  EXPECT_EQ((*result)[0].timestamp, "2014-05-02T13:13:26.000Z");
  EXPECT_EQ((*result)[1].status, 200);
  EXPECT_EQ((*result)[1].response_body.size(), 45u);
  ExpectAllRoundTrip(*result, "betamax");

  const std::string b64 = R"({"http_interactions":[{"request":{"method":"POST","uri":"http://h/x",
    "body":{"encoding":"","base64_string":"AP8="},"headers":{}},
    "response":{"status":{"code":200},"headers":{"Content-Type":["a/b"]},
    "body":{"base64_string":"AAEC"}},"recorded_at":"Fri, 02 May 2014 13:13:26 GMT"}]})";
  auto bin = ImportBetamax(b64, Options(), nullptr);
  ASSERT_TRUE(bin.ok()) << bin.error();
  ASSERT_EQ(bin->size(), 1u);
  EXPECT_EQ((*bin)[0].request_body, std::string("\x00\xff", 2));
  EXPECT_EQ((*bin)[0].response_body, std::string("\x00\x01\x02", 3));
  EXPECT_EQ((*bin)[0].timestamp, "2024-01-01T00:00:00.000Z");  // unreadable date: default
  auto wrong = ImportBetamax(ReadCorpus("cassettes/hoverfly-hoverfly.io.json"), Options(), nullptr);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("http_interactions"), std::string::npos);
}

}  // namespace
}  // namespace gostly::seed
