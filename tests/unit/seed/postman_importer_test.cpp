#include <gtest/gtest.h>

#include <string>

#include "corpus_util.hpp"
#include "seed/importer.hpp"

namespace gostly::seed {
namespace {

using testing::ExpectRoundTrips;
using testing::ReadCorpus;

std::string_view Header(const common::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

struct PostmanCase {
  const char* file;
  std::size_t created;  // saved example responses (item.response[] entries)
  std::size_t skipped;  // requests without any saved response
};

// Counted once with python, walking `item` recursively: an object with `item` is a folder,
// any other is a request; created = sum(len(response)), skipped = requests whose `response`
// is absent or empty. Every saved response in the corpus has a numeric `code`.
const PostmanCase kPostmanCorpus[] = {
    {"postman/newman-echo-v2.postman_collection.json", 10, 15},  // 22 requests
    {"postman/realworld-conduit.postman_collection.json", 0, 32},
    {"postman/sabre-lodging-v2025.04.postman_collection.json", 12, 0},
    {"postman/transferwise-tw-api.postman_collection.json", 0, 66},
    {"postman/transformer-v2.1-helpers.json", 0, 5},
    {"postman/transformer-v2.1-nestedEntities.json", 0, 2},
    {"postman/twitter-ads-api-v2.1.postman_collection.json", 0, 190},
};

TEST(PostmanImport, EveryCorpusFileImportsWithTheCountedExchanges) {
  for (const auto& c : kPostmanCorpus) {
    SCOPED_TRACE(c.file);
    std::string text = ReadCorpus(c.file);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(DetectFormat(text), Format::kPostman);
    ImportReport report;
    auto result = ImportPostman(text, ImportOptions{}, &report);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->size(), c.created);
    EXPECT_EQ(report.created, c.created);
    EXPECT_EQ(report.skipped.size(), c.skipped);
    for (const auto& s : report.skipped) EXPECT_EQ(s.reason, "no saved response") << s.where;
    EXPECT_TRUE(report.format.starts_with("postman v2.")) << report.format;
    for (const auto& ex : *result) {
      EXPECT_TRUE(ex.uri.starts_with("/")) << ex.uri;
      EXPECT_GE(ex.status, 100);
      ExpectRoundTrips(ex, std::string(c.file) + " " + ex.uri);
    }
  }
}

TEST(PostmanImport, EchoExamplesCarryStatusHeadersAndBody) {
  ImportReport report;
  auto result =
      ImportPostman(ReadCorpus("postman/newman-echo-v2.postman_collection.json"), {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_FALSE(result->empty());
  for (const auto& ex : *result) {
    EXPECT_EQ(Header(ex.request_headers, "Host"), "postman-echo.com") << ex.uri;
    EXPECT_EQ(Header(ex.response_headers, "Content-Length"), "<absent>");
    EXPECT_EQ(Header(ex.response_headers, "Connection"), "<absent>");
  }
  // Skipped requests are named by their folder path.
  ASSERT_FALSE(report.skipped.empty());
  EXPECT_TRUE(report.skipped[0].where.starts_with("item '")) << report.skipped[0].where;
  EXPECT_NE(report.skipped[0].where.find("' > '"), std::string::npos) << report.skipped[0].where;
}

constexpr const char* kCollection = R"({
  "info": {"name": "t", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
  "variable": [{"key": "base", "value": "https://api.example.com/v1"}, {"key": "tok", "value": "abc"}],
  "item": [
    {"name": "Users", "item": [
      {"name": "Admin", "item": [
        {"name": "Get user",
         "request": {"method": "get",
                     "header": [{"key": "Authorization", "value": "Bearer {{tok}}"},
                                {"key": "X-Off", "value": "1", "disabled": true}],
                     "url": {"raw": "{{base}}/users/:id?expand={{expand}}",
                             "host": ["{{base}}"], "path": ["users", ":id"],
                             "variable": [{"key": "id", "value": "42"}]}},
         "response": [
           {"name": "ok", "code": 200, "status": "OK",
            "header": [{"key": "Content-Type", "value": "application/json"},
                       {"key": "Content-Length", "value": "9"}],
            "body": "{\"id\":42}"},
           {"name": "gone", "code": 404,
            "originalRequest": {"method": "GET", "url": "{{base}}/users/7"},
            "body": ""}]},
        {"name": "No example", "request": {"method": "DELETE", "url": "{{base}}/users/1"}}]}]},
    {"name": "Create", "request": {"method": "POST", "url": "{{base}}/things",
       "body": {"mode": "urlencoded", "urlencoded": [{"key": "name", "value": "{{tok}} x"}]}},
     "response": [{"name": "created", "code": 201, "body": "{\"ok\":true}"}]},
    {"name": "Raw", "request": {"method": "PUT", "url": "{{host}}/raw",
       "body": {"mode": "raw", "raw": "{\"t\":\"{{tok}}\"}"}},
     "response": [{"name": "r", "code": 200, "body": "done"}]}
  ]})";

TEST(PostmanImport, VariablesAreSubstitutedAndNestedFoldersWalked) {
  ImportReport report;
  auto result = ImportPostman(kCollection, {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 4u);
  const auto& ok = (*result)[0];
  EXPECT_EQ(ok.method, "GET");
  EXPECT_EQ(ok.uri, "/v1/users/42?expand=%7B%7Bexpand%7D%7D");
  EXPECT_EQ(Header(ok.request_headers, "Host"), "api.example.com");
  EXPECT_EQ(Header(ok.request_headers, "Authorization"), "Bearer abc");
  EXPECT_EQ(Header(ok.request_headers, "X-Off"), "<absent>");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.response_body, "{\"id\":42}");
  EXPECT_EQ(Header(ok.response_headers, "Content-Length"), "<absent>");

  const auto& gone = (*result)[1];  // from originalRequest
  EXPECT_EQ(gone.uri, "/v1/users/7");
  EXPECT_EQ(gone.status, 404);

  const auto& created = (*result)[2];
  EXPECT_EQ(created.method, "POST");
  EXPECT_EQ(created.request_body, "name=abc+x");

  const auto& raw = (*result)[3];  // {{host}} unresolved: no Host header invented
  EXPECT_EQ(raw.uri, "/raw");
  EXPECT_EQ(raw.request_body, "{\"t\":\"abc\"}");
  EXPECT_EQ(Header(raw.request_headers, "Host"), "<absent>");

  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].where, "item 'Users' > 'Admin' > 'No example'");
  EXPECT_EQ(report.skipped[0].reason, "no saved response");
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_NE(report.warnings[0].find("{{expand}}"), std::string::npos) << report.warnings[0];
  EXPECT_NE(report.warnings[1].find("{{host}}"), std::string::npos) << report.warnings[1];
  for (const auto& ex : *result) ExpectRoundTrips(ex, ex.uri);
}

TEST(PostmanImport, EnvironmentOverridesCollectionVariables) {
  ImportOptions options;
  options.environment =
      R"({"name":"prod","values":[{"key":"tok","value":"env","enabled":true},
                                  {"key":"host","value":"https://h.example:9000"},
                                  {"key":"expand","value":"all"}]})";
  ImportReport report;
  auto result = ImportPostman(kCollection, options, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 4u);
  EXPECT_EQ((*result)[0].uri, "/v1/users/42?expand=all");
  EXPECT_EQ(Header((*result)[0].request_headers, "Authorization"), "Bearer env");
  EXPECT_EQ(Header((*result)[3].request_headers, "Host"), "h.example:9000");
  EXPECT_TRUE(report.warnings.empty());

  options.environment = R"({"tok":"flat"})";
  result = ImportPostman(kCollection, options, nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(Header((*result)[0].request_headers, "Authorization"), "Bearer flat");

  options.environment = "{";
  result = ImportPostman(kCollection, options, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(result.error().starts_with("environment: invalid JSON")) << result.error();
}

TEST(PostmanImport, AHarFileIsRefusedClearly) {
  auto result = ImportPostman(ReadCorpus("har/mitmproxy-insomnia.har"), {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("not a Postman collection"), std::string::npos) << result.error();
  EXPECT_NE(result.error().find("HAR"), std::string::npos) << result.error();
}

TEST(PostmanImport, TruncatedJsonFailsNamingTheOffset) {
  std::string text = ReadCorpus("postman/transformer-v2.1-nestedEntities.json");
  ASSERT_GT(text.size(), 500u);
  auto result = ImportPostman(std::string_view(text).substr(0, 500), {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("byte 500"), std::string::npos) << result.error();
}

TEST(PostmanImport, ExamplesWithoutStatusAreSkippedNotInvented) {
  std::string collection =
      R"({"info":{"schema":"https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
    "item":[{"name":"A","request":"https://x.example/a",
             "response":[{"name":"no code","body":"x"},{"name":"fine","code":200,"body":"y",
                          "header":"Content-Type: text/plain\nX-A: 1"}]}]})";
  ImportReport report;
  auto result = ImportPostman(collection, {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().uri, "/a");
  EXPECT_EQ(Header(result->front().response_headers, "X-A"), "1");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].where, "item 'A' > example 'no code'");
  EXPECT_EQ(report.format, "postman v2.0.0");
}

}  // namespace
}  // namespace gostly::seed
