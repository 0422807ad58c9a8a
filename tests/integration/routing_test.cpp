// The route table (POST /ghost/upstreams): path-prefix routes to several upstreams, per-route
// modes, persistence, and per-route repeat policies.
#include "harness.hpp"

namespace gostly::integration {
namespace {

json::object Route(std::string service, std::string prefix, std::string upstream) {
  return json::object{{"service", std::move(service)},
                      {"path_prefix", std::move(prefix)},
                      {"upstream", std::move(upstream)},
                      {"strip_prefix", true}};
}

HttpResponse PostRoutes(const ProxyProcess& proxy, json::array routes) {
  return proxy.Send("POST", "/ghost/upstreams",
                    json::serialize(json::object{{"routes", std::move(routes)}}));
}

class Routing : public WorkDirTest {};

TEST_F(Routing, PathPrefixRoutesReachTheirUpstreamAndPersist) {
  UpstreamProcess a(work_.path(), {.name = "A"});
  UpstreamProcess b(work_.path(), {.name = "B"});
  ASSERT_TRUE(a.ok()) << a.why();
  ASSERT_TRUE(b.ok()) << b.why();
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"BACKEND_URL", a.url()}, {"INITIAL_MODE", "learn"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto posted = PostRoutes(proxy, {Route("a", "/a", a.url()), Route("b", "/b", b.url())});
  ASSERT_EQ(posted.status, 200) << Describe(posted);

  const auto via_a = proxy.Get("/a/echo?from=a");
  ASSERT_EQ(via_a.status, 200) << Describe(via_a);
  EXPECT_EQ(StringField(ParseJson(via_a.body), "server"), "A") << via_a.body;
  EXPECT_EQ(StringField(ParseJson(via_a.body), "target"), "/echo?from=a")
      << "strip_prefix removes /a: " << via_a.body;
  const auto via_b = proxy.Get("/b/echo");
  ASSERT_EQ(via_b.status, 200) << Describe(via_b);
  EXPECT_EQ(StringField(ParseJson(via_b.body), "server"), "B") << via_b.body;
  EXPECT_EQ(StringField(ParseJson(via_b.body), "target"), "/echo") << via_b.body;
  const auto b_items = proxy.Get("/b/api/items");
  ASSERT_EQ(b_items.status, 200) << Describe(b_items);

  // Records are filed per service.
  ASSERT_TRUE(PollUntil([&] { return !ReadJsonLines(data_dir() / "traffic" / "a.jsonl").empty(); },
                        5s))
      << "no traffic/a.jsonl";
  const auto a_records = ReadJsonLines(data_dir() / "traffic" / "a.jsonl");
  EXPECT_TRUE(HasRecord(a_records, "GET", "/echo?from=a") ||
              HasRecord(a_records, "GET", "/a/echo?from=a"))
      << test_support::ReadFile(data_dir() / "traffic" / "a.jsonl");
  EXPECT_EQ(StringField(a_records.front(), "service"), "a");
  EXPECT_TRUE(PollUntil([&] { return !ReadJsonLines(data_dir() / "traffic" / "b.jsonl").empty(); },
                        5s))
      << "no traffic/b.jsonl";
  for (const auto& record : ReadJsonLines(data_dir() / "traffic" / "default.jsonl")) {
    EXPECT_EQ(StringField(record, "uri").find("echo"), std::string::npos)
        << "a routed request was filed under default: " << json::serialize(record);
  }

  // Service b goes offline: its route switches to MOCK while the global mode stays LEARN.
  auto b_mock = Route("b", "/b", b.url());
  b_mock["mode"] = "MOCK";
  ASSERT_EQ(PostRoutes(proxy, {Route("a", "/a", a.url()), b_mock}).status, 200);
  b.Stop();
  EXPECT_EQ(proxy.Mode(), "LEARN");
  const auto b_replay = proxy.Get("/b/api/items");
  EXPECT_EQ(b_replay.status, 200) << Describe(b_replay);
  EXPECT_TRUE(b_replay.HasHeader("X-Ghost-Mock")) << Describe(b_replay);
  EXPECT_EQ(b_replay.body, b_items.body);
  const auto b_miss = proxy.Get("/b/never-recorded");
  EXPECT_EQ(b_miss.Header("X-Ghost-Miss"), "true") << Describe(b_miss);
  const auto a_live = proxy.Send("POST", "/a/api/items", R"({"name":"live"})");
  EXPECT_EQ(a_live.status, 201) << "service a is still LEARN: " << Describe(a_live);
  EXPECT_FALSE(a_live.HasHeader("X-Ghost-Mock"));

  const auto listed = proxy.Get("/ghost/upstreams");
  EXPECT_EQ(listed.status, 200) << Describe(listed);
  EXPECT_NE(listed.body.find(a.url()), std::string::npos) << listed.body;
  EXPECT_NE(listed.body.find("\"/b\""), std::string::npos) << listed.body;

  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  const auto persisted = ParseJson(test_support::ReadFile(data_dir() / "routes.json"));
  ASSERT_FALSE(persisted.is_null()) << "routes.json missing or not JSON";
  const auto text = json::serialize(persisted);
  EXPECT_NE(text.find("\"/a\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"/b\""), std::string::npos) << text;

  ASSERT_PROXY_STARTS(proxy);
  const auto after = proxy.Get("/a/echo?after=restart");
  EXPECT_EQ(StringField(ParseJson(after.body), "server"), "A") << Describe(after);
  EXPECT_EQ(StringField(ParseJson(after.body), "target"), "/echo?after=restart") << after.body;
  const auto b_after = proxy.Get("/b/api/items");
  EXPECT_EQ(b_after.status, 200) << Describe(b_after);
  EXPECT_EQ(b_after.Header("X-Ghost-Mock"), "true") << Describe(b_after);
  EXPECT_EQ(b_after.body, b_items.body);
}

// n values of /counter through the proxy.
std::vector<std::int64_t> Counters(const ProxyProcess& proxy, std::string_view path, int times) {
  std::vector<std::int64_t> values;
  for (int i = 0; i < times; ++i) {
    const auto response = proxy.Get(path);
    const auto body = ParseJson(response.body);
    if (response.status != 200 || !body.is_object() || !body.as_object().contains("n")) {
      ADD_FAILURE() << path << ": " << Describe(response);
      values.push_back(-1);
      continue;
    }
    values.push_back(body.at("n").to_number<std::int64_t>());
  }
  return values;
}

using Values = std::vector<std::int64_t>;

class RepeatPolicy : public Routing {};

// Only the disk library answers after a restart (session-verbatim is RAM-only).
TEST_F(RepeatPolicy, SequenceIsTheDefaultThenSticksOnTheLast) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(Counters(proxy, "/counter", 3), (Values{1, 2, 3}));
  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  upstream.Stop();

  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "MOCK");
  EXPECT_EQ(Counters(proxy, "/counter", 4), (Values{1, 2, 3, 3}));
}

TEST_F(RepeatPolicy, RoutePoliciesCycleFirstAndLast) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  json::array routes;
  for (const std::string policy : {"cycle", "first", "last"}) {
    auto route = Route(policy, "/" + policy, upstream.url());
    route["repeat_policy"] = policy;
    routes.push_back(std::move(route));
  }
  const auto posted = PostRoutes(proxy, routes);
  ASSERT_EQ(posted.status, 200) << Describe(posted);
  // One upstream counter: each service records the next three values.
  ASSERT_EQ(Counters(proxy, "/cycle/counter", 3), (Values{1, 2, 3}));
  ASSERT_EQ(Counters(proxy, "/first/counter", 3), (Values{4, 5, 6}));
  ASSERT_EQ(Counters(proxy, "/last/counter", 3), (Values{7, 8, 9}));
  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  upstream.Stop();

  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "MOCK");
  EXPECT_EQ(Counters(proxy, "/cycle/counter", 4), (Values{1, 2, 3, 1}));
  EXPECT_EQ(Counters(proxy, "/first/counter", 4), (Values{4, 4, 4, 4}));
  EXPECT_EQ(Counters(proxy, "/last/counter", 4), (Values{9, 9, 9, 9}));
}

}  // namespace
}  // namespace gostly::integration
