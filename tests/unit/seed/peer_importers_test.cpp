// Importers for other record/replay tools' files (Hoverfly, WireMock): the shared corpus
// files import with known counts, and the format-specific cases hold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "corpus_util.hpp"
#include "seed/importer.hpp"

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
  const std::string sim = R"({"data":{"pairs":[{"request":{"method":[{"matcher":"exact","value":"GET"}],
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
  auto single = ImportWireMock(R"({"request":{"method":"GET","url":"/one"},"response":{"body":"x"}})",
                               Options(), nullptr);
  ASSERT_TRUE(single.ok()) << single.error();
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].status, 200);
}

TEST(ImportWireMock, BadInputIsAClearError) {
  auto truncated = ImportWireMock("{\"mappings\":[\n{\"request\":", Options(), nullptr);
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("line 2"), std::string::npos) << truncated.error();
  auto hoverfly = ImportWireMock(ReadCorpus("cassettes/hoverfly-hoverfly.io.json"), Options(),
                                 nullptr);
  ASSERT_FALSE(hoverfly.ok());
  EXPECT_NE(hoverfly.error().find("not WireMock mappings"), std::string::npos);
  EXPECT_NE(hoverfly.error().find("Hoverfly"), std::string::npos) << hoverfly.error();
}

}  // namespace
}  // namespace gostly::seed
