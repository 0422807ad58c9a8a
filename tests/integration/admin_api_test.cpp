// The admin surface on the proxy port: auth, health, metrics, seeding mocks, start-up errors.
#include <algorithm>

#include "harness.hpp"

namespace gostly::integration {
namespace {

class AdminApi : public WorkDirTest {};

TEST_F(AdminApi, GhostEndpointsRequireTheApiKeyButHealthDoesNot) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"INITIAL_MODE", "mock"}, {"GHOST_API_KEY", "k1"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto anonymous = proxy.Get("/ghost/mocks");
  EXPECT_EQ(anonymous.status, 401) << Describe(anonymous);
  EXPECT_TRUE(ParseJson(anonymous.body).is_object()) << anonymous.body;
  const auto wrong = proxy.Get("/ghost/mocks", {{"X-API-Key", "k2"}});
  EXPECT_EQ(wrong.status, 401) << Describe(wrong);
  const auto right = proxy.Get("/ghost/mocks", {{"X-API-Key", "k1"}});
  EXPECT_EQ(right.status, 200) << Describe(right);

  const auto switched = proxy.SetMode("learn");
  EXPECT_EQ(switched.status, 401) << Describe(switched);
  EXPECT_EQ(proxy.Mode({{"X-API-Key", "k1"}}), "MOCK") << "a refused call changes nothing";

  EXPECT_EQ(proxy.Get("/health").status, 200);
  EXPECT_EQ(proxy.Get("/readyz").status, 200);
}

TEST_F(AdminApi, HealthReadyzAndCaCrtAnswerAsDocumented) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto health = proxy.Get("/health");
  EXPECT_EQ(health.status, 200) << Describe(health);
  EXPECT_EQ(StringField(ParseJson(health.body), "status"), "ok") << health.body;
  const auto ready = proxy.Get("/readyz");
  EXPECT_EQ(ready.status, 200) << Describe(ready);
  EXPECT_EQ(StringField(ParseJson(ready.body), "status"), "ready") << ready.body;
  EXPECT_EQ(StringField(ParseJson(ready.body), "mode"), "MOCK") << ready.body;
  const auto ca = proxy.Get("/ca.crt");
  EXPECT_EQ(ca.status, 404) << "TLS interception is off by default: " << Describe(ca);
}

// The value of the first sample line of `name` whose labels contain `label`; nullopt if none.
std::optional<double> Sample(const std::string& metrics, std::string_view name,
                             std::string_view label = {}) {
  std::size_t pos = 0;
  while (pos < metrics.size()) {
    const auto end = std::min(metrics.find('\n', pos), metrics.size());
    const std::string_view line(metrics.data() + pos, end - pos);
    pos = end + 1;
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, name.size()) != name) continue;
    const auto rest = line.substr(name.size());
    if (rest.empty() || (rest.front() != '{' && rest.front() != ' ')) continue;  // a longer name
    const auto close = rest.find('}');
    const auto labels = rest.front() == '{' ? rest.substr(0, close + 1) : std::string_view{};
    if (!label.empty() && labels.find(label) == std::string_view::npos) continue;
    const auto space = line.rfind(' ');
    try {
      return std::stod(std::string(line.substr(space + 1)));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

TEST_F(AdminApi, MetricsExposeEveryMatchTypeAndTheLibrary) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Get("/api/items").status, 200);
  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  ASSERT_EQ(proxy.Get("/never-recorded").Header("X-Ghost-Miss"), "true");

  const auto metrics = proxy.Get("/metrics");
  ASSERT_EQ(metrics.status, 200) << Describe(metrics);
  EXPECT_NE(metrics.Header("Content-Type").find("text/plain"), std::string::npos)
      << Describe(metrics);
  for (const char* type : {"session_verbatim", "exact", "resource_store", "smart_swap",
                           "generated_cached", "miss", "learn", "passthrough", "transitioning",
                           "chaos"}) {
    const std::string label = std::string("match_type=\"") + type + "\"";
    EXPECT_TRUE(Sample(metrics.body, "ghost_requests_total", label).has_value())
        << "no ghost_requests_total{" << label << "} sample";
  }
  EXPECT_GE(Sample(metrics.body, "ghost_requests_total", "match_type=\"learn\"").value_or(0), 1);
  EXPECT_GE(Sample(metrics.body, "ghost_requests_total", "match_type=\"miss\"").value_or(0), 1);
  EXPECT_TRUE(Sample(metrics.body, "ghost_mock_library_size").has_value()) << metrics.body;
  EXPECT_TRUE(Sample(metrics.body, "ghost_io_errors_total").has_value()) << metrics.body;
}

TEST_F(AdminApi, PostedMockIsServedAtOnceAndWrittenToTheLibrary) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Get("/seeded/widget").Header("X-Ghost-Miss"), "true");

  const auto added = proxy.Send(
      "POST", "/ghost/mocks",
      R"({"method":"GET","uri":"/seeded/widget","status":200,)"
      R"("response_headers":{"content-type":"application/json"},)"
      R"("response_body":{"seeded":true,"name":"widget"},"response_body_encoding":"json"})");
  ASSERT_EQ(added.status, 201) << Describe(added);
  EXPECT_EQ(ParseJson(added.body), ParseJson(R"({"added":1})")) << added.body;

  const auto served = proxy.Get("/seeded/widget");
  EXPECT_EQ(served.status, 200) << Describe(served);
  EXPECT_EQ(served.Header("X-Ghost-Mock"), "true") << Describe(served);
  EXPECT_EQ(ParseJson(served.body), ParseJson(R"({"seeded":true,"name":"widget"})"))
      << served.body;

  const auto batch = proxy.Send(
      "POST", "/ghost/mocks",
      R"([{"method":"GET","uri":"/seeded/text","status":200,"response_body":"plain words",)"
      R"("response_body_encoding":"text"},)"
      R"({"service":"other","method":"DELETE","uri":"/seeded/gone","status":204}])");
  ASSERT_EQ(batch.status, 201) << Describe(batch);
  EXPECT_EQ(ParseJson(batch.body), ParseJson(R"({"added":2})")) << batch.body;
  const auto text = proxy.Get("/seeded/text");
  EXPECT_EQ(text.status, 200) << Describe(text);
  EXPECT_EQ(text.body, "plain words");

  const fs::path library = data_dir() / "mocks" / "default.jsonl";
  EXPECT_TRUE(PollUntil([&] { return HasRecord(ReadJsonLines(library), "GET", "/seeded/widget"); },
                        5s))
      << library.string() << ": " << test_support::ReadFile(library);
  EXPECT_TRUE(PollUntil(
      [&] { return HasRecord(ReadJsonLines(data_dir() / "mocks" / "other.jsonl"), "DELETE",
                             "/seeded/gone"); },
      5s))
      << "a record's service names its library file";

  const auto listed = proxy.Get("/ghost/mocks?service=default");
  ASSERT_EQ(listed.status, 200) << Describe(listed);
  const auto page = ParseJson(listed.body);
  ASSERT_TRUE(page.is_object() && page.as_object().contains("items")) << listed.body;
  EXPECT_GE(page.at("total").to_number<std::int64_t>(), 2) << listed.body;
  EXPECT_NE(listed.body.find("/seeded/widget"), std::string::npos) << listed.body;

  // Seeded mocks survive a restart.
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  ASSERT_PROXY_STARTS(proxy);
  EXPECT_EQ(proxy.Get("/seeded/widget").Header("X-Ghost-Mock"), "true");
}

TEST_F(AdminApi, DeletedMockStopsMatchingAndStaysDeletedAfterRestart) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Send("POST", "/ghost/mocks",
                       R"([{"method":"GET","uri":"/doomed?a=1&b=2","status":200,"response_body":"x"},)"
                       R"({"method":"GET","uri":"/kept","status":200,"response_body":"y"}])")
                .status,
            201);
  ASSERT_EQ(proxy.Get("/doomed?a=1&b=2").Header("X-Ghost-Mock"), "true");

  const auto removed = proxy.Send("DELETE", "/ghost/mocks", R"({"method":"get","uri":"/doomed?b=2&a=1"})");
  ASSERT_EQ(removed.status, 200) << Describe(removed);
  EXPECT_EQ(ParseJson(removed.body), ParseJson(R"({"deleted":1})")) << removed.body;
  EXPECT_EQ(proxy.Get("/doomed?a=1&b=2").Header("X-Ghost-Miss"), "true")
      << "the key is gone at once, whatever the query order";
  EXPECT_EQ(proxy.Get("/kept").Header("X-Ghost-Mock"), "true") << "other keys are untouched";

  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  ASSERT_PROXY_STARTS(proxy);
  EXPECT_EQ(proxy.Get("/doomed?a=1&b=2").Header("X-Ghost-Miss"), "true");
  EXPECT_EQ(proxy.Get("/kept").Header("X-Ghost-Mock"), "true");

  const auto bad = proxy.Send("DELETE", "/ghost/mocks", R"({"method":"GET"})");
  EXPECT_EQ(bad.status, 422) << "a deletion must name the uri: " << Describe(bad);
}

TEST_F(AdminApi, StartupFailsWithNonZeroExitOnBadFlagOrTakenPort) {
  UpstreamProcess occupant(work_.path());
  ASSERT_TRUE(occupant.ok()) << occupant.why();
  auto run = [&](std::vector<std::string> args) {
    test_support::SpawnOptions spawn;
    spawn.program = GOSTLY_BINARY;
    spawn.args = std::move(args);
    spawn.env = {{"DATA_DIR", data_dir().string()}, {"INITIAL_MODE", "mock"}};
    spawn.output_file = work_ / "startup-failure.log";
    auto child = ChildProcess::Spawn(spawn);
    const auto status = child.WaitForExit(10s);
    return std::make_pair(status, child.Output());
  };
  {
    const auto [status, output] = run({"proxy", "--port", std::to_string(occupant.port())});
    ASSERT_TRUE(status.has_value()) << "still running on a taken port";
    EXPECT_NE(*status, 0) << output;
    EXPECT_FALSE(output.empty()) << "a one-line reason";
  }
  {
    const auto [status, output] = run({"proxy", "--port", "0", "--no-such-flag"});
    ASSERT_TRUE(status.has_value()) << "still running with an unknown flag";
    EXPECT_NE(*status, 0) << output;
  }
}

}  // namespace
}  // namespace gostly::integration
