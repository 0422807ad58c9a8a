// Export as HAR and WireMock: the documents are what those formats define, and our own
// importers read them back to the same exchanges (bodies byte-exact, sequences in order).
#include "seed/exporter.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <sstream>

#include "seed/importer.hpp"

namespace gostly::seed {
namespace {
namespace json = boost::json;

library::Exchange Make(std::string method, std::string uri, int status, std::string body,
                       std::string request_body = {}) {
  library::Exchange ex;
  ex.timestamp = "2026-11-23T10:00:00.000Z";
  ex.service = "svc";
  ex.method = std::move(method);
  ex.uri = std::move(uri);
  ex.request_headers = {{"Host", "api.example.com"}, {"Accept", "application/json"}};
  ex.request_body = std::move(request_body);
  if (!ex.request_body.empty()) ex.request_headers.emplace_back("Content-Type", "application/json");
  ex.status = status;
  ex.response_headers = {{"Content-Type", "application/json"}, {"Set-Cookie", "a=1"},
                         {"Set-Cookie", "b=2"}, {"Transfer-Encoding", "chunked"}};
  ex.response_body = std::move(body);
  ex.latency_ms = 12.5;
  return ex;
}

struct Library {
  std::vector<library::Exchange> exchanges;
  std::vector<int> seqs;
  std::vector<bool> last;
  std::vector<std::string> keys;
};

// A GET with a query, a JSON POST, a binary response, and a key answered three times in turn.
Library Sample() {
  Library lib;
  auto add = [&](library::Exchange ex, int seq, bool last) {
    lib.keys.push_back(ex.method + " " + ex.uri);
    lib.exchanges.push_back(std::move(ex));
    lib.seqs.push_back(seq);
    lib.last.push_back(last);
  };
  add(Make("GET", "/v1/items?page=2&sort=name", 200, R"({"items":[1,2]})"), 0, true);
  add(Make("POST", "/v1/items", 201, R"({"id":7})", R"({"name": "seven"})"), 0, true);
  library::Exchange binary = Make("GET", "/v1/logo.png", 200, std::string("\x89PNG\r\n\x1a\n\0\xff", 10));
  binary.response_headers = {{"Content-Type", "image/png"}};
  add(std::move(binary), 0, true);
  for (int i = 0; i < 3; ++i) {
    add(Make("GET", "/v1/jobs/9", 200, R"({"state":")" + std::to_string(i) + "\"}"), i, i == 2);
  }
  return lib;
}

std::string Export(ExportFormat format, const Library& lib) {
  std::ostringstream out;
  ExportWriter writer(format, out, "test");
  for (std::size_t i = 0; i < lib.exchanges.size(); ++i) {
    writer.Add({.exchange = &lib.exchanges[i],
                .seq = lib.seqs[i],
                .last_in_sequence = lib.last[i],
                .sequence_key = lib.keys[i],
                .base_url = "https://api.example.com"});
  }
  writer.Finish();
  EXPECT_EQ(writer.written(), lib.exchanges.size());
  return out.str();
}

ImportOptions Options() {
  ImportOptions o;
  o.service = "svc";
  return o;
}

TEST(ExportHar, IsAHarLogOurImporterReadsBackExactly) {
  const Library lib = Sample();
  const std::string text = Export(ExportFormat::kHar, lib);
  const json::value doc = json::parse(text);
  const auto& log = doc.at("log").as_object();
  EXPECT_EQ(log.at("version"), "1.2");
  EXPECT_EQ(log.at("creator").at("name"), "gostly");
  const auto& entries = log.at("entries").as_array();
  ASSERT_EQ(entries.size(), lib.exchanges.size());
  // Fields HAR 1.2 requires, on the first entry.
  const auto& first = entries[0].as_object();
  for (const char* field : {"startedDateTime", "time", "request", "response", "cache", "timings"}) {
    EXPECT_TRUE(first.contains(field)) << field;
  }
  EXPECT_EQ(first.at("request").at("url"), "https://api.example.com/v1/items?page=2&sort=name");
  const auto& query = first.at("request").at("queryString").as_array();
  ASSERT_EQ(query.size(), 2u);
  EXPECT_EQ(query[0].at("name"), "page");
  EXPECT_EQ(query[0].at("value"), "2");
  EXPECT_EQ(first.at("response").at("statusText"), "OK");
  EXPECT_EQ(entries[2].at("response").at("content").at("encoding"), "base64");
  EXPECT_EQ(entries[4].at("_seq"), 1);

  ImportReport report;
  auto back = ImportHar(text, Options(), &report);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), lib.exchanges.size());
  EXPECT_TRUE(report.skipped.empty());
  for (std::size_t i = 0; i < back->size(); ++i) {
    const auto& a = lib.exchanges[i];
    const auto& b = (*back)[i];
    EXPECT_EQ(b.method, a.method) << i;
    EXPECT_EQ(b.uri, a.uri) << i;
    EXPECT_EQ(b.status, a.status) << i;
    EXPECT_EQ(b.request_body, a.request_body) << i;
    EXPECT_EQ(b.response_body, a.response_body) << i;
    EXPECT_EQ(b.timestamp, a.timestamp) << i;
  }
}

// Found by har_fuzz: a query escape that decodes to a byte that is not UTF-8 made the HAR
// invalid JSON.
TEST(ExportHar, QueryEscapesThatAreNotUtf8StayEncoded) {
  Library lib;
  lib.exchanges.push_back(Make("GET", "/search?q=caf%C3%A9&raw=%ee", 200, "{}"));
  lib.seqs = {0};
  lib.last = {true};
  lib.keys = {"GET /search"};
  const std::string text = Export(ExportFormat::kHar, lib);
  const auto query = json::parse(text).at("log").at("entries").at(0).at("request").at("queryString");
  EXPECT_EQ(query.at(0).at("value"), "caf\xc3\xa9");
  EXPECT_EQ(query.at(1).at("value"), "%ee");
  auto back = ImportHar(text, Options(), nullptr);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ((*back)[0].uri, "/search?q=caf%C3%A9&raw=%ee");
}

TEST(ExportHar, BinaryRequestBodiesSurviveTheRoundTrip) {
  Library lib;
  lib.exchanges.push_back(Make("PUT", "/blob", 204, "", std::string("\0\x01\xfe\xff", 4)));
  lib.seqs = {0};
  lib.last = {true};
  lib.keys = {"PUT /blob"};
  auto back = ImportHar(Export(ExportFormat::kHar, lib), Options(), nullptr);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].request_body, std::string("\0\x01\xfe\xff", 4));
}

TEST(ExportWireMock, MappingsMatchExactlyAndSequencesBecomeScenarios) {
  const Library lib = Sample();
  const std::string text = Export(ExportFormat::kWireMock, lib);
  const json::value doc = json::parse(text);
  const auto& mappings = doc.at("mappings").as_array();
  ASSERT_EQ(mappings.size(), lib.exchanges.size());
  const auto& get = mappings[0].as_object();
  EXPECT_EQ(get.at("request").at("url"), "/v1/items?page=2&sort=name");
  EXPECT_FALSE(get.contains("scenarioName"));
  // Repeated header → list; framing headers are WireMock's business.
  const auto& headers = get.at("response").at("headers").as_object();
  EXPECT_EQ(headers.at("Set-Cookie"), (json::array{"a=1", "b=2"}));
  EXPECT_FALSE(headers.contains("Transfer-Encoding"));
  EXPECT_EQ(mappings[1].at("request").at("bodyPatterns").at(0).at("equalToJson"),
            (json::object{{"name", "seven"}}));
  EXPECT_TRUE(mappings[2].at("response").as_object().contains("base64Body"));
  // Started → seq-1 → seq-2, which keeps its state (MOCK sticks on the last).
  EXPECT_EQ(mappings[3].at("requiredScenarioState"), "Started");
  EXPECT_EQ(mappings[3].at("newScenarioState"), "seq-1");
  EXPECT_EQ(mappings[4].at("requiredScenarioState"), "seq-1");
  EXPECT_EQ(mappings[4].at("newScenarioState"), "seq-2");
  EXPECT_EQ(mappings[5].at("requiredScenarioState"), "seq-2");
  EXPECT_FALSE(mappings[5].as_object().contains("newScenarioState"));
  EXPECT_EQ(mappings[5].at("scenarioName"), "GET /v1/jobs/9");

  auto back = ImportWireMock(text, Options(), nullptr);
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), lib.exchanges.size());
  for (std::size_t i = 0; i < back->size(); ++i) {
    const auto& a = lib.exchanges[i];
    const auto& b = (*back)[i];
    EXPECT_EQ(b.method, a.method) << i;
    EXPECT_EQ(b.uri, a.uri) << i;
    EXPECT_EQ(b.status, a.status) << i;
    EXPECT_EQ(json::parse(b.request_body.empty() ? "null" : b.request_body),
              json::parse(a.request_body.empty() ? "null" : a.request_body))
        << i;
    EXPECT_EQ(b.response_body, a.response_body) << i;
  }
}

TEST(ExportFormats, NamesParseAndAnEmptyLibraryIsAValidDocument) {
  EXPECT_EQ(ParseExportFormat("har"), ExportFormat::kHar);
  EXPECT_EQ(ParseExportFormat("wiremock"), ExportFormat::kWireMock);
  EXPECT_EQ(ParseExportFormat("jsonl"), ExportFormat::kJsonl);
  EXPECT_FALSE(ParseExportFormat("HAR").has_value());
  const Library empty;
  EXPECT_EQ(json::parse(Export(ExportFormat::kHar, empty)).at("log").at("entries").as_array().size(),
            0u);
  EXPECT_EQ(json::parse(Export(ExportFormat::kWireMock, empty)).at("mappings").as_array().size(),
            0u);
}

}  // namespace
}  // namespace gostly::seed
