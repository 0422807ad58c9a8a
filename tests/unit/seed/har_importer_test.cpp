#include <gtest/gtest.h>

#include <string>

#include "common/body_codec.hpp"
#include "corpus_util.hpp"
#include "seed/importer.hpp"

namespace gostly::seed {
namespace {

using testing::ExpectRoundTrips;
using testing::ReadCorpus;

std::string_view Header(const common::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        })) {
      return v;
    }
  }
  return "<absent>";
}

struct HarCase {
  const char* file;
  std::size_t created;
  std::size_t skipped;
};

// Counted once with python: len(log.entries), minus entries without a response or with
// response.status <= 0 (none in this corpus), e.g.
//   python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["log"]["entries"];
//               print(len(e), sum(1 for x in e if not x.get("response") or
//                                   x["response"].get("status",0)<=0))' FILE
const HarCase kHarCorpus[] = {
    {"har/browsertime-http2-chrome.har", 11, 0},
    {"har/chrome-devtools-run.sitespeed.io.har", 10, 0},
    {"har/firefox43-linkedin.har", 23, 0},
    {"har/mitmproxy-charles.har", 1, 0},
    {"har/mitmproxy-firefox.har", 14, 0},
    {"har/mitmproxy-insomnia.har", 1, 0},
    {"har/mitmproxy-postdata.har", 1, 0},
    {"har/mitmproxy-successful_log.har", 2, 0},
    {"har/playwright-redirect.har", 3, 0},
    {"har/webpagetest-sitespeed.io-redirect-to-https.har", 15, 0},
    {"cassettes/polly-github-getUser.har", 1, 0},
    {"cassettes/polly-jest-node-fetch-post.har", 1, 0},
};

TEST(HarImport, EveryCorpusFileImportsWithTheCountedExchanges) {
  for (const auto& c : kHarCorpus) {
    SCOPED_TRACE(c.file);
    std::string text = ReadCorpus(c.file);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(DetectFormat(text), Format::kHar);
    ImportReport report;
    auto result = ImportHar(text, ImportOptions{}, &report);
    ASSERT_TRUE(result.ok()) << result.error();
    EXPECT_EQ(result->size(), c.created);
    EXPECT_EQ(report.created, c.created);
    EXPECT_EQ(report.skipped.size(), c.skipped);
    EXPECT_TRUE(report.format.starts_with("har 1.")) << report.format;
    for (const auto& ex : *result) {
      EXPECT_FALSE(ex.method.empty());
      EXPECT_TRUE(ex.uri.starts_with("/")) << ex.uri;
      EXPECT_NE(Header(ex.request_headers, "host"), "<absent>") << ex.uri;
      for (const auto& [name, value] : ex.request_headers) EXPECT_NE(name.front(), ':') << name;
      for (const auto& [name, value] : ex.response_headers) {
        EXPECT_NE(name.front(), ':') << name;
        EXPECT_NE(Header({{name, value}}, "content-length"), value) << name;
      }
      EXPECT_EQ(ex.timestamp.size(), 24u) << ex.timestamp;  // 2016-01-24T10:00:00.000Z
      ExpectRoundTrips(ex, std::string(c.file) + " " + ex.uri);
    }
  }
}

TEST(HarImport, PollyRecordingKeepsMethodTargetAndBody) {
  auto result = ImportHar(ReadCorpus("cassettes/polly-github-getUser.har"), {}, nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = result->front();
  EXPECT_EQ(ex.method, "GET");
  EXPECT_EQ(Header(ex.request_headers, "host"), "api.github.com");
  EXPECT_EQ(ex.uri, "/users/netflix");
  EXPECT_EQ(ex.status, 200);
  // Polly stores the still-gzipped body as hex chunks: decoded to the gzip bytes (the
  // recorded content.size), so the gzip label stays true.
  EXPECT_EQ(ex.response_body.size(), 525u);
  EXPECT_TRUE(ex.response_body.starts_with("\x1f\x8b"));
  EXPECT_EQ(Header(ex.response_headers, "content-encoding"), "gzip");
}

TEST(HarImport, RedirectsAreKeptAndPseudoHeadersDropped) {
  ImportReport report;
  auto result = ImportHar(ReadCorpus("har/playwright-redirect.har"), {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].status, 301);
  EXPECT_EQ((*result)[1].status, 301);
  EXPECT_EQ((*result)[2].status, 200);
  EXPECT_NE(Header((*result)[0].response_headers, "location"), "<absent>");
}

TEST(HarImport, Base64BodiesDecodeByteExact) {
  // Bytes 00 FF 10 80 7F: base64 "AP8QgH8=".
  std::string har = R"({"log":{"version":"1.2","entries":[{
    "startedDateTime":"2024-05-01T10:00:00.5+02:00","time":12.5,
    "request":{"method":"get","url":"https://img.example.com:8443/a/b.png?x=1&y=%20#frag",
               "headers":[{"name":":authority","value":"img.example.com"},
                          {"name":":method","value":"GET"},
                          {"name":"accept","value":"image/*"}]},
    "response":{"status":200,"headers":[{"name":"content-type","value":"image/png"},
                                        {"name":"content-length","value":"5"}],
                "content":{"size":5,"mimeType":"image/png","text":"AP8QgH8=","encoding":"base64"}}}]}})";
  ImportReport report;
  auto result = ImportHar(har, {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = result->front();
  EXPECT_EQ(ex.response_body, std::string("\x00\xff\x10\x80\x7f", 5));
  EXPECT_EQ(ex.method, "GET");
  EXPECT_EQ(ex.uri, "/a/b.png?x=1&y=%20");
  ASSERT_EQ(ex.request_headers.size(), 2u);
  EXPECT_EQ(ex.request_headers[0],
            (std::pair<std::string, std::string>{"Host", "img.example.com:8443"}));
  EXPECT_EQ(ex.request_headers[1].first, "accept");
  ASSERT_EQ(ex.response_headers.size(), 1u);  // content-length is recomputed by the proxy
  EXPECT_EQ(ex.timestamp, "2024-05-01T08:00:00.500Z");
  EXPECT_DOUBLE_EQ(ex.latency_ms, 12.5);
  ExpectRoundTrips(ex, "base64");
}

TEST(HarImport, StatusZeroAndMissingResponsesAreSkippedWithReason) {
  std::string har = R"({"log":{"entries":[
    {"request":{"method":"GET","url":"https://a.example/ok"},"response":{"status":204}},
    {"request":{"method":"GET","url":"https://a.example/blocked"},"response":{"status":0}},
    {"request":{"method":"GET","url":"https://a.example/pending"}},
    {"request":{"method":"GET","url":"not a url"},"response":{"status":200}},
    {"request":{"method":"GET","url":"https://a.example/bad64"},
     "response":{"status":200,"content":{"text":"!!!","encoding":"base64"}}}]}})";
  ImportReport report;
  auto result = ImportHar(har, {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().uri, "/ok");
  ASSERT_EQ(report.skipped.size(), 4u);
  EXPECT_EQ(report.skipped[0].where, "entries[1]");
  EXPECT_NE(report.skipped[0].reason.find("status is 0"), std::string::npos);
  EXPECT_EQ(report.skipped[1].where, "entries[2]");
  EXPECT_NE(report.skipped[1].reason.find("no response"), std::string::npos);
  EXPECT_EQ(report.skipped[2].where, "entries[3]");
  EXPECT_NE(report.skipped[2].reason.find("not absolute"), std::string::npos);
  EXPECT_NE(report.skipped[3].reason.find("base64"), std::string::npos);
}

TEST(HarImport, CookiesPostParamsAndUnencodedUrlBytes) {
  std::string har = R"({"log":{"entries":[{
    "request":{"method":"POST","url":"http://a.example/search path?q=a b|c",
               "headers":[{"name":"Content-Type","value":"application/x-www-form-urlencoded"}],
               "cookies":[{"name":"sid","value":"1"},{"name":"t","value":"2"}],
               "postData":{"mimeType":"application/x-www-form-urlencoded",
                           "params":[{"name":"a","value":"1 2"},{"name":"b&c","value":"é"}]}},
    "response":{"status":200,"content":{"text":"ok"}}}]}})";
  auto result = ImportHar(har, {}, nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  const auto& ex = result->front();
  EXPECT_EQ(ex.uri, "/search%20path?q=a%20b%7Cc");
  EXPECT_EQ(Header(ex.request_headers, "cookie"), "sid=1; t=2");
  EXPECT_EQ(ex.request_body, "a=1+2&b%26c=%C3%A9");
}

TEST(HarImport, ContentEncodingKeptOnlyWhenTheBodyIsStillCompressed) {
  // "H4sI" is base64 of 1F 8B 08: a real gzip stream header.
  std::string har = R"({"log":{"entries":[
    {"request":{"method":"GET","url":"https://a.example/plain"},
     "response":{"status":200,"headers":[{"name":"Content-Encoding","value":"gzip"}],
                 "content":{"text":"{\"a\":1}"}}},
    {"request":{"method":"GET","url":"https://a.example/gz"},
     "response":{"status":200,"headers":[{"name":"Content-Encoding","value":"gzip"}],
                 "content":{"text":"H4sIAAAAAAAAAw==","encoding":"base64"}}},
    {"request":{"method":"GET","url":"https://a.example/br"},
     "response":{"status":200,"headers":[{"name":"content-encoding","value":"br"}],
                 "content":{"text":"<html></html>"}}}]}})";
  ImportReport report;
  auto result = ImportHar(har, {}, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ(Header((*result)[0].response_headers, "content-encoding"), "<absent>");
  EXPECT_EQ(Header((*result)[1].response_headers, "content-encoding"), "gzip");
  EXPECT_EQ(Header((*result)[2].response_headers, "content-encoding"), "<absent>");
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("2 responses"), std::string::npos);
}

TEST(HarImport, AnOpenApiSpecIsRefusedClearly) {
  auto result = ImportHar(ReadCorpus("openapi/oai-petstore-swagger2.0.json"), {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("not a HAR file: no log.entries"), std::string::npos)
      << result.error();
  EXPECT_EQ(result.error_code(), common::ErrorCode::kInvalidArgument);
}

TEST(HarImport, TruncatedJsonFailsNamingTheOffset) {
  std::string text = ReadCorpus("har/mitmproxy-insomnia.har");
  ASSERT_GT(text.size(), 100u);
  auto result = ImportHar(std::string_view(text).substr(0, 100), {}, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("byte 100"), std::string::npos) << result.error();
  EXPECT_NE(result.error().find("line "), std::string::npos) << result.error();

  auto garbage = ImportHar("{\"log\": {\"entries\": [}}", {}, nullptr);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().find("byte 21"), std::string::npos) << garbage.error();
}

TEST(HarImport, InputOverTheSizeLimitIsRefusedBeforeParsing) {
  ImportOptions options;
  options.max_bytes = 10;
  auto result = ImportHar(R"({"log":{"entries":[]}})", options, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("over the import limit of 10 bytes"), std::string::npos)
      << result.error();
}

TEST(HarImport, MaxEntriesBoundsTheOutputAndReportsTheRest) {
  ImportOptions options;
  options.max_entries = 4;
  ImportReport report;
  auto result = ImportHar(ReadCorpus("har/mitmproxy-firefox.har"), options, &report);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->size(), 4u);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].where, "entries[4]..");
}

TEST(HarImport, ServiceAndSessionComeFromOptions) {
  ImportOptions options;
  options.service = "github";
  options.recording_session_id = "seed-42";
  auto result = ImportHar(ReadCorpus("cassettes/polly-jest-node-fetch-post.har"), options, nullptr);
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ(result->front().service, "github");
  EXPECT_EQ(result->front().recording_session_id, "seed-42");
}

TEST(DetectFormat, ClassifiesByContent) {
  EXPECT_EQ(DetectFormat(ReadCorpus("postman/sabre-lodging-v2025.04.postman_collection.json")),
            Format::kPostman);
  EXPECT_EQ(DetectFormat(ReadCorpus("openapi/oai-petstore-swagger2.0.json")), Format::kOpenApi);
  EXPECT_EQ(DetectFormat(ReadCorpus("openapi/oai-petstore-v3.0.yaml")), Format::kOpenApi);
  EXPECT_EQ(DetectFormat(ReadCorpus("cassettes/hoverfly-hoverfly.io.json")), Format::kHoverfly);
  EXPECT_EQ(DetectFormat("{\"log\":"), Format::kUnknown);
  EXPECT_EQ(DetectFormat(""), Format::kUnknown);
}

}  // namespace
}  // namespace gostly::seed
