// PASSTHROUGH, MOCK misses, the watched mode file and TRANSITIONING.
#include "harness.hpp"

namespace gostly::integration {
namespace {

class Modes : public WorkDirTest {};

TEST_F(Modes, PassthroughForwardsAndRecordsNothing) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(),
                      .env = {{"BACKEND_URL", upstream.url()}, {"INITIAL_MODE", "passthrough"}}});
  ASSERT_PROXY_STARTS(proxy);
  EXPECT_EQ(proxy.Mode(), "PASSTHROUGH");

  const auto created = proxy.Send("POST", "/api/items", R"({"name":"through"})");
  EXPECT_EQ(created.status, 201) << Describe(created);
  const auto direct = test_support::Get(upstream.port(), "/api/items/1");
  const auto proxied = proxy.Get("/api/items/1");
  EXPECT_EQ(proxied.status, 200) << Describe(proxied);
  EXPECT_EQ(proxied.body, direct.body);
  EXPECT_FALSE(proxied.HasHeader("X-Ghost-Mock"));
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();

  for (const auto& file : FilesUnder(data_dir() / "traffic")) {
    EXPECT_EQ(fs::file_size(file), 0u) << "PASSTHROUGH recorded into " << file.string();
  }
  for (const auto& file : FilesUnder(data_dir() / "mocks")) {
    EXPECT_EQ(fs::file_size(file), 0u) << "PASSTHROUGH recorded into " << file.string();
  }
}

TEST_F(Modes, MockMissAnswers404NamingTheRouteAndIsListedAsUnmatched) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "MOCK");

  const auto miss = proxy.Get("/api/unknown?x=1");
  EXPECT_EQ(miss.status, 404) << Describe(miss);
  EXPECT_EQ(miss.Header("X-Ghost-Miss"), "true") << Describe(miss);
  EXPECT_NE(miss.Header("Content-Type").find("json"), std::string::npos) << Describe(miss);
  const auto body = ParseJson(miss.body);
  EXPECT_EQ(StringField(body, "error"), "no_mock") << miss.body;
  EXPECT_EQ(StringField(body, "method"), "GET") << miss.body;
  EXPECT_NE(StringField(body, "uri").find("/api/unknown"), std::string::npos) << miss.body;
  EXPECT_EQ(StringField(body, "service"), "default") << miss.body;
  EXPECT_FALSE(StringField(body, "message").empty()) << miss.body;

  EXPECT_EQ(proxy.Get("/api/unknown?x=1").status, 404);
  EXPECT_EQ(proxy.Send("POST", "/api/other", "{}").status, 404);

  const auto unmatched = proxy.Get("/ghost/unmatched");
  ASSERT_EQ(unmatched.status, 200) << Describe(unmatched);
  const auto listed = ParseJson(unmatched.body);
  ASSERT_TRUE(listed.is_object() && listed.as_object().contains("items") &&
              listed.at("items").is_array())
      << unmatched.body;
  const auto& items = listed.at("items").as_array();
  ASSERT_FALSE(items.empty()) << unmatched.body;
  const auto& top = items.front();
  EXPECT_EQ(StringField(top, "method"), "GET") << "sorted by count, descending: " << unmatched.body;
  EXPECT_NE(StringField(top, "uri").find("/api/unknown"), std::string::npos) << unmatched.body;
  EXPECT_EQ(StringField(top, "service"), "default") << unmatched.body;
  ASSERT_TRUE(top.is_object() && top.as_object().contains("count")) << unmatched.body;
  EXPECT_EQ(top.at("count").to_number<std::int64_t>(), 2) << unmatched.body;
}

TEST_F(Modes, GhostConfigChangesTheMissAnswer) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto configured = proxy.Send(
      "POST", "/ghost/config", R"({"unmatched_status":418,"unmatched_body":{"custom":"teapot"}})");
  ASSERT_EQ(configured.status, 200) << Describe(configured);

  const auto miss = proxy.Get("/api/unknown");
  EXPECT_EQ(miss.status, 418) << Describe(miss);
  EXPECT_EQ(ParseJson(miss.body), ParseJson(R"({"custom":"teapot"})")) << miss.body;
}

TEST_F(Modes, EditingTheModeFileSwitchesARunningProxy) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");
  const auto live = proxy.Get("/api/items");
  EXPECT_EQ(live.status, 200) << Describe(live);

  // As an operator would: `echo MOCK > data/mode.txt`.
  WriteFile(data_dir() / "mode.txt", "MOCK\n");
  EXPECT_TRUE(PollUntil([&] { return proxy.Mode() == "MOCK"; }, 5s))
      << "mode file change not picked up within 5 s; mode is '" << proxy.Mode() << "'";

  const auto mocked = proxy.Get("/api/never-recorded");
  EXPECT_EQ(mocked.status, 404) << Describe(mocked);
  EXPECT_EQ(mocked.Header("X-Ghost-Miss"), "true") << "MOCK never calls upstream";
}

TEST_F(Modes, TransitioningAnswers503AndIsNeverPersisted) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");

  const auto set = proxy.SetMode("transitioning");
  ASSERT_EQ(set.status, 200) << Describe(set);
  EXPECT_EQ(StringField(ParseJson(set.body), "mode"), "TRANSITIONING") << set.body;
  EXPECT_EQ(StringField(ParseJson(set.body), "previous"), "LEARN") << set.body;

  const auto blocked = proxy.Get("/api/items");
  EXPECT_EQ(blocked.status, 503) << Describe(blocked);
  EXPECT_EQ(blocked.Header("Retry-After"), "5") << Describe(blocked);
  EXPECT_EQ(blocked.Header("X-Ghost-Transitioning"), "true") << Describe(blocked);
  EXPECT_TRUE(ParseJson(blocked.body).is_object()) << blocked.body;
  EXPECT_EQ(proxy.Get("/health").status, 200) << "admin endpoints stay up";

  const auto on_disk = test_support::ReadFile(data_dir() / "mode.txt");
  EXPECT_EQ(ToLower(on_disk).find("transitioning"), std::string::npos)
      << "mode.txt holds '" << on_disk << "'";

  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  EXPECT_TRUE(PollUntil(
      [&] { return ToLower(test_support::ReadFile(data_dir() / "mode.txt")).find("mock") !=
                   std::string::npos; },
      5s))
      << "mode.txt holds '" << test_support::ReadFile(data_dir() / "mode.txt") << "'";
  EXPECT_EQ(proxy.Get("/api/items").Header("X-Ghost-Miss"), "true");
}

}  // namespace
}  // namespace gostly::integration
