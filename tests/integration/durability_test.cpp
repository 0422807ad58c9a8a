// Crash safety of the JSON Lines files: a kill -9 right after a LEARN answer, and a torn
// last line from an earlier crash.
#include <csignal>

#include "harness.hpp"

namespace gostly::integration {
namespace {

class Durability : public WorkDirTest {};

TEST_F(Durability, ExchangeAnsweredInLearnSurvivesKillNine) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");

  const auto response = proxy.Get("/api/items?probe=durable");
  ASSERT_EQ(response.status, 200) << Describe(response);
  EXPECT_EQ(proxy.Kill9(), 128 + SIGKILL);

  const auto traffic = ReadJsonLines(data_dir() / "traffic" / "default.jsonl");
  EXPECT_TRUE(HasRecord(traffic, "GET", "/api/items?probe=durable"))
      << "traffic/default.jsonl: " << test_support::ReadFile(data_dir() / "traffic" / "default.jsonl");
  const auto mocks = ReadJsonLines(data_dir() / "mocks" / "default.jsonl");
  EXPECT_TRUE(HasRecord(mocks, "GET", "/api/items?probe=durable"))
      << "mocks/default.jsonl: " << test_support::ReadFile(data_dir() / "mocks" / "default.jsonl");
  for (const auto& record : mocks) {
    if (StringField(record, "uri") != "/api/items?probe=durable") continue;
    EXPECT_EQ(record.at("status").to_number<int>(), 200);
    EXPECT_EQ(StringField(record, "service"), "default");
  }
}

TEST_F(Durability, TornLastLineIsSkippedReportedAndNeverFatal) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  const auto items = proxy.Get("/api/items");
  const auto binary = proxy.Get("/binary");
  ASSERT_EQ(items.status, 200) << Describe(items);
  ASSERT_EQ(binary.status, 200) << Describe(binary);
  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  upstream.Stop();

  const fs::path library = data_dir() / "mocks" / "default.jsonl";
  const auto before = test_support::ReadFile(library);
  ASSERT_FALSE(before.empty());
  ASSERT_EQ(before.back(), '\n') << "complete records end in a newline";
  AppendFile(library, R"({"method":"GET","uri":"/x","sta)");

  ASSERT_PROXY_STARTS(proxy);
  EXPECT_TRUE(PollUntil([&] { return ToLower(proxy.Log()).find("torn") != std::string::npos; },
                        2s))
      << "no warning about the torn line in the log:\n" << proxy.Log();
  const auto items_replay = proxy.Get("/api/items");
  EXPECT_EQ(items_replay.status, 200) << Describe(items_replay);
  EXPECT_EQ(items_replay.Header("X-Ghost-Mock"), "true") << Describe(items_replay);
  EXPECT_EQ(items_replay.body, items.body);
  const auto binary_replay = proxy.Get("/binary");
  EXPECT_EQ(binary_replay.Header("X-Ghost-Mock"), "true") << Describe(binary_replay);
  EXPECT_TRUE(binary_replay.body == binary.body);
  EXPECT_EQ(proxy.Get("/x").Header("X-Ghost-Miss"), "true");

  const auto reload = proxy.Send("POST", "/ghost/admin/reload");
  ASSERT_EQ(reload.status, 200) << Describe(reload);
  const auto report = ParseJson(reload.body);
  ASSERT_TRUE(report.is_object()) << reload.body;
  for (const char* field : {"keys", "exchanges", "skipped", "torn"}) {
    EXPECT_TRUE(report.as_object().contains(field)) << field << " missing: " << reload.body;
  }
  EXPECT_EQ(report.at("torn").to_number<std::int64_t>(), 1) << reload.body;
  EXPECT_GE(report.at("keys").to_number<std::int64_t>(), 2) << reload.body;
  EXPECT_EQ(proxy.Get("/api/items").Header("X-Ghost-Mock"), "true") << "still served after reload";
}

}  // namespace
}  // namespace gostly::integration
