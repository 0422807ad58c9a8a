// Explicit sequences: served in turn, then stuck on the last or looping; replaced per route,
// reset, removed, and persisted (definitions, not positions).
#include "state/sequence_store.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

namespace gostly::state {
namespace {
namespace json = boost::json;

Sequence Parse(const char* text) {
  auto s = SequenceFromJson(json::parse(text));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
  return s.ok() ? *s : Sequence{};
}

std::vector<int> Statuses(SequenceStore& store, int n, std::string_view target = "/jobs/1") {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    auto a = store.Next("default", "GET", target);
    out.push_back(a ? a->response.status : 0);
  }
  return out;
}

constexpr const char* kPolling = R"({"method": "get", "path": "/jobs/1",
    "responses": [{"status": 202, "body": {"state": "queued"}},
                  {"status": 202, "body": {"state": "running"}},
                  {"status": 200, "body": "done", "headers": {"Content-Type": "text/plain"}}]})";

TEST(SequenceStore, SticksOnTheLastOrLoops) {
  SequenceStore store("");
  auto put = store.Put(Parse(kPolling));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->id, "seq-1");
  EXPECT_EQ(Statuses(store, 5, "/jobs/1?verbose=1"), (std::vector<int>{202, 202, 200, 200, 200}));
  auto first = store.Next("default", "GET", "/jobs/1");
  EXPECT_EQ(first->response.body, "done");
  EXPECT_EQ(first->index, 2u);
  EXPECT_EQ(first->count, 3u);

  Sequence loop = Parse(kPolling);
  loop.loop = true;
  ASSERT_TRUE(store.Put(loop).ok());
  EXPECT_EQ(store.List().size(), 1u) << "the same route is replaced";
  EXPECT_EQ(Statuses(store, 4), (std::vector<int>{202, 202, 200, 202}));
  EXPECT_FALSE(store.Next("default", "POST", "/jobs/1"));
  EXPECT_FALSE(store.Next("other", "GET", "/jobs/1"));

  // JSON bodies are serialised with a JSON content type; given headers are kept.
  const auto responses = store.List().front().responses;
  EXPECT_EQ(responses[0].body, R"({"state":"queued"})");
  EXPECT_EQ(responses[0].headers.front().second, "application/json");
  EXPECT_EQ(responses[2].headers.front().second, "text/plain");
}

TEST(SequenceStore, ResetRemoveAndPersistence) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gostly-seq-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "sequences.json";
  {
    SequenceStore store(file);
    ASSERT_TRUE(store.Load().ok());
    ASSERT_TRUE(store.Put(Parse(kPolling)).ok());
    ASSERT_TRUE(store.Put(Parse(R"({"method":"GET","path":"/b","responses":[{"status":204}]})")).ok());
    EXPECT_EQ(Statuses(store, 2), (std::vector<int>{202, 202}));
    EXPECT_TRUE(store.Reset("seq-1"));
    EXPECT_EQ(Statuses(store, 1), (std::vector<int>{202}));
    EXPECT_FALSE(store.Reset("seq-9"));
    EXPECT_EQ(store.Remove("seq-2").value(), true);
    EXPECT_EQ(store.Remove("seq-2").value(), false);
  }
  SequenceStore again(file);
  ASSERT_TRUE(again.Load().ok());
  ASSERT_EQ(again.List().size(), 1u);
  EXPECT_EQ(again.List().front().id, "seq-1");
  EXPECT_EQ(Statuses(again, 1), (std::vector<int>{202})) << "positions start over";
  EXPECT_EQ(again.Put(Parse(R"({"method":"GET","path":"/c","responses":[{}]})"))->id, "seq-3")
      << "ids are not reused";
  EXPECT_TRUE(again.Remove("").value());
  EXPECT_TRUE(again.List().empty());

  std::filesystem::remove(file);
  std::ofstream(file) << "{not json";
  SequenceStore broken(file);
  EXPECT_FALSE(broken.Load().ok());
  std::filesystem::remove_all(dir);
}

TEST(SequenceStore, BadDefinitionsNameTheField) {
  auto check = [](const char* text, const char* expected) {
    auto s = SequenceFromJson(json::parse(text));
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_NE(s.error().find(expected), std::string::npos) << s.error();
  };
  check(R"({"path":"/a","responses":[{}]})", "'method'");
  check(R"({"method":"GET","path":"a","responses":[{}]})", "'path'");
  check(R"({"method":"GET","path":"/a","responses":[]})", "'responses'");
  check(R"({"method":"GET","path":"/a","responses":[{"status":99}]})", "responses[0].status");
  check(R"({"method":"GET","path":"/a","mode":"random","responses":[{}]})", "'mode'");
  check(R"({"method":"GET","path":"/a","responses":[{"headers":{"X":"a\r\nB: c"}}]})",
        "not a valid header");
}

}  // namespace
}  // namespace gostly::state
