// Scrubs every file of the shared corpus (real HAR captures, Postman collections, OpenAPI
// specs and cassettes from third parties) and checks that scrubbing is complete: no
// detector finds anything in the output, JSON stays JSON, and the output is a fixed point.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "library/exchange.hpp"
#include "scrub/scrubber.hpp"

namespace gostly::scrub {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path CorpusDir() { return fs::path(GOSTLY_SOURCE_DIR) / ".." / "shared" / "corpus"; }

std::vector<fs::path> CorpusFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(CorpusDir())) {
    if (entry.is_regular_file() && entry.path().filename() != "SOURCES.md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ContentTypeFor(const fs::path& path) {
  auto ext = path.extension().string();
  if (ext == ".json" || ext == ".har") return "application/json";
  if (ext == ".yaml" || ext == ".yml") return "application/yaml";
  return "text/plain";
}

Scrubber MakeScrubber(Replacement replacement) {
  ScrubPolicy policy;
  policy.replacement = replacement;
  policy.tenant_key = "corpus-tenant";
  auto scrubber = Scrubber::Create(policy);
  EXPECT_TRUE(scrubber.ok());
  return std::move(scrubber).value();
}

// A finding with some context, for a failure message an engineer can act on.
std::string Describe(const Scrubber& s, std::string_view text) {
  auto findings = s.Find(text);
  if (findings.empty()) return "";
  const auto& f = findings.front();
  std::size_t from = f.begin > 60 ? f.begin - 60 : 0;
  return std::to_string(findings.size()) + " finding(s), first " +
         std::string(ToString(f.detector)) + ": '" +
         std::string(text.substr(f.begin, std::min<std::size_t>(f.end - f.begin, 80))) +
         "' in '..." + std::string(text.substr(from, f.end - from + 40)) + "...'";
}

TEST(Corpus, DirectoryIsPresent) {
  ASSERT_TRUE(fs::is_directory(CorpusDir()))
      << "the shared corpus is missing at " << CorpusDir()
      << "; it is needed to prove scrubbing complete on real captures";
  ASSERT_FALSE(CorpusFiles().empty()) << "no files under " << CorpusDir();
}

TEST(Corpus, RedactedBodiesHaveNoFindingsAndStayValid) {
  ASSERT_TRUE(fs::is_directory(CorpusDir())) << "the shared corpus is missing at " << CorpusDir();
  auto s = MakeScrubber(Replacement::kRedact);
  ScrubStats total;
  for (const auto& path : CorpusFiles()) {
    SCOPED_TRACE(path.string());
    std::string body = ReadFile(path);
    ScrubStats stats;
    std::string out = s.ScrubBody(body, ContentTypeFor(path), &stats);
    total += stats;
    boost::system::error_code ec;
    json::parse(body, ec);
    if (!ec) {
      json::parse(out, ec);
      EXPECT_FALSE(ec) << "JSON no longer parses after scrubbing: " << ec.message();
    }
    EXPECT_TRUE(s.Find(out).empty()) << Describe(s, out);
    EXPECT_EQ(s.ScrubBody(out, ContentTypeFor(path)), out) << "not a fixed point";
  }
  std::cout << "corpus (redact): credential=" << total.credential << " email=" << total.email
            << " phone=" << total.phone << " card=" << total.card
            << " national_id=" << total.national_id << "\n";
}

TEST(Corpus, PseudonymisedBodiesStayValidAndDeterministic) {
  ASSERT_TRUE(fs::is_directory(CorpusDir())) << "the shared corpus is missing at " << CorpusDir();
  auto s = MakeScrubber(Replacement::kPseudonym);
  for (const auto& path : CorpusFiles()) {
    SCOPED_TRACE(path.string());
    std::string body = ReadFile(path);
    std::string out = s.ScrubBody(body, ContentTypeFor(path));
    boost::system::error_code ec;
    json::parse(body, ec);
    if (!ec) {
      json::parse(out, ec);
      EXPECT_FALSE(ec) << "JSON no longer parses after scrubbing: " << ec.message();
    }
    EXPECT_EQ(s.ScrubBody(body, ContentTypeFor(path)), out) << "not deterministic";
  }
}

library::Exchange ExchangeFromHarEntry(const json::object& entry) {
  library::Exchange e;
  const auto& request = entry.at("request").as_object();
  const auto& response = entry.at("response").as_object();
  e.method = std::string(request.at("method").as_string());
  e.uri = std::string(request.at("url").as_string());
  // HAR bodies are text, or base64 when the entry says so; base64 is not decoded here.
  auto headers = [](const json::object& message) {
    common::HeaderList list;
    if (const auto* h = message.if_contains("headers"); h != nullptr && h->is_array()) {
      for (const auto& header : h->as_array()) {
        const auto& o = header.as_object();
        const auto& value = o.at("value");
        list.emplace_back(
            std::string(o.at("name").as_string()),
            value.is_string() ? std::string(value.as_string()) : json::serialize(value));
      }
    }
    return list;
  };
  e.request_headers = headers(request);
  e.response_headers = headers(response);
  if (const auto* post = request.if_contains("postData"); post != nullptr && post->is_object()) {
    if (const auto* text = post->as_object().if_contains("text"); text && text->is_string()) {
      e.request_body = std::string(text->as_string());
    }
  }
  if (const auto* content = response.if_contains("content"); content && content->is_object()) {
    if (const auto* text = content->as_object().if_contains("text"); text && text->is_string()) {
      e.response_body = std::string(text->as_string());
    }
  }
  e.status = static_cast<int>(response.at("status").to_number<double>());
  return e;
}

TEST(Corpus, HarEntriesScrubAsExchanges) {
  ASSERT_TRUE(fs::is_directory(CorpusDir())) << "the shared corpus is missing at " << CorpusDir();
  auto s = MakeScrubber(Replacement::kRedact);
  std::size_t exchanges = 0;
  for (const auto& path : CorpusFiles()) {
    if (path.extension() != ".har") continue;
    SCOPED_TRACE(path.string());
    auto har = json::parse(ReadFile(path));
    for (const auto& entry : har.at("log").at("entries").as_array()) {
      auto e = ExchangeFromHarEntry(entry.as_object());
      s.ScrubExchange(e);
      ++exchanges;
      EXPECT_TRUE(s.Find(e.uri).empty()) << Describe(s, e.uri);
      for (const auto& list : {e.request_headers, e.response_headers}) {
        for (const auto& [name, value] : list) {
          EXPECT_TRUE(s.Find(value).empty()) << name << ": " << Describe(s, value);
        }
      }
      EXPECT_TRUE(s.Find(e.request_body).empty()) << Describe(s, e.request_body);
      EXPECT_TRUE(s.Find(e.response_body).empty()) << Describe(s, e.response_body);
      auto again = e;
      ScrubStats second;
      s.ScrubExchange(again, &second);
      EXPECT_EQ(second.total(), 0u) << "exchange scrubbing is not a fixed point";
    }
  }
  EXPECT_GT(exchanges, 0u);
}

}  // namespace
}  // namespace gostly::scrub
