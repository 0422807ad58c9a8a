// Stateful mocks end to end (DESIGN §12): LEARN records resources from a real REST server;
// with that server stopped, MOCK runs the same create → read → action → read flow for new
// ids, refuses illegal transitions, deletes, and drives every bundled statechart.
#include <map>
#include <set>

#include "harness.hpp"

namespace gostly::integration {
namespace {

const HeaderList kJson = {{"Content-Type", "application/json"}};

class StatefulMocks : public WorkDirTest {};

TEST_F(StatefulMocks, LearnedFlowWorksOfflineForNewIds) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"BACKEND_URL", upstream.url()},
                                            {"INITIAL_MODE", "learn"}}});
  ASSERT_PROXY_STARTS(proxy);

  // LEARN: create → read → action → read against the real server.
  const auto created = proxy.Send("POST", "/api/customers",
                                  R"({"name":"Ada","email":"ada@example.com"})", kJson);
  ASSERT_EQ(created.status, 201) << Describe(created);
  const std::string recorded_id = StringField(ParseJson(created.body), "id");
  ASSERT_EQ(recorded_id.rfind("cus_", 0), 0u) << created.body;
  EXPECT_EQ(proxy.Get("/api/customers/" + recorded_id).status, 200);
  const auto suspended = proxy.Send("POST", "/api/customers/" + recorded_id + "/suspend");
  ASSERT_EQ(suspended.status, 200) << Describe(suspended);
  EXPECT_EQ(StringField(ParseJson(proxy.Get("/api/customers/" + recorded_id).body), "status"),
            "suspended");
  const auto resources = ReadJsonLines(data_dir() / "resources" / "default.jsonl");
  ASSERT_EQ(resources.size(), 2u) << "the create and the action";
  EXPECT_EQ(StringField(resources[0], "collection"), "/api/customers");
  EXPECT_EQ(StringField(resources[0], "id"), recorded_id);

  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  upstream.Stop();

  // MOCK, upstream gone: the same flow with a new id.
  const auto made = proxy.Send("POST", "/api/customers", R"({"name":"Grace"})", kJson);
  ASSERT_EQ(made.status, 201) << Describe(made);
  EXPECT_EQ(made.Header("X-Ghost-Resource"), "true");
  const json::value customer = ParseJson(made.body);
  const std::string id = StringField(customer, "id");
  EXPECT_NE(id, recorded_id);
  EXPECT_EQ(id.size(), recorded_id.size()) << id;
  EXPECT_EQ(id.rfind("cus_", 0), 0u) << id;
  EXPECT_EQ(StringField(customer, "name"), "Grace");
  EXPECT_EQ(StringField(customer, "email"), "ada@example.com") << "the recorded shape";
  EXPECT_EQ(StringField(customer, "status"), "active") << "the customer machine's start";

  const auto read = proxy.Get("/api/customers/" + id);
  ASSERT_EQ(read.status, 200) << Describe(read);
  EXPECT_EQ(ParseJson(read.body), customer);

  const auto action = proxy.Send("POST", "/api/customers/" + id + "/suspend");
  ASSERT_EQ(action.status, 200) << Describe(action);
  EXPECT_EQ(action.Header("X-Ghost-Transition"), "suspended");
  EXPECT_EQ(StringField(ParseJson(proxy.Get("/api/customers/" + id).body), "status"),
            "suspended");

  const auto illegal = proxy.Send("POST", "/api/customers/" + id + "/suspend");
  EXPECT_EQ(illegal.status, 409) << Describe(illegal);
  EXPECT_EQ(ParseJson(illegal.body).at("legal_actions"), (json::array{"delete", "reactivate"}));

  const auto patched =
      proxy.Send("PATCH", "/api/customers/" + id, R"({"action":"reactivate"})", kJson);
  EXPECT_EQ(patched.Header("X-Ghost-Transition"), "active") << Describe(patched);

  const auto deleted = proxy.Send("DELETE", "/api/customers/" + id);
  EXPECT_EQ(deleted.status, 200) << Describe(deleted);
  const auto gone = proxy.Get("/api/customers/" + id);
  EXPECT_EQ(gone.status, 404) << Describe(gone);
  EXPECT_EQ(gone.Header("X-Ghost-Resource"), "true");

  const auto metrics = proxy.Get("/metrics").body;
  EXPECT_NE(metrics.find("gostly_resource_store_total{op=\"create\"} 1"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gostly_resource_store_total{op=\"recorded\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("ghost_requests_total{match_type=\"resource_store\"}"),
            std::string::npos);

  // What MOCK changed lives in memory; what LEARN recorded is reloaded at start.
  EXPECT_EQ(proxy.Stop(), 0);
  ProxyProcess again(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(again);
  const auto status = ParseJson(again.Get("/ghost/resources").body);
  EXPECT_EQ(status.at("recorded"), 1) << status;
  EXPECT_EQ(status.at("changed"), 0) << status;
  const auto reactivated = again.Send("POST", "/api/customers/" + recorded_id + "/reactivate");
  EXPECT_EQ(reactivated.status, 200) << "the recorded customer is suspended: " << Describe(reactivated);
  EXPECT_EQ(reactivated.Header("X-Ghost-Transition"), "active");
  EXPECT_EQ(ParseJson(again.Get("/ghost/resources").body).at("changed"), 1);
  ASSERT_EQ(again.Send("DELETE", "/ghost/resources").status, 200);
  EXPECT_EQ(ParseJson(again.Get("/ghost/resources").body).at("changed"), 0);
}

// Every machine GET /ghost/statecharts reports is driven through the proxy: from a freshly
// created resource, each state is reached by legal actions, every legal action from it
// succeeds and every other action is refused with 409.
TEST_F(StatefulMocks, EveryBundledStatechartThroughTheProxy) {
  std::string lines;
  for (const char* collection : {"charges", "customers", "invoices", "orders", "subscriptions"}) {
    lines += std::string(R"({"service":"default","collection":"/v1/)") + collection +
             R"(","id":"x_0000000000","create_status":201,"resource":{"id":"x_0000000000","status":"recorded"}})" +
             "\n";
  }
  fs::create_directories(data_dir() / "resources");
  WriteFile(data_dir() / "resources" / "default.jsonl", lines);
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);

  const json::value charts = ParseJson(proxy.Get("/ghost/statecharts").body);
  ASSERT_EQ(charts.at("statecharts").as_array().size(), 5u) << charts;
  std::size_t checked = 0;
  for (const auto& chart : charts.at("statecharts").as_array()) {
    const std::string name = StringField(chart, "name");
    SCOPED_TRACE(name);
    const std::string collection = "/v1/" + name + "s";
    const auto& edges = chart.at("transitions").as_object();
    std::set<std::string> actions;
    for (const auto& [from, out] : edges) {
      for (const auto& [action, to] : out.as_object()) actions.insert(std::string(action));
    }
    // Shortest action path from the initial state to every state.
    std::map<std::string, std::vector<std::string>> path{{StringField(chart, "initial"), {}}};
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [from, out] : edges) {
        if (!path.contains(std::string(from))) continue;
        for (const auto& [action, to] : out.as_object()) {
          const std::string next(to.as_string());
          if (path.contains(next)) continue;
          path[next] = path[std::string(from)];
          path[next].push_back(std::string(action));
          grew = true;
        }
      }
    }
    for (const auto& [from, out] : edges) {
      for (const auto& action : actions) {
        const auto made = proxy.Send("POST", collection, "{}", kJson);
        ASSERT_EQ(made.status, 201) << Describe(made);
        const std::string item = collection + "/" + StringField(ParseJson(made.body), "id");
        for (const auto& step : path.at(std::string(from))) {
          ASSERT_EQ(proxy.Send("POST", item + "/" + step).status, 200) << step;
        }
        const auto* to = out.as_object().if_contains(action);
        const auto answer = proxy.Send("POST", item + "/" + action);
        if (to != nullptr) {
          EXPECT_EQ(answer.status, 200) << from << " --" << action << "--> " << Describe(answer);
          EXPECT_EQ(answer.Header("X-Ghost-Transition"), std::string(to->as_string()));
        } else {
          EXPECT_EQ(answer.status, 409) << from << " --" << action << "--> " << Describe(answer);
          EXPECT_EQ(StringField(ParseJson(answer.body), "state"), std::string(from));
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 50u);
}

TEST_F(StatefulMocks, ExplicitSequencesThroughTheAdminApi) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  const auto defined = proxy.Send("POST", "/ghost/sequences", R"({
      "method": "GET", "path": "/jobs/7",
      "responses": [{"status": 202, "body": {"state": "queued"}},
                    {"status": 202, "body": {"state": "running"}},
                    {"status": 200, "body": {"state": "done"}}]})", kJson);
  ASSERT_EQ(defined.status, 201) << Describe(defined);
  const std::string id = StringField(ParseJson(defined.body), "id");
  auto poll = [&](const ProxyProcess& p) {
    std::vector<std::string> seen;
    for (int i = 0; i < 4; ++i) {
      const auto r = p.Get("/jobs/7?attempt=" + std::to_string(i));
      seen.push_back(std::to_string(r.status) + " " + StringField(ParseJson(r.body), "state") +
                     " " + r.Header("X-Ghost-Sequence"));
    }
    return seen;
  };
  const std::vector<std::string> stick = {"202 queued " + id + " 1/3", "202 running " + id + " 2/3",
                                          "200 done " + id + " 3/3", "200 done " + id + " 3/3"};
  EXPECT_EQ(poll(proxy), stick);
  EXPECT_EQ(proxy.Get("/jobs/7").Header("Content-Type"), "application/json");

  ASSERT_EQ(proxy.Send("POST", "/ghost/sequences/" + id + "/reset").status, 200);
  EXPECT_EQ(poll(proxy), stick);
  EXPECT_NE(proxy.Get("/metrics").body.find("ghost_requests_total{match_type=\"sequence\"} 9"),
            std::string::npos);

  // Redefining the route replaces it (same id); loop mode starts over after the last.
  const auto looped = proxy.Send("POST", "/ghost/sequences", R"({
      "method": "GET", "path": "/jobs/7", "mode": "loop",
      "responses": [{"status": 202}, {"status": 200, "body": "ok"}]})", kJson);
  ASSERT_EQ(looped.status, 201) << Describe(looped);
  EXPECT_EQ(StringField(ParseJson(looped.body), "id"), id);
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) statuses.push_back(proxy.Get("/jobs/7").status);
  EXPECT_EQ(statuses, (std::vector<int>{202, 200, 202, 200, 202}));

  // Definitions survive a restart; positions start over.
  EXPECT_EQ(proxy.Stop(), 0);
  ASSERT_PROXY_STARTS(proxy);
  EXPECT_EQ(proxy.Get("/jobs/7").status, 202);
  const auto bad = proxy.Send("POST", "/ghost/sequences", R"({"method":"GET","path":"/x","responses":[]})",
                              kJson);
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("'responses'"), std::string::npos) << bad.body;
  ASSERT_EQ(proxy.Send("DELETE", "/ghost/sequences/" + id).status, 200);
  EXPECT_EQ(proxy.Send("DELETE", "/ghost/sequences/" + id).status, 404);
  const auto after = proxy.Get("/jobs/7");
  EXPECT_EQ(after.Header("X-Ghost-Miss"), "true") << "back to the cascade: " << Describe(after);
}

}  // namespace
}  // namespace gostly::integration
