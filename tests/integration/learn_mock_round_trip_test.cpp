// LEARN → MOCK round trip against a real REST upstream, and the redaction floor on disk.
#include <algorithm>

#include "harness.hpp"

namespace gostly::integration {
namespace {

struct Recorded {
  std::string method;
  std::string target;
  std::string body;
  HttpResponse response;
};

// A CRUD session through the proxy, every request carrying credentials. Returns what the
// upstream answered, in order. Each (method, target, body) appears once, so replay order
// does not matter to an exact or session-verbatim match.
std::vector<Recorded> RecordCrudSession(const ProxyProcess& proxy) {
  std::vector<Recorded> recorded;
  auto send = [&](std::string method, std::string target, std::string body,
                  int expected_status) -> const HttpResponse& {
    auto response = proxy.Send(method, target, body, kSecretHeaders);
    EXPECT_EQ(response.status, expected_status)
        << method << " " << target << " in LEARN: " << Describe(response);
    recorded.push_back({std::move(method), std::move(target), std::move(body),
                        std::move(response)});
    return recorded.back().response;
  };
  send("POST", "/api/items", R"({"name":"widget","color":"blue"})", 201);
  send("GET", "/api/items/1", "", 200);
  send("PATCH", "/api/items/1", R"({"color":"red"})", 200);
  send("GET", "/api/items", "", 200);
  const auto& created =
      send("POST", "/api/customers", R"({"name":"Ada Lovelace","email":"ada@example.com"})", 201);
  const std::string customer = StringField(ParseJson(created.body), "id");
  EXPECT_EQ(customer.rfind("cus_", 0), 0u) << created.body;
  send("GET", "/api/customers/" + customer, "", 200);
  send("PUT", "/api/customers/" + customer, R"({"name":"Ada King","email":"ada@example.com"})",
       200);
  send("GET", "/api/customers", "", 200);
  send("GET", "/set-cookie", "", 200);
  send("GET", "/api/nothing-here", "", 404);
  send("DELETE", "/api/items/1", "", 200);
  return recorded;
}

// POSTs to a collection are answered by the resource store with a fresh id: for them only
// the status and shape are compared.
bool RecreatesResource(const Recorded& exchange) {
  return exchange.method == "POST" && exchange.target.find('/', 5) == std::string::npos;
}

// Mutations of recorded resources (PATCH, PUT) are answered from the resource's state, which
// here equals what the upstream answered: the same JSON, not necessarily the same bytes.
bool FromResourceState(const Recorded& exchange) {
  return exchange.method == "PATCH" || exchange.method == "PUT";
}

void ExpectEveryExchangeReplays(const ProxyProcess& proxy, const std::vector<Recorded>& recorded,
                                std::string_view expected_marker) {
  for (const auto& exchange : recorded) {
    SCOPED_TRACE(exchange.method + " " + exchange.target);
    const auto replay = proxy.Send(exchange.method, exchange.target, exchange.body, kSecretHeaders);
    EXPECT_EQ(replay.status, exchange.response.status) << Describe(replay);
    EXPECT_FALSE(replay.HasHeader("X-Ghost-Miss")) << Describe(replay);
    const bool stateful = replay.Header("X-Ghost-Resource") == "true";
    if (!stateful) {
      EXPECT_EQ(replay.Header("X-Ghost-Mock"), expected_marker) << Describe(replay);
    }
    if (RecreatesResource(exchange)) {
      EXPECT_TRUE(ParseJson(replay.body).is_object()) << Describe(replay);
    } else if (stateful) {
      EXPECT_TRUE(FromResourceState(exchange)) << Describe(replay);
      EXPECT_EQ(ParseJson(replay.body), ParseJson(exchange.response.body));
    } else {
      EXPECT_EQ(replay.body, exchange.response.body);
    }
  }
}

class LearnMockRoundTrip : public WorkDirTest {};

TEST_F(LearnMockRoundTrip, EveryExchangeReplaysAfterUpstreamStops) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  // No INITIAL_MODE: with a backend and no mode file the proxy starts in LEARN, and after
  // the restart below the persisted mode file must win.
  ProxyProcess proxy(work_.path(), {.data_dir = work_ / "data",
                                    .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");

  const auto recorded = RecordCrudSession(proxy);
  for (const auto& exchange : recorded) {
    EXPECT_FALSE(exchange.response.HasHeader("X-Ghost-Mock")) << "LEARN answers are live";
  }

  const auto switched = proxy.SetMode("mock");
  ASSERT_EQ(switched.status, 200) << Describe(switched);
  EXPECT_EQ(StringField(ParseJson(switched.body), "mode"), "MOCK") << switched.body;
  EXPECT_EQ(StringField(ParseJson(switched.body), "previous"), "LEARN") << switched.body;
  upstream.Stop();

  {
    SCOPED_TRACE("same process: session-verbatim answers");
    ExpectEveryExchangeReplays(proxy, recorded, "session-verbatim");
    const auto cookies = std::find_if(recorded.begin(), recorded.end(),
                                      [](const auto& r) { return r.target == "/set-cookie"; });
    ASSERT_NE(cookies, recorded.end());
    const auto replay = proxy.Get("/set-cookie", kSecretHeaders);
    EXPECT_EQ(replay.HeaderValues("Set-Cookie"), cookies->response.HeaderValues("Set-Cookie"))
        << "session-verbatim replays Set-Cookie byte for byte";
  }

  {
    SCOPED_TRACE("an unrecorded id on a recorded route is a smart swap");
    const auto swapped = proxy.Get("/api/items/99", kSecretHeaders);
    EXPECT_EQ(swapped.status, 200) << Describe(swapped);
    EXPECT_EQ(swapped.Header("X-Ghost-SwapMatch"), "true") << Describe(swapped);
    const auto body = ParseJson(swapped.body);
    ASSERT_TRUE(body.is_object()) << Describe(swapped);
    const auto* id = body.as_object().if_contains("id");
    ASSERT_NE(id, nullptr) << swapped.body;
    EXPECT_TRUE((id->is_int64() && id->as_int64() == 99) ||
                (id->is_string() && id->as_string() == "99"))
        << "the path value is substituted into the body: " << swapped.body;
  }

  EXPECT_EQ(proxy.Stop(), 0) << "SIGTERM is a clean shutdown\n" << proxy.Log();
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "MOCK") << "the mode persists across restarts";
  {
    SCOPED_TRACE("after restart: the disk library answers (session-verbatim is RAM-only)");
    ExpectEveryExchangeReplays(proxy, recorded, "true");
  }
}

TEST(SecretsNeverReachDisk, NoCredentialOrCookieValueInAnyDataFile) {
  TempDir work("gostly-it-secrets");
  const fs::path data_dir = work / "data";
  UpstreamProcess upstream(work.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work.path(), {.data_dir = data_dir,
                                   .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");

  const auto recorded = RecordCrudSession(proxy);
  auto proxy_auth = kSecretHeaders;
  proxy_auth.emplace_back("Proxy-Authorization", "Basic sekrit-token-123");
  EXPECT_EQ(proxy.Get("/api/items?with=proxy-auth", proxy_auth).status, 200);
  // Credentials in the query string: recorded redacted, the upstream still gets them.
  const std::string query_secret = "query-secret-321";
  const auto with_key = proxy.Get("/api/items?page=1&api_key=" + query_secret, kSecretHeaders);
  EXPECT_EQ(with_key.status, 200) << Describe(with_key);

  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  const auto replay = proxy.Get("/set-cookie", kSecretHeaders);
  EXPECT_EQ(replay.status, 200) << Describe(replay);
  // Any key replays what the real one recorded: requests are looked up redacted too.
  const auto other_key = proxy.Get("/api/items?api_key=another-key&page=1", kSecretHeaders);
  EXPECT_EQ(other_key.status, 200) << Describe(other_key);
  EXPECT_EQ(other_key.Header("X-Ghost-Mock"), "session-verbatim") << Describe(other_key);
  EXPECT_EQ(other_key.body, with_key.body);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();

  // A library restored from disk cannot replay cookie values it never stored.
  ASSERT_PROXY_STARTS(proxy);
  const auto from_disk = proxy.Get("/set-cookie", kSecretHeaders);
  EXPECT_EQ(from_disk.status, 200) << Describe(from_disk);
  for (const auto& cookie : from_disk.HeaderValues("Set-Cookie")) {
    EXPECT_EQ(cookie.find("upstream-cookie-"), std::string::npos) << cookie;
  }
  const auto other_key_from_disk = proxy.Get("/api/items?api_key=third-key&page=1");
  EXPECT_EQ(other_key_from_disk.Header("X-Ghost-Mock"), "true") << Describe(other_key_from_disk);
  EXPECT_EQ(other_key_from_disk.body, with_key.body);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();

  const auto traffic = test_support::ReadFile(data_dir / "traffic" / "default.jsonl");
  const auto mocks = test_support::ReadFile(data_dir / "mocks" / "default.jsonl");
  ASSERT_FALSE(traffic.empty()) << "LEARN wrote no traffic/default.jsonl";
  ASSERT_FALSE(mocks.empty()) << "LEARN wrote no mocks/default.jsonl";
  EXPECT_NE(ToLower(traffic).find("authorization"), std::string::npos)
      << "redaction replaces values and keeps the header";
  EXPECT_GE(ReadJsonLines(data_dir / "traffic" / "default.jsonl").size(), recorded.size());

  const auto files = FilesUnder(data_dir);
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    const auto content = test_support::ReadFile(file);
    for (const auto& secret : kSecretValues) {
      EXPECT_EQ(content.find(secret), std::string::npos)
          << "'" << secret << "' reached " << file.string();
    }
    EXPECT_EQ(content.find(query_secret), std::string::npos)
        << "the query credential reached " << file.string();
  }
}

}  // namespace
}  // namespace gostly::integration
