// Chaos through the proxy: seeded error statistics within bounds, latency marked, each
// connection fault observed by a real client, PASSTHROUGH wrapped too, LEARN never.
#include "harness.hpp"

namespace gostly::integration {
namespace {

const HeaderList kJson = {{"Content-Type", "application/json"}};

class Chaos : public WorkDirTest {
 protected:
  void SetUp() override {
    WriteFile(work_ / "seeded.jsonl",
              R"({"timestamp":"2024-01-01T00:00:00.000Z","service":"default","method":"GET","uri":"/v1/items/1","request_headers":{},"request_body":"","status":200,"response_headers":{"Content-Type":"application/json"},"response_body":{"id":1,"name":"widget"},"latency_ms":3})"
              "\n");
    fs::create_directories(data_dir() / "mocks");
    fs::copy_file(work_ / "seeded.jsonl", data_dir() / "mocks" / "default.jsonl");
  }
  HttpResponse Put(const ProxyProcess& proxy, std::string_view config) {
    return proxy.Send("PUT", "/ghost/chaos", config, kJson);
  }
};

TEST_F(Chaos, SeededErrorRateAndWeightsStayWithinBounds) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(Put(proxy, R"({"seed": 42, "rules": [{"match": "GET /v1/items/*",
      "errors": {"rate": 0.3, "statuses": [{"status": 503, "weight": 2},
                                           {"status": 429, "weight": 1, "body": {"e": "slow"}}]}}]})")
                .status,
            200);
  int ok = 0, unavailable = 0, limited = 0;
  constexpr int kRequests = 400;
  for (int i = 0; i < kRequests; ++i) {
    const auto r = proxy.Get("/v1/items/1");
    if (r.status == 200) {
      ++ok;
      EXPECT_EQ(r.Header("X-Ghost-Mock"), "true");
    } else {
      EXPECT_EQ(r.Header("X-Ghost-Chaos"), "true") << Describe(r);
      if (r.status == 503) ++unavailable;
      if (r.status == 429) {
        ++limited;
        EXPECT_EQ(r.body, R"({"e":"slow"})");
      }
    }
  }
  EXPECT_EQ(ok + unavailable + limited, kRequests);
  // Binomial(400, 0.3): mean 120, sd 9.2; ±5 sd. Weighted 2:1 among the errors.
  EXPECT_NEAR(unavailable + limited, 120, 46);
  EXPECT_GT(unavailable, limited);
  const auto metrics = proxy.Get("/metrics").body;
  EXPECT_NE(metrics.find("ghost_requests_total{match_type=\"chaos\"} " +
                         std::to_string(unavailable + limited)),
            std::string::npos)
      << metrics;
  // Other routes are untouched; removing the rules ends it.
  EXPECT_FALSE(proxy.Get("/v1/other").HasHeader("X-Ghost-Chaos"));
  ASSERT_EQ(proxy.Send("DELETE", "/ghost/chaos").status, 200);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(proxy.Get("/v1/items/1").status, 200);
}

TEST_F(Chaos, LatencyIsMarkedAndDribbledAnswersArriveWhole) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(Put(proxy, R"({"rules": [{"match": "/v1/items/*",
      "latency": {"distribution": "fixed", "ms": 50}, "faults": {"dribble": 1}}]})")
                .status,
            200);
  const auto r = proxy.Get("/v1/items/1");
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.Header("X-Ghost-Chaos"), "true");
  EXPECT_EQ(ParseJson(r.body), ParseJson(R"({"id":1,"name":"widget"})"));
  const auto metrics = proxy.Get("/metrics").body;
  EXPECT_NE(metrics.find("gostly_chaos_total{effect=\"latency\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("gostly_chaos_total{effect=\"dribble\"} 1"), std::string::npos);
}

TEST_F(Chaos, EachConnectionFaultIsSeenByARealClient) {
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  const std::string request = "GET /v1/items/1 HTTP/1.1\r\nHost: h\r\n\r\n";
  for (const char* fault : {"reset", "empty", "malformed"}) {
    SCOPED_TRACE(fault);
    ASSERT_EQ(Put(proxy, std::string(R"({"rules": [{"faults": {")") + fault + R"(": 1}}]})").status,
              200);
    const auto seen = test_support::RawExchange(proxy.port(), request, 3s);
    EXPECT_TRUE(seen.peer_closed) << "the proxy ended the connection";
    if (std::string_view(fault) == "reset") {
      EXPECT_TRUE(seen.reset) << seen.received << " " << seen.error;
    } else if (std::string_view(fault) == "empty") {
      EXPECT_EQ(seen.received, "");
    } else {
      EXPECT_FALSE(seen.received.empty());
      EXPECT_EQ(RawStatus(seen.received), 0) << "not a parseable status: " << seen.received;
    }
  }
  ASSERT_EQ(proxy.Send("DELETE", "/ghost/chaos?service=default").status, 200);
  EXPECT_EQ(RawStatus(test_support::RawExchange(proxy.port(), request, 3s).received), 200);
}

TEST_F(Chaos, PassthroughIsWrappedAndLearnNever) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"BACKEND_URL", upstream.url()},
                                            {"INITIAL_MODE", "passthrough"}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(Put(proxy, R"({"rules": [{"match": "GET /echo", "errors": {"rate": 1}}]})").status, 200);
  const auto wrapped = proxy.Get("/echo");
  EXPECT_EQ(wrapped.status, 503);
  EXPECT_EQ(wrapped.Header("X-Ghost-Chaos"), "true");
  ASSERT_EQ(proxy.SetMode("learn").status, 200);
  const auto learned = proxy.Get("/echo");
  EXPECT_EQ(learned.status, 200) << "LEARN records the real upstream: " << Describe(learned);
  EXPECT_FALSE(learned.HasHeader("X-Ghost-Chaos"));
  const auto bad = Put(proxy, R"({"rules": [{"errors": {"rate": 7}}]})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("rules[0].errors.rate"), std::string::npos) << bad.body;
}

// A route entry's chaos and statecharts (POST /ghost/upstreams) are applied to its service,
// persisted with the route table and in force again after a restart; a route without the keys
// leaves them alone, an empty config clears them.
TEST_F(Chaos, ARouteEntrysChaosAndStatechartsSurviveAProxyRestart) {
  WriteFile(
      data_dir() / "mocks" / "pay.jsonl",
      R"({"timestamp":"2024-01-01T00:00:00.000Z","service":"pay","method":"GET","uri":"/v1/ping","request_headers":{},"request_body":"","status":200,"response_headers":{"Content-Type":"application/json"},"response_body":{"pong":true},"latency_ms":1})"
      "\n");
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(), .env = {{"INITIAL_MODE", "mock"}}});
  ASSERT_PROXY_STARTS(proxy);
  const std::string route = R"({"service":"pay","path_prefix":"/pay","mode":"mock")";
  const std::string chaos = R"("chaos":{"rules":[{"match":"GET /v1/ping",
      "errors":{"rate":1,"statuses":[{"status":503,"body":{"error":"pay is down"}}]}}]})";
  const std::string charts = R"("statecharts":[{"name":"charge","initial":"pending",
      "transitions":{"pending":{"authorize":"authorized"}}}])";
  auto post = [&](const std::string& entry) {
    return proxy.Send("POST", "/ghost/upstreams", "{\"routes\":[" + entry + "]}", kJson);
  };
  auto first_chart = [&](const ProxyProcess& p) {
    const json::value listed = ParseJson(p.Get("/ghost/statecharts?service=pay").body);
    return StringField(listed.at("statecharts").at(0), "name") + ":" +
           StringField(listed.at("statecharts").at(0), "initial");
  };
  const auto posted = post(route + "," + chaos + "," + charts + "}");
  ASSERT_EQ(posted.status, 200) << Describe(posted) << posted.body;
  const auto down = proxy.Get("/pay/v1/ping");
  EXPECT_EQ(down.status, 503) << Describe(down);
  EXPECT_EQ(down.Header("X-Ghost-Chaos"), "true");
  EXPECT_EQ(ParseJson(down.body), ParseJson(R"({"error":"pay is down"})"));
  EXPECT_EQ(proxy.Get("/v1/items/1").status, 200) << "the default service has no chaos";
  EXPECT_EQ(first_chart(proxy), "charge:pending");

  EXPECT_EQ(proxy.Stop(), 0);
  ASSERT_PROXY_STARTS(proxy);
  const auto again = proxy.Get("/pay/v1/ping");
  EXPECT_EQ(again.status, 503) << "restored from routes.json: " << Describe(again);
  EXPECT_EQ(again.Header("X-Ghost-Chaos"), "true");
  EXPECT_EQ(first_chart(proxy), "charge:pending");
  EXPECT_NE(proxy.Get("/ghost/chaos").body.find("\"pay\""), std::string::npos);

  // Without the keys the route leaves them alone; empty ones clear them.
  ASSERT_EQ(post(route + "}").status, 200);
  EXPECT_EQ(proxy.Get("/pay/v1/ping").status, 503);
  ASSERT_EQ(post(route + R"(,"chaos":{"rules":[]},"statecharts":[]})").status, 200);
  const auto up = proxy.Get("/pay/v1/ping");
  EXPECT_EQ(up.status, 200) << Describe(up);
  EXPECT_FALSE(up.HasHeader("X-Ghost-Chaos"));
  EXPECT_EQ(first_chart(proxy), "charge:created") << "back to the bundled machine";

  const auto bad = post(route + R"(,"chaos":{"rules":[{"errors":{"rate":2}}]}})");
  EXPECT_EQ(bad.status, 422) << Describe(bad);
  EXPECT_NE(bad.body.find("routes[0].chaos.rules[0].errors.rate"), std::string::npos) << bad.body;
  const auto bad_chart = post(route + R"(,"statecharts":[{"name":"x","initial":"a"}]})");
  EXPECT_EQ(bad_chart.status, 422) << Describe(bad_chart);
  EXPECT_NE(bad_chart.body.find("routes[0].statecharts[0].transitions"), std::string::npos)
      << bad_chart.body;
}

// Learned latency: `recorded` waits what LEARN measured for each hit, `distribution` draws
// from the route's fitted log-normal (a swap hit too); both counted, both capped.
TEST_F(Chaos, LearnedLatencyIsReplayedAndCounted) {
  {
    ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                      .env = {{"INITIAL_MODE", "mock"}, {"MOCK_LATENCY", "recorded"}}});
    ASSERT_PROXY_STARTS(proxy);
    for (int i = 0; i < 2; ++i) EXPECT_EQ(proxy.Get("/v1/items/1").status, 200);
    const auto metrics = proxy.Get("/metrics").body;
    EXPECT_NE(metrics.find("gostly_mock_latency_total 2"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("gostly_mock_latency_ms_total 6"), std::string::npos) << "3 ms each";
  }
  AppendFile(data_dir() / "mocks" / "default.jsonl",
             R"({"timestamp":"2024-01-01T00:00:00.000Z","service":"default","method":"GET","uri":"/v1/items/2","request_headers":{},"request_body":"","status":200,"response_headers":{},"response_body":"two","latency_ms":30})"
             "\n");
  ProxyProcess fitted(work_.path(), {.data_dir = data_dir(),
                                     .env = {{"INITIAL_MODE", "mock"},
                                             {"MOCK_LATENCY", "distribution"},
                                             {"MOCK_LATENCY_CAP_MS", "25"}}});
  ASSERT_PROXY_STARTS(fitted);
  for (int i = 0; i < 5; ++i) {
    const auto swapped = fitted.Get("/v1/items/" + std::to_string(100 + i));
    EXPECT_EQ(swapped.Header("X-Ghost-SwapMatch"), "true") << Describe(swapped);
  }
  const auto metrics = fitted.Get("/metrics").body;
  EXPECT_NE(metrics.find("gostly_mock_latency_total 5"), std::string::npos) << metrics;
  const std::string sample = "\ngostly_mock_latency_ms_total ";
  const auto at = metrics.find(sample);
  ASSERT_NE(at, std::string::npos) << metrics;
  const int total = std::stoi(metrics.substr(at + sample.size()));
  EXPECT_GT(total, 5) << "draws around 3-30 ms";
  EXPECT_LE(total, 5 * 25) << "capped";
  const auto bad = test_support::RunCommand(GOSTLY_BINARY, {"proxy", "--mock-latency", "sometimes"},
                                            work_.path(), 10s);
  EXPECT_NE(bad.exit_status, 0);
}

}  // namespace
}  // namespace gostly::integration
