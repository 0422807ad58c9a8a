#include "library/library_loader.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace gostly::library {
namespace {

namespace fs = std::filesystem;

class LibraryLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "gostly_loader_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Write(const std::string& name, const std::string& contents) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out << contents;
  }

  static std::string Line(const std::string& uri, const std::string& service = "") {
    Exchange ex;
    ex.service = service;
    ex.method = "GET";
    ex.uri = uri;
    ex.status = 200;
    ex.response_body = "body of " + uri;
    return EncodeExchangeLine(ex);
  }

  std::vector<std::string> Uris() const {
    std::vector<std::string> uris;
    for (const auto& ex : loaded_) uris.push_back(ex.uri);
    return uris;
  }

  LoadReport Load() { return LoadExchanges(dir_, loaded_); }

  fs::path dir_;
  std::vector<Exchange> loaded_;
};

TEST_F(LibraryLoader, LoadsEveryJsonlFileInNameOrder) {
  Write("b.jsonl", Line("/b1") + Line("/b2"));
  Write("a.jsonl", Line("/a1"));
  Write("notes.txt", Line("/ignored"));
  Write("c.jsonl.bak", Line("/ignored-too"));
  fs::create_directory(dir_ / "nested.jsonl");
  LoadReport report = Load();
  EXPECT_EQ(report.files, 2u);
  EXPECT_EQ(report.lines, 3u);
  EXPECT_EQ(report.loaded, 3u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_EQ(report.io_errors, 0u);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_EQ(Uris(), (std::vector<std::string>{"/a1", "/b1", "/b2"}));
  EXPECT_EQ(loaded_[0].response_body, "body of /a1");
}

TEST_F(LibraryLoader, ARecordWithoutServiceTakesTheFileStem) {
  Write("payments.jsonl", Line("/charges") + Line("/x", "explicit"));
  Load();
  ASSERT_EQ(loaded_.size(), 2u);
  EXPECT_EQ(loaded_[0].service, "payments");
  EXPECT_EQ(loaded_[1].service, "explicit");
}

TEST_F(LibraryLoader, ABadMiddleLineIsSkippedAndReportedWithFileAndLine) {
  Write("svc.jsonl", Line("/1") + "{not json}\n" + Line("/3") +
                         R"({"method":"GET","uri":"/4","status":"ok"})" + "\n" + Line("/5"));
  LoadReport report = Load();
  EXPECT_EQ(report.loaded, 3u);
  EXPECT_EQ(report.skipped, 2u);
  EXPECT_EQ(report.torn, 0u);
  EXPECT_EQ(Uris(), (std::vector<std::string>{"/1", "/3", "/5"}));
  ASSERT_EQ(report.warnings.size(), 2u);
  std::string file = (dir_ / "svc.jsonl").string();
  EXPECT_EQ(report.warnings[0].rfind(file + ":2: ", 0), 0u) << report.warnings[0];
  EXPECT_NE(report.warnings[1].find(file + ":4: status is not an integer"), std::string::npos)
      << report.warnings[1];
}

TEST_F(LibraryLoader, EmptyLinesAreIgnoredButCountTowardsLineNumbers) {
  Write("svc.jsonl", "\n" + Line("/1") + "\r\n\n" + "garbage\n");
  LoadReport report = Load();
  EXPECT_EQ(report.loaded, 1u);
  EXPECT_EQ(report.lines, 2u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("svc.jsonl:5: "), std::string::npos) << report.warnings[0];
}

TEST_F(LibraryLoader, ATornLastLineIsSkippedAndCounted) {
  std::string partial = Line("/torn");
  partial.resize(partial.size() / 2);
  Write("svc.jsonl", Line("/1") + Line("/2") + partial);
  LoadReport report = Load();
  EXPECT_EQ(report.loaded, 2u);
  EXPECT_EQ(report.torn, 1u);
  EXPECT_EQ(report.skipped, 1u);
  EXPECT_EQ(report.io_errors, 0u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_EQ(report.warnings[0], (dir_ / "svc.jsonl").string() + ": torn last line skipped (" +
                                    std::to_string(partial.size()) + " bytes)");
}

TEST_F(LibraryLoader, AnUnterminatedButValidLastLineIsLoaded) {
  std::string last = Line("/last");
  last.pop_back();
  Write("svc.jsonl", Line("/1") + last);
  LoadReport report = Load();
  EXPECT_EQ(report.loaded, 2u);
  EXPECT_EQ(report.torn, 0u);
  EXPECT_EQ(report.skipped, 0u);
  EXPECT_EQ(Uris(), (std::vector<std::string>{"/1", "/last"}));
}

TEST_F(LibraryLoader, LinesLongerThanTheReadChunkAreLoaded) {
  Exchange big;
  big.method = "POST";
  big.uri = "/upload";
  big.status = 200;
  big.request_body = std::string(3 << 20, 'x');  // spans several 1 MiB reads
  Write("svc.jsonl", Line("/before") + EncodeExchangeLine(big) + Line("/after"));
  LoadReport report = Load();
  EXPECT_EQ(report.loaded, 3u);
  ASSERT_EQ(loaded_.size(), 3u);
  EXPECT_EQ(loaded_[1].request_body, big.request_body);
  EXPECT_EQ(loaded_[2].uri, "/after");
}

TEST_F(LibraryLoader, AMissingDirectoryLoadsNothingWithoutAnError) {
  std::vector<Exchange> out;
  LoadReport report = LoadExchanges(dir_ / "does-not-exist", out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(report.files, 0u);
  EXPECT_EQ(report.io_errors, 0u);
}

TEST_F(LibraryLoader, AnEmptyDirectoryLoadsNothing) {
  LoadReport report = Load();
  EXPECT_EQ(report.files, 0u);
  EXPECT_TRUE(loaded_.empty());
  EXPECT_TRUE(report.warnings.empty());
}

TEST_F(LibraryLoader, AppendsToWhatTheCallerAlreadyHas) {
  Write("svc.jsonl", Line("/new"));
  loaded_.push_back(Exchange{});
  Load();
  EXPECT_EQ(loaded_.size(), 2u);
}

TEST_F(LibraryLoader, AnUnreadableFileIsReportedNotFatal) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can read files without permission";
  Write("a.jsonl", Line("/a"));
  Write("b.jsonl", Line("/b"));
  fs::permissions(dir_ / "a.jsonl", fs::perms::none);
  LoadReport report = Load();
  EXPECT_EQ(report.io_errors, 1u);
  EXPECT_EQ(report.files, 1u);
  EXPECT_EQ(Uris(), (std::vector<std::string>{"/b"}));
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("a.jsonl: cannot open"), std::string::npos);
}

Exchange Recorded(std::string uri, std::string body, std::string session, bool deleted = false) {
  Exchange ex;
  ex.service = "svc";
  ex.method = "GET";
  ex.uri = std::move(uri);
  ex.request_body = std::move(body);
  ex.status = 200;
  ex.recording_session_id = std::move(session);
  ex.deleted = deleted;
  return ex;
}

TEST(Tombstones, RemoveEveryEarlierExchangeOfTheirKeyOnly) {
  std::vector<Exchange> all = {Recorded("/a?x=1&y=2", "", "s1"), Recorded("/a?y=2&x=1", "", "s2"),
                               Recorded("/b", "", "s1"), Recorded("/a?x=1&y=2", "", "m", true)};
  EXPECT_EQ(ApplyTombstones(all), 1u);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].uri, "/b");
}

TEST(Tombstones, ARecordingAfterTheTombstoneSurvives) {
  std::vector<Exchange> all = {Recorded("/a", "", "s1"), Recorded("/a", "", "m", true),
                               Recorded("/a", "", "s2")};
  ApplyTombstones(all);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].recording_session_id, "s2");
}

TEST(Tombstones, MatchOnTheRequestBodyCanonically) {
  std::vector<Exchange> all = {Recorded("/a", R"({"q":1,"r":2})", "s1"),
                               Recorded("/a", R"({"q":3})", "s1"),
                               Recorded("/a", R"({ "r": 2, "q": 1 })", "m", true)};
  ApplyTombstones(all);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].request_body, R"({"q":3})");
}

TEST(Tombstones, SurviveTheJsonLinesRoundTrip) {
  auto decoded = DecodeExchangeLine(EncodeExchangeLine(Recorded("/a", "", "m", true)));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_TRUE(decoded->deleted);
  auto live = DecodeExchangeLine(EncodeExchangeLine(Recorded("/a", "", "m")));
  ASSERT_TRUE(live.ok());
  EXPECT_FALSE(live->deleted);
  EXPECT_EQ(EncodeExchangeLine(Recorded("/a", "", "m")).find("deleted"), std::string::npos);
}

}  // namespace
}  // namespace gostly::library
