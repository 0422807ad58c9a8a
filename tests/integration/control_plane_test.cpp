// The control plane end to end: `gostly up` (proxy + control plane in one process) against
// the real test upstream, on SQLite and on a throw-away PostgreSQL cluster. LEARN → transition
// through the API and the CLI → MOCK with the upstream stopped; the store and every export
// searched for planted secrets and PII; failed and interrupted transitions; the database
// going away; auth, idempotency and bad input.
#include <libpq-fe.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness.hpp"
#include "support/pg_cluster.hpp"

namespace gostly::integration {
namespace {

// Secrets and PII planted in bodies, query strings and headers while learning. None may be
// found in the store or in an export.
const std::vector<std::string> kPlanted = {
    "ada.lovelace@analytical-engines.io",
    "4111 1111 1111 1111",
    "+44 20 7946 0958",
    "536-22-8841",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AKIAIOSFODNN7EXAMPLE",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "hunter2-correct-horse",
    "qs-secret-key-0001",
    "sekrit-token-123",
    "cookie-secret-456",
    "key-secret-789",
};

const std::string kCustomerBody =
    R"({"name":"Ada Lovelace","email":"ada.lovelace@analytical-engines.io",)"
    R"("phone":"+44 20 7946 0958","card":"4111 1111 1111 1111","ssn":"536-22-8841",)"
    R"("password":"hunter2-correct-horse","note":"token sk_live_4eC39HqLyjWDarjtT1zdp7dc",)"
    R"("aws":"AKIAIOSFODNN7EXAMPLE","session":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"})";

// One PostgreSQL cluster for the whole test binary, started on first use.
test_support::PgCluster& Cluster() {
  static std::unique_ptr<test_support::PgCluster> cluster =
      std::make_unique<test_support::PgCluster>();
  return *cluster;
}

std::vector<std::string> Found(const std::string& haystack) {
  std::vector<std::string> found;
  for (const auto& secret : kPlanted) {
    if (haystack.find(secret) != std::string::npos) found.push_back(secret);
  }
  return found;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Every row of every table in the public schema as text, read as the cluster's superuser.
std::string DumpPostgres(const std::string& admin_url) {
  std::string out;
  PGconn* conn = PQconnectdb(admin_url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to dump the store: " << PQerrorMessage(conn);
    PQfinish(conn);
    return out;
  }
  PGresult* tables = PQexec(conn,
                            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  for (int i = 0; i < PQntuples(tables); ++i) {
    std::string sql = "SELECT t::text FROM public.\"" + std::string(PQgetvalue(tables, i, 0)) +
                      "\" t";
    PGresult* rows = PQexec(conn, sql.c_str());
    for (int r = 0; r < PQntuples(rows); ++r) out += PQgetvalue(rows, r, 0), out += '\n';
    PQclear(rows);
  }
  PQclear(tables);
  PQfinish(conn);
  return out;
}

class ControlPlane : public WorkDirTest, public ::testing::WithParamInterface<std::string> {
 protected:
  bool postgres() const { return GetParam() == "postgres"; }

  // Environment for `gostly up` on this test's backend.
  EnvList StoreEnv() {
    if (!postgres()) return {};
    if (database_.empty()) database_ = Cluster().CreateDatabase("gostly_it");
    return {{"DATABASE_URL", Cluster().AppUrl(database_)},
            {"DATABASE_ADMIN_URL", Cluster().OwnerUrl(database_)}};
  }

  // The store's contents as bytes: the SQLite files, or every PostgreSQL row.
  std::string StoreContents() {
    if (postgres()) return DumpPostgres(Cluster().AdminUrl(database_));
    std::string all;
    for (const char* name : {"gostly.db", "gostly.db-wal"}) {
      all += test_support::ReadFile(data_dir() / name);
    }
    EXPECT_FALSE(all.empty()) << "no SQLite store under " << data_dir();
    return all;
  }

  std::string database_;
};

// Waits for a transition to finish; returns its final status document.
json::value WaitForJob(const ProxyProcess& up, const std::string& job_id) {
  json::value status;
  PollUntil(
      [&] {
        status = ParseJson(up.Control("GET", "/v1/transition/" + job_id + "/status").body);
        const std::string state = StringField(status, "state");
        return state == "succeeded" || state == "failed";
      },
      60s, 50ms);
  return status;
}

json::value StartJob(const ProxyProcess& up) {
  const auto started = up.Control("POST", "/v1/transition/start");
  EXPECT_EQ(started.status, 202) << Describe(started) << started.body;
  return ParseJson(started.body);
}

struct Learned {
  std::string method;
  std::string target;
  std::string body;
  HttpResponse response;
};

std::vector<Learned> LearnSession(const ProxyProcess& up) {
  std::vector<Learned> learned;
  auto send = [&](std::string method, std::string target, std::string body) {
    auto response = up.Send(method, target, body, kSecretHeaders);
    EXPECT_GE(response.status, 200) << method << " " << target << ": " << Describe(response);
    EXPECT_LT(response.status, 300) << method << " " << target << ": " << Describe(response);
    learned.push_back({std::move(method), std::move(target), std::move(body), std::move(response)});
  };
  send("POST", "/api/customers", kCustomerBody);
  const std::string id = StringField(ParseJson(learned.back().response.body), "id");
  send("GET", "/api/customers/" + id, "");
  send("GET", "/api/customers?api_key=qs-secret-key-0001", "");
  send("POST", "/api/items", R"({"name":"widget","owner":"ada.lovelace@analytical-engines.io"})");
  send("GET", "/api/items/1", "");
  send("POST", "/echo", kCustomerBody);
  return learned;
}

TEST_P(ControlPlane, LearnTransitionMockThroughTheApiWithNothingSecretInTheStoreOrExports) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  EnvList env = StoreEnv();
  env.push_back({"BACKEND_URL", upstream.url()});
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  ASSERT_EQ(up.Mode(), "LEARN");

  const auto health = up.Control("GET", "/healthz");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(StringField(ParseJson(health.body), "store"), GetParam()) << health.body;

  const auto learned = LearnSession(up);
  ASSERT_EQ(learned.size(), 6u);

  const json::value started = StartJob(up);
  const std::string job = StringField(started, "job_id");
  ASSERT_FALSE(job.empty()) << json::serialize(started);
  const json::value done = WaitForJob(up, job);
  ASSERT_EQ(StringField(done, "state"), "succeeded") << json::serialize(done) << up.Log();
  EXPECT_EQ(done.at("exchanges_read").to_number<int>(), 6) << json::serialize(done);
  EXPECT_EQ(done.at("progress_percent").to_number<int>(), 100);
  EXPECT_EQ(up.Mode(), "MOCK");
  EXPECT_EQ(StringField(ParseJson(up.Control("GET", "/v1/mode").body), "mode"), "MOCK");

  // The proxy replays what LEARN saw (verbatim, from the local library) with the upstream gone.
  upstream.Stop();
  for (const auto& exchange : learned) {
    SCOPED_TRACE(exchange.method + " " + exchange.target);
    const auto replay = up.Send(exchange.method, exchange.target, exchange.body, kSecretHeaders);
    EXPECT_EQ(replay.status, exchange.response.status) << Describe(replay);
    EXPECT_EQ(replay.body, exchange.response.body);
  }

  // The store holds sealed, scrubbed rows.
  const auto mocks = up.Control("GET", "/v1/mocks?limit=100");
  ASSERT_EQ(mocks.status, 200) << mocks.body;
  const json::value listed = ParseJson(mocks.body);
  const auto& items = listed.at("items").as_array();
  EXPECT_EQ(items.size(), 6u) << mocks.body;
  for (const auto& item : items) {
    EXPECT_TRUE(item.at("sealed").as_bool()) << json::serialize(item);
    EXPECT_EQ(StringField(item, "source"), "transition");
  }
  const std::string templated = mocks.body;
  EXPECT_NE(templated.find("/api/items/{int}"), std::string::npos) << "URI templates extracted";

  // Nothing planted reaches the store or an export (API and CLI).
  EXPECT_EQ(Join(Found(StoreContents())), "") << "found in the " << GetParam() << " store";
  EXPECT_EQ(Join(Found(mocks.body)), "") << "found in /v1/mocks";
  const auto exported = up.Control("GET", "/v1/export?limit=1000");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(ParseJson(exported.body).at("items").as_array().size(), 6u);
  EXPECT_EQ(Join(Found(exported.body)), "") << "found in /v1/export";
  const auto traffic = up.Control("GET", "/v1/traffic?limit=50");
  ASSERT_EQ(traffic.status, 200);
  EXPECT_EQ(ParseJson(traffic.body).at("items").as_array().size(), 6u) << traffic.body;
  EXPECT_EQ(Join(Found(traffic.body)), "") << "found in /v1/traffic";

  const fs::path export_file = work_.path() / "export.jsonl";
  auto cli = test_support::RunCommand(
      GOSTLY_BINARY,
      {"export", "--url", "http://127.0.0.1:" + std::to_string(up.control_port()), "-o",
       export_file.string()},
      work_.path(), 30s);
  EXPECT_EQ(cli.exit_status, 0) << cli.output;
  const std::string file = test_support::ReadFile(export_file);
  EXPECT_EQ(std::count(file.begin(), file.end(), '\n'), 6) << file;
  EXPECT_EQ(Join(Found(file)), "") << "found in gostly export";

  // The audit log has the transition and the mode change it made.
  const auto audit = up.Control("GET", "/v1/audit?limit=50");
  EXPECT_NE(audit.body.find("\"transition.succeeded\""), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"mode.set\""), std::string::npos) << audit.body;
  EXPECT_EQ(up.Stop(), 0) << up.Log();
}

TEST_P(ControlPlane, CliDrivesModeTransitionAndStatus) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  EnvList env = StoreEnv();
  env.push_back({"BACKEND_URL", upstream.url()});
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string url = "http://127.0.0.1:" + std::to_string(up.control_port());
  auto gostly = [&](std::vector<std::string> args) {
    args.push_back("--url");
    args.push_back(url);
    return test_support::RunCommand(GOSTLY_BINARY, args, work_.path(), 60s);
  };

  auto mode = gostly({"mode"});
  EXPECT_EQ(mode.exit_status, 0) << mode.output;
  EXPECT_EQ(mode.output, "LEARN\n");
  ASSERT_EQ(up.Send("POST", "/api/items", R"({"name":"gear"})").status, 201);
  ASSERT_EQ(up.Get("/api/items/1").status, 200);

  auto transition = gostly({"transition"});
  EXPECT_EQ(transition.exit_status, 0) << transition.output;
  EXPECT_NE(transition.output.find("succeeded: 2 exchanges"), std::string::npos)
      << transition.output;
  EXPECT_EQ(up.Mode(), "MOCK");

  auto status = gostly({"status"});
  EXPECT_EQ(status.exit_status, 0) << status.output;
  EXPECT_NE(status.output.find("proxy mode:    MOCK"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("succeeded"), std::string::npos) << status.output;

  auto passthrough = gostly({"mode", "passthrough"});
  EXPECT_EQ(passthrough.exit_status, 0) << passthrough.output;
  EXPECT_EQ(up.Mode(), "PASSTHROUGH");
  auto bad = gostly({"mode", "sideways"});
  EXPECT_NE(bad.exit_status, 0) << bad.output;
  const auto audit = up.Control("GET", "/v1/audit");
  EXPECT_NE(audit.body.find(R"("action":"mode.set","target":"PASSTHROUGH")"), std::string::npos)
      << audit.body;

  EXPECT_EQ(up.Stop(), 0) << up.Log();
  auto unreachable = gostly({"status"});
  EXPECT_NE(unreachable.exit_status, 0);
  EXPECT_NE(unreachable.output.find("unreachable"), std::string::npos) << unreachable.output;
}

TEST_P(ControlPlane, AFailedTransitionLeavesTheStoreAsItWasAndRestoresTheMode) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  EnvList env = StoreEnv();
  env.push_back({"BACKEND_URL", upstream.url()});
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  ASSERT_EQ(up.Send("POST", "/api/items", R"({"name":"gear"})").status, 201);
  // A traffic "file" that cannot be read: the job must fail after staging the good one.
  fs::create_directories(data_dir() / "traffic" / "zz-broken.jsonl");

  const json::value done = WaitForJob(up, StringField(StartJob(up), "job_id"));
  EXPECT_EQ(StringField(done, "state"), "failed") << json::serialize(done);
  EXPECT_NE(StringField(done, "error").find("zz-broken.jsonl"), std::string::npos)
      << json::serialize(done);
  EXPECT_EQ(up.Mode(), "LEARN") << "back to the mode it had";
  const auto mocks = up.Control("GET", "/v1/mocks");
  EXPECT_EQ(ParseJson(mocks.body).at("items").as_array().size(), 0u) << mocks.body;

  // Fixed, the same traffic transitions (offsets were not advanced by the failure).
  fs::remove_all(data_dir() / "traffic" / "zz-broken.jsonl");
  const json::value again = WaitForJob(up, StringField(StartJob(up), "job_id"));
  EXPECT_EQ(StringField(again, "state"), "succeeded") << json::serialize(again);
  EXPECT_EQ(again.at("exchanges_read").to_number<int>(), 1);
  // Re-running reads nothing new: idempotent.
  ASSERT_EQ(up.SetMode("learn").status, 200);
  const json::value third = WaitForJob(up, StringField(StartJob(up), "job_id"));
  EXPECT_EQ(StringField(third, "state"), "succeeded");
  EXPECT_EQ(third.at("exchanges_read").to_number<int>(), 0) << json::serialize(third);
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/mocks").body).at("items").as_array().size(), 1u);
}

TEST_P(ControlPlane, AnInterruptedTransitionRollsBackOnRestart) {
  EnvList env = StoreEnv();
  env.push_back({"INITIAL_MODE", "learn"});
  env.push_back({"BACKEND_URL", "http://127.0.0.1:9"});
  // Enough traffic that the job is still running when it is killed.
  fs::create_directories(data_dir() / "traffic");
  {
    std::ofstream out(data_dir() / "traffic" / "default.jsonl", std::ios::binary);
    for (int i = 0; i < 60000; ++i) {
      out << R"({"timestamp":"2026-11-22T10:00:00.000Z","service":"default","method":"GET","uri":"/api/items/)"
          << i << R"(","request_headers":{},"request_body":"","status":200,"response_headers":{"Content-Type":"application/json"},"response_body":{"id":)"
          << i << R"(,"owner":"ada.lovelace@analytical-engines.io"},"latency_ms":1,"recording_session_id":"s1"})"
          << '\n';
    }
  }
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string job = StringField(StartJob(up), "job_id");
  ASSERT_TRUE(PollUntil(
      [&] {
        auto s = ParseJson(up.Control("GET", "/v1/transition/" + job + "/status").body);
        return StringField(s, "state") == "running" && s.at("read_bytes").to_number<int>() > 0;
      },
      30s, 5ms))
      << "the job never got going";
  EXPECT_EQ(up.Mode(), "TRANSITIONING");
  up.Kill9();

  ASSERT_PROXY_STARTS(up);
  EXPECT_EQ(up.Mode(), "LEARN") << "TRANSITIONING is never persisted";
  const auto status = ParseJson(up.Control("GET", "/v1/transition/" + job + "/status").body);
  EXPECT_EQ(StringField(status, "state"), "failed") << json::serialize(status);
  EXPECT_NE(StringField(status, "error").find("rolled back"), std::string::npos);
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/mocks").body).at("items").as_array().size(), 0u)
      << "nothing of the interrupted job reached the library";

  const json::value done = WaitForJob(up, StringField(StartJob(up), "job_id"));
  EXPECT_EQ(StringField(done, "state"), "succeeded") << json::serialize(done);
  EXPECT_EQ(done.at("exchanges_read").to_number<int>(), 60000);
  const auto count = up.Control("GET", "/v1/mocks?limit=1000&uri=/api/items/5999");
  EXPECT_EQ(ParseJson(count.body).at("items").as_array().size(), 11u)
      << "/api/items/5999 and /api/items/59990-59999 match: " << count.body;
}

TEST_P(ControlPlane, ServicesAndMockEditsReachTheRunningProxy) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  EnvList env = StoreEnv();
  env.push_back({"INITIAL_MODE", "mock"});
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);

  // A service routed by path prefix, in PASSTHROUGH, reaches the upstream through the proxy.
  const auto created = up.Control(
      "POST", "/v1/services",
      R"({"id":"shop","path_prefix":"/shop","upstream":")" + upstream.url() +
          R"(","mode":"PASSTHROUGH","redact_headers":["X-Shop-Secret"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(ParseJson(created.body).at("pushed_to_proxy").as_bool()) << created.body;
  EXPECT_EQ(up.Get("/shop/api/items").status, 200) << "routed to the upstream";
  EXPECT_NE(up.Get("/ghost/upstreams").body.find("\"shop\""), std::string::npos);
  EXPECT_EQ(up.Control("GET", "/v1/services/shop").status, 200);
  EXPECT_EQ(up.Control("GET", "/v1/services/nope").status, 404);

  // A mock added through the API is served; an edit is served; a delete is a miss.
  const auto mock = up.Control(
      "POST", "/v1/mocks",
      R"({"method":"GET","uri":"/v1/plans/basic","status":200,"response_body":{"plan":"basic","price":10}})");
  ASSERT_EQ(mock.status, 201) << mock.body;
  const std::string id = std::to_string(ParseJson(mock.body).at("id").to_number<int>());
  const auto served = up.Get("/v1/plans/basic");
  EXPECT_EQ(ParseJson(served.body), ParseJson(R"({"plan":"basic","price":10})"));
  EXPECT_EQ(served.Header("Content-Type"), "application/json") << "a JSON body defaults to JSON";
  const auto edited = up.Control("PUT", "/v1/mocks/" + id,
                                 R"({"response_body":{"plan":"basic","price":12}})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(ParseJson(up.Get("/v1/plans/basic").body), ParseJson(R"({"plan":"basic","price":12})"));
  const auto moved = up.Control("PUT", "/v1/mocks/" + id, R"({"uri":"/v1/plans/pro"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(up.Get("/v1/plans/pro").status, 200);
  EXPECT_EQ(up.Get("/v1/plans/basic").Header("X-Ghost-Miss"), "true") << "the old key retired";
  ASSERT_EQ(up.Control("DELETE", "/v1/mocks/" + id).status, 200);
  EXPECT_EQ(up.Get("/v1/plans/pro").Header("X-Ghost-Miss"), "true");
  EXPECT_EQ(up.Control("GET", "/v1/mocks/" + id).status, 404);

  // Misses show up in /v1/unmatched with their counts.
  up.Get("/v1/plans/pro");
  const auto unmatched = up.Control("GET", "/v1/unmatched");
  EXPECT_NE(unmatched.body.find("/v1/plans/pro"), std::string::npos) << unmatched.body;

  ASSERT_EQ(up.Control("DELETE", "/v1/services/shop").status, 200);
  EXPECT_EQ(up.Get("/ghost/upstreams").body.find("\"shop\""), std::string::npos);
}

// Issue 5 through the control API: a service's chaos and statechart overrides are validated,
// stored, audited and pushed to the proxy, which enforces them; they come back from the store
// (not from the proxy's routes file, which is removed) when `gostly up` restarts on the same
// data directory and database.
TEST_P(ControlPlane, ServiceChaosAndStatechartsAreStoredEnforcedAndKeptAcrossRestarts) {
  EnvList env = StoreEnv();
  env.push_back({"INITIAL_MODE", "mock"});
  fs::create_directories(data_dir() / "mocks");
  fs::create_directories(data_dir() / "resources");
  WriteFile(
      data_dir() / "mocks" / "pay.jsonl",
      R"({"timestamp":"2024-01-01T00:00:00.000Z","service":"pay","method":"GET","uri":"/v1/ping","request_headers":{},"request_body":"","status":200,"response_headers":{"Content-Type":"application/json"},"response_body":{"pong":true},"latency_ms":1})"
      "\n");
  WriteFile(
      data_dir() / "resources" / "pay.jsonl",
      R"({"service":"pay","collection":"/v1/charges","id":"ch_0000000000","create_status":201,"resource":{"id":"ch_0000000000","status":"recorded","amount":100}})"
      "\n");
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  const HeaderList json_body = {{"Content-Type", "application/json"}};
  auto error_of = [](const HttpResponse& r) {
    const json::value v = ParseJson(r.body);
    return StringField(v, "error_code") + ": " + StringField(v, "detail");
  };

  const auto created =
      up.Control("POST", "/v1/services", R"({"id":"pay","path_prefix":"/pay","mode":"MOCK"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_TRUE(ParseJson(created.body).at("chaos").is_null()) << created.body;
  EXPECT_TRUE(ParseJson(created.body).at("statecharts").is_null()) << created.body;
  const auto normal = up.Get("/pay/v1/ping");
  ASSERT_EQ(normal.status, 200) << Describe(normal);
  EXPECT_FALSE(normal.HasHeader("X-Ghost-Chaos"));

  // Chaos: every GET of /v1/ping fails with the configured 503 and body.
  const std::string chaos = R"({"seed":3,"rules":[{"match":"GET /v1/ping",
      "errors":{"rate":1.0,"statuses":[{"status":503,"body":{"error":"pay is down"}}]}}]})";
  const auto set = up.Control("PUT", "/v1/services/pay/chaos", chaos);
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_TRUE(ParseJson(set.body).at("pushed_to_proxy").as_bool()) << set.body;
  auto expect_chaos = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const auto r = up.Get("/pay/v1/ping");
    EXPECT_EQ(r.status, 503) << Describe(r);
    EXPECT_EQ(r.Header("X-Ghost-Chaos"), "true");
    EXPECT_EQ(ParseJson(r.body), ParseJson(R"({"error":"pay is down"})"));
  };
  expect_chaos("after PUT");
  EXPECT_EQ(up.Get("/v1/anything").Header("X-Ghost-Chaos"), "") << "other services untouched";
  const json::value stored = ParseJson(up.Control("GET", "/v1/services/pay/chaos").body);
  EXPECT_EQ(StringField(stored, "service"), "pay") << stored;
  EXPECT_EQ(stored.at("seed"), 3) << stored;
  EXPECT_EQ(StringField(stored.at("rules").at(0), "match"), "GET /v1/ping") << stored;
  EXPECT_EQ(stored.at("rules").at(0).at("errors").at("rate"), 1) << stored;
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/services/pay").body).at("chaos").at("rules"),
            stored.at("rules"));

  const auto cleared = up.Control("DELETE", "/v1/services/pay/chaos");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(ParseJson(cleared.body).at("rules").as_array().empty()) << cleared.body;
  const auto after_clear = up.Get("/pay/v1/ping");
  EXPECT_EQ(after_clear.status, 200) << "the proxy dropped the rules: " << Describe(after_clear);
  EXPECT_FALSE(after_clear.HasHeader("X-Ghost-Chaos"));
  EXPECT_TRUE(ParseJson(up.Control("GET", "/v1/services/pay").body).at("chaos").is_null());
  ASSERT_EQ(up.Control("PUT", "/v1/services/pay/chaos", chaos).status, 200);
  expect_chaos("after a second PUT");

  // A statechart override: the proxy lists it first and enforces it.
  const auto charts = up.Control("PUT", "/v1/services/pay/statecharts", R"({"statecharts":[
      {"name":"charge","initial":"pending","transitions":{
        "pending":{"authorize":"authorized"},"authorized":{"capture":"captured"}}}]})");
  ASSERT_EQ(charts.status, 200) << charts.body;
  EXPECT_TRUE(ParseJson(charts.body).at("pushed_to_proxy").as_bool()) << charts.body;
  auto expect_override = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const json::value listed = ParseJson(up.Get("/ghost/statecharts?service=pay").body);
    ASSERT_TRUE(listed.is_object()) << "no statecharts listing";
    const auto& first = listed.at("statecharts").at(0);
    EXPECT_EQ(StringField(first, "name"), "charge") << listed;
    EXPECT_EQ(StringField(first, "initial"), "pending") << listed;
    const auto made = up.Send("POST", "/pay/v1/charges", R"({"amount":5})", json_body);
    ASSERT_EQ(made.status, 201) << Describe(made) << made.body;
    const json::value charge = ParseJson(made.body);
    EXPECT_EQ(StringField(charge, "status"), "pending") << made.body;
    const std::string item = "/pay/v1/charges/" + StringField(charge, "id");
    const auto illegal = up.Send("POST", item + "/capture");
    EXPECT_EQ(illegal.status, 409) << Describe(illegal);
    EXPECT_EQ(ParseJson(illegal.body).at("legal_actions"), (json::array{"authorize"}))
        << illegal.body;
    const auto legal = up.Send("POST", item + "/authorize");
    EXPECT_EQ(legal.status, 200) << Describe(legal);
    EXPECT_EQ(legal.Header("X-Ghost-Transition"), "authorized");
  };
  expect_override("after PUT");
  const json::value listed_charts =
      ParseJson(up.Control("GET", "/v1/services/pay/statecharts").body);
  ASSERT_EQ(listed_charts.at("statecharts").as_array().size(), 1u) << listed_charts;

  // Editing the service without the two keys keeps them.
  const auto edited = up.Control("PUT", "/v1/services/pay",
                                 R"({"path_prefix":"/pay","mode":"MOCK","repeat_policy":"cycle"})");
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_FALSE(ParseJson(edited.body).at("chaos").is_null()) << edited.body;
  expect_chaos("after editing the service");

  // Invalid configurations: 422 naming the field; nothing changes.
  const auto bad_rate =
      up.Control("PUT", "/v1/services/pay/chaos", R"({"rules":[{"errors":{"rate":2}}]})");
  EXPECT_EQ(bad_rate.status, 422) << bad_rate.body;
  EXPECT_EQ(error_of(bad_rate), "invalid_field: chaos.rules[0].errors.rate must be within [0, 1].");
  const auto bad_match =
      up.Control("PUT", "/v1/services/pay/chaos", R"({"rules":[{"match":"GET v1"}]})");
  EXPECT_EQ(bad_match.status, 422);
  EXPECT_NE(error_of(bad_match).find("chaos.rules[0].match"), std::string::npos) << bad_match.body;
  const auto bad_chart = up.Control("PUT", "/v1/services/pay/statecharts",
                                    R"({"statecharts":[{"name":"x","initial":"a"}]})");
  EXPECT_EQ(bad_chart.status, 422);
  EXPECT_NE(error_of(bad_chart).find("invalid_field: statecharts[0].transitions"),
            std::string::npos)
      << bad_chart.body;
  const auto no_list = up.Control("PUT", "/v1/services/pay/statecharts", R"({"charts":[]})");
  EXPECT_EQ(no_list.status, 422);
  EXPECT_NE(error_of(no_list).find("'statecharts'"), std::string::npos) << no_list.body;
  const auto bad_service =
      up.Control("POST", "/v1/services",
                 R"({"id":"other","path_prefix":"/other","mode":"MOCK","chaos":{"seed":1}})");
  EXPECT_EQ(bad_service.status, 422);
  EXPECT_EQ(error_of(bad_service), "invalid_field: chaos.rules must be an array.");
  EXPECT_EQ(up.Control("GET", "/v1/services/other").status, 404) << "not created";
  const auto bad_service_charts =
      up.Control("PUT", "/v1/services/pay",
                 R"({"path_prefix":"/pay","mode":"MOCK","statecharts":[{"name":"a","initial":"b",
          "transitions":{"b":{"go":"c"}}},{"name":"a","initial":"b","transitions":{"b":{"go":"d"}}}]})");
  EXPECT_EQ(bad_service_charts.status, 422);
  EXPECT_EQ(error_of(bad_service_charts),
            "invalid_field: statecharts[1].name 'a' is defined twice.");
  expect_chaos("after the refused changes");

  // Unknown service: 404 on every sub-resource method.
  for (const char* method : {"GET", "PUT", "DELETE"}) {
    for (const char* what : {"chaos", "statecharts"}) {
      const std::string body =
          std::string(what) == "chaos" ? R"({"rules":[]})" : R"({"statecharts":[]})";
      const auto r = up.Control(method, std::string("/v1/services/nope/") + what,
                                std::string(method) == "PUT" ? body : "");
      EXPECT_EQ(r.status, 404) << method << " " << what << ": " << r.body;
      EXPECT_EQ(StringField(ParseJson(r.body), "error_code"), "not_found");
    }
  }

  const std::string audit = up.Control("GET", "/v1/audit?limit=100").body;
  for (const char* action :
       {"service.chaos.set", "service.chaos.clear", "service.statecharts.set"}) {
    EXPECT_NE(audit.find(std::string(R"("action":")") + action + R"(","target":"pay")"),
              std::string::npos)
        << action << " in " << audit;
  }
  const json::value openapi = ParseJson(up.Control("GET", "/v1/openapi.json").body);
  for (const char* path : {"/v1/services/{id}/chaos", "/v1/services/{id}/statecharts"}) {
    const auto& item = openapi.at("paths").at(path).as_object();
    EXPECT_TRUE(item.contains("get") && item.contains("put") && item.contains("delete")) << path;
  }

  // Restart on the same data directory and database, without the proxy's routes file: the
  // control plane pushes what it stored.
  EXPECT_EQ(up.Stop(), 0) << up.Log();
  ASSERT_TRUE(fs::remove(data_dir() / "routes.json"));
  ASSERT_PROXY_STARTS(up);
  expect_chaos("after the restart");
  expect_override("after the restart");
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/services/pay/chaos").body).at("seed"), 3);

  // Clearing the overrides through the API returns the service to the bundled machines.
  ASSERT_EQ(up.Control("DELETE", "/v1/services/pay/statecharts").status, 200);
  const json::value bundled = ParseJson(up.Get("/ghost/statecharts?service=pay").body);
  EXPECT_EQ(StringField(bundled.at("statecharts").at(0), "initial"), "created") << bundled;
  EXPECT_TRUE(ParseJson(up.Control("GET", "/v1/services/pay").body).at("statecharts").is_null());
}

// The proxy's default route (no routing rule to store) is addressable too: its chaos and
// statechart overrides are stored and pushed through the proxy's /ghost endpoints.
TEST_P(ControlPlane, TheDefaultServiceTakesChaosAndStatechartsThroughTheApi) {
  EnvList env = StoreEnv();
  env.push_back({"INITIAL_MODE", "mock"});
  fs::create_directories(data_dir() / "mocks");
  WriteFile(
      data_dir() / "mocks" / "default.jsonl",
      R"({"timestamp":"2024-01-01T00:00:00.000Z","service":"default","method":"GET","uri":"/v1/ping","request_headers":{},"request_body":"","status":200,"response_headers":{"Content-Type":"application/json"},"response_body":{"pong":true},"latency_ms":1})"
      "\n");
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  const json::value none = ParseJson(up.Control("GET", "/v1/services/default/chaos").body);
  EXPECT_TRUE(none.at("rules").as_array().empty()) << none;
  ASSERT_EQ(up.Get("/v1/ping").status, 200);

  const auto set = up.Control("PUT", "/v1/services/default/chaos",
                              R"({"rules":[{"match":"GET /v1/*","errors":{"rate":1.0,)"
                              R"("statuses":[{"status":502}]}}]})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_TRUE(ParseJson(set.body).at("pushed_to_proxy").as_bool()) << set.body;
  const auto charts = up.Control(
      "PUT", "/v1/services/default/statecharts",
      R"({"statecharts":[{"name":"ticket","initial":"open","transitions":{"open":{"close":"closed"}}}]})");
  ASSERT_EQ(charts.status, 200) << charts.body;
  auto expect_in_force = [&](const std::string& when) {
    SCOPED_TRACE(when);
    const auto r = up.Get("/v1/ping");
    EXPECT_EQ(r.status, 502) << Describe(r);
    EXPECT_EQ(r.Header("X-Ghost-Chaos"), "true");
    const std::string listed = up.Get("/ghost/statecharts?service=default").body;
    EXPECT_NE(listed.find(R"("name":"ticket")"), std::string::npos) << listed;
  };
  expect_in_force("after PUT");

  EXPECT_EQ(up.Stop(), 0) << up.Log();
  ASSERT_PROXY_STARTS(up);
  expect_in_force("after a restart: pushed from the store");

  ASSERT_EQ(up.Control("DELETE", "/v1/services/default/chaos").status, 200);
  const auto normal = up.Get("/v1/ping");
  EXPECT_EQ(normal.status, 200) << Describe(normal);
  EXPECT_FALSE(normal.HasHeader("X-Ghost-Chaos"));
  // A service with a routing rule is still required for everything else.
  EXPECT_EQ(up.Control("PUT", "/v1/services/default", R"({"upstream":"http://127.0.0.1:1"})").status,
            422);
}

TEST_P(ControlPlane, BadInputAuthAndIdempotency) {
  EnvList env = StoreEnv();
  env.push_back({"INITIAL_MODE", "mock"});
  env.push_back({"GHOST_API_KEY", "boot-key-1"});
  ProxyProcess up(work_.path(), {.data_dir = data_dir(), .env = env, .up = true});
  ASSERT_PROXY_STARTS(up);
  const HeaderList boot = {{"X-API-Key", "boot-key-1"}};

  EXPECT_EQ(up.Control("GET", "/healthz").status, 200) << "public";
  EXPECT_EQ(up.Control("GET", "/v1/openapi.json").status, 200) << "public";
  const auto anonymous = up.Control("GET", "/v1/mocks");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(StringField(ParseJson(anonymous.body), "error_code"), "unauthorized");
  EXPECT_FALSE(StringField(ParseJson(anonymous.body), "detail").empty());
  EXPECT_EQ(up.Control("GET", "/v1/mocks", {}, {{"X-API-Key", "wrong"}}).status, 401);
  EXPECT_EQ(up.Control("GET", "/v1/mocks", {}, boot).status, 200);

  const auto malformed = up.Control("POST", "/v1/mode", R"({"mode":)", boot);
  EXPECT_EQ(malformed.status, 422) << malformed.body;
  EXPECT_EQ(StringField(ParseJson(malformed.body), "error_code"), "invalid_json");
  const auto wrong_field = up.Control("POST", "/v1/mode", R"({"mode":"sideways"})", boot);
  EXPECT_EQ(wrong_field.status, 422);
  EXPECT_NE(StringField(ParseJson(wrong_field.body), "detail").find("'mode'"), std::string::npos)
      << wrong_field.body;
  const auto no_rule = up.Control("POST", "/v1/services", R"({"id":"x"})", boot);
  EXPECT_EQ(no_rule.status, 422);
  EXPECT_NE(no_rule.body.find("path_prefix"), std::string::npos) << no_rule.body;
  EXPECT_EQ(up.Control("GET", "/v1/mocks/999999", {}, boot).status, 404);
  EXPECT_EQ(up.Control("GET", "/v1/mocks/abc", {}, boot).status, 404);
  EXPECT_EQ(up.Control("GET", "/v1/transition/tj_nope/status", {}, boot).status, 404);
  EXPECT_EQ(up.Control("GET", "/v1/nothing", {}, boot).status, 404);
  EXPECT_EQ(up.Control("DELETE", "/v1/audit", {}, boot).status, 405) << "the audit log cannot be edited";
  EXPECT_EQ(up.Control("GET", "/v1/mocks?limit=5000", {}, boot).status, 422);

  // Keys: the raw key is shown once; roles apply; revoked keys stop working.
  const auto issued = up.Control("POST", "/v1/api-keys", R"({"name":"ci","role":"viewer"})", boot);
  ASSERT_EQ(issued.status, 201) << issued.body;
  const std::string raw = StringField(ParseJson(issued.body), "key");
  const std::string key_id = StringField(ParseJson(issued.body), "id");
  ASSERT_EQ(raw.rfind("gst_", 0), 0u) << issued.body;
  const HeaderList viewer = {{"X-API-Key", raw}};
  EXPECT_EQ(up.Control("GET", "/v1/mocks", {}, viewer).status, 200);
  EXPECT_EQ(up.Control("POST", "/v1/mode", R"({"mode":"learn"})", viewer).status, 403);
  const auto listed = up.Control("GET", "/v1/api-keys", {}, boot);
  EXPECT_EQ(listed.body.find(raw), std::string::npos) << "never shown again";
  EXPECT_NE(listed.body.find(key_id), std::string::npos);
  EXPECT_EQ(Found(StoreContents()).size(), 0u);
  EXPECT_EQ(StoreContents().find(raw), std::string::npos) << "the raw key is never stored";
  ASSERT_EQ(up.Control("DELETE", "/v1/api-keys/" + key_id, {}, boot).status, 200);
  EXPECT_EQ(up.Control("GET", "/v1/mocks", {}, viewer).status, 401);

  // Idempotency-Key: the same POST twice creates one mock; a different body is refused.
  HeaderList idem = boot;
  idem.push_back({"Idempotency-Key", "create-plan-1"});
  const std::string body = R"({"method":"GET","uri":"/plans/1","status":200,"response_body":"one"})";
  const auto first = up.Control("POST", "/v1/mocks", body, idem);
  ASSERT_EQ(first.status, 201) << first.body;
  const auto second = up.Control("POST", "/v1/mocks", body, idem);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(ParseJson(up.Control("GET", "/v1/mocks", {}, boot).body).at("items").as_array().size(),
            1u);
  EXPECT_EQ(up.Control("POST", "/v1/mocks", R"({"method":"GET","uri":"/plans/2","status":200})",
                       idem)
                .status,
            422);
}

INSTANTIATE_TEST_SUITE_P(Backends, ControlPlane, ::testing::Values("sqlite", "postgres"),
                         [](const auto& param_info) { return param_info.param; });

// The database going away: the API answers 503 with a clear error while the proxy keeps
// serving its library, and recovers when the database is back.
TEST(ControlPlaneFaults, DatabaseUnreachableGives503WhileTheProxyKeepsServing) {
  TempDir work("gostly-it-faults");
  test_support::PgCluster cluster;
  const std::string db = cluster.CreateDatabase("gostly_fault");
  ProxyProcess up(work.path(), {.data_dir = work.path() / "data",
                                .env = {{"INITIAL_MODE", "mock"},
                                        {"DATABASE_URL", cluster.AppUrl(db)},
                                        {"DATABASE_ADMIN_URL", cluster.OwnerUrl(db)}},
                                .up = true});
  ASSERT_PROXY_STARTS(up);
  ASSERT_EQ(up.Control("POST", "/v1/mocks",
                       R"({"method":"GET","uri":"/served","status":200,"response_body":"yes"})")
                .status,
            201);
  cluster.Stop();
  const auto down = up.Control("GET", "/v1/mocks");
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(StringField(ParseJson(down.body), "error_code"), "store_unavailable") << down.body;
  EXPECT_EQ(up.Control("GET", "/healthz").status, 503);
  const auto served = up.Get("/served");
  EXPECT_EQ(served.status, 200) << "the proxy keeps serving: " << Describe(served);
  EXPECT_EQ(served.body, "yes");
  cluster.Start();
  EXPECT_TRUE(PollUntil([&] { return up.Control("GET", "/v1/mocks").status == 200; }, 20s));
  EXPECT_EQ(up.Stop(), 0) << up.Log();
}

}  // namespace
}  // namespace gostly::integration

namespace gostly::integration {
namespace {

// `gostly control` run apart from its proxy drives it through the proxy's admin API.
TEST(ControlPlaneApart, DrivesASeparateProxyProcessThroughItsAdminApi) {
  TempDir work("gostly-it-apart");
  UpstreamProcess upstream(work.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work.path(), {.data_dir = work.path() / "data",
                                   .env = {{"BACKEND_URL", upstream.url()},
                                           {"GHOST_API_KEY", "shared-key"}}});
  ASSERT_PROXY_STARTS(proxy);
  const HeaderList key = {{"X-API-Key", "shared-key"}};
  ASSERT_EQ(proxy.Send("POST", "/api/items", R"({"name":"gear"})").status, 201);

  test_support::SpawnOptions spawn;
  spawn.program = GOSTLY_BINARY;
  const fs::path port_file = work.path() / "control.port";
  spawn.args = {"control", "--control-port", "0", "--port-file", port_file.string(),
                "--data-dir", (work.path() / "data").string(), "--proxy-url",
                "http://127.0.0.1:" + std::to_string(proxy.port())};
  spawn.env = {{"GHOST_API_KEY", "shared-key"}};
  spawn.output_file = work.path() / "control.log";
  auto control = ChildProcess::Spawn(spawn);
  std::string why;
  auto port = test_support::WaitForPortFile(port_file, control, 15s, &why);
  ASSERT_TRUE(port.has_value()) << why << test_support::ReadFile(work.path() / "control.log");

  auto call = [&](std::string_view method, std::string_view target, std::string_view body = {}) {
    return test_support::Request(*port, method, target, body, key, 30s);
  };
  EXPECT_EQ(StringField(ParseJson(call("GET", "/v1/mode").body), "mode"), "LEARN");
  const auto started = call("POST", "/v1/transition/start");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string job = StringField(ParseJson(started.body), "job_id");
  json::value status;
  ASSERT_TRUE(PollUntil(
      [&] {
        status = ParseJson(call("GET", "/v1/transition/" + job + "/status").body);
        return StringField(status, "state") == "succeeded";
      },
      30s))
      << json::serialize(status);
  EXPECT_EQ(proxy.Mode(key), "MOCK");
  upstream.Stop();
  EXPECT_EQ(proxy.Send("POST", "/api/items", R"({"name":"gear"})").status, 201)
      << "replayed with the upstream gone";
  EXPECT_EQ(control.Stop(10s), 0);
}

// SCRUB_MODE=pseudonym: realistic, deterministic stand-ins, so joins between records still
// match, and nothing real is stored.
TEST(ControlPlanePseudonyms, SameValueSamePseudonymAndTheOriginalNowhere) {
  TempDir work("gostly-it-pseudonym");
  UpstreamProcess upstream(work.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess up(work.path(), {.data_dir = work.path() / "data",
                                .env = {{"BACKEND_URL", upstream.url()},
                                        {"SCRUB_MODE", "pseudonym"}},
                                .up = true});
  ASSERT_PROXY_STARTS(up);
  const std::string email = "grace.hopper@navy-research.io";
  ASSERT_EQ(up.Send("POST", "/api/customers", R"({"name":"Grace","email":")" + email + R"("})")
                .status,
            201);
  ASSERT_EQ(up.Send("POST", "/api/items", R"({"name":"compiler","owner":")" + email + R"("})")
                .status,
            201);
  const auto started = up.Control("POST", "/v1/transition/start");
  ASSERT_EQ(started.status, 202);
  const std::string job = StringField(ParseJson(started.body), "job_id");
  ASSERT_TRUE(PollUntil(
      [&] {
        return StringField(ParseJson(up.Control("GET", "/v1/transition/" + job + "/status").body),
                           "state") == "succeeded";
      },
      30s));
  const auto exported = up.Control("GET", "/v1/export");
  ASSERT_EQ(exported.status, 200);
  EXPECT_EQ(exported.body.find(email), std::string::npos) << exported.body;
  EXPECT_EQ(exported.body.find("[REDACTED]@"), std::string::npos);
  // Both records carry the same stand-in address.
  std::vector<std::string> pseudonyms;
  const json::value page = ParseJson(exported.body);
  for (const auto& item : page.at("items").as_array()) {
    const auto& ex = item.at("exchange");
    const auto* body = ex.as_object().if_contains("request_body");
    if (body == nullptr || !body->is_object()) continue;
    for (const char* field : {"email", "owner"}) {
      if (const auto* v = body->as_object().if_contains(field); v && v->is_string()) {
        pseudonyms.emplace_back(v->as_string());
      }
    }
  }
  ASSERT_EQ(pseudonyms.size(), 2u) << exported.body;
  EXPECT_EQ(pseudonyms[0], pseudonyms[1]);
  EXPECT_NE(pseudonyms[0].find('@'), std::string::npos) << "still shaped like an email";
  EXPECT_EQ(test_support::ReadFile(work.path() / "data" / "gostly.db").find(email),
            std::string::npos);
}

}  // namespace
}  // namespace gostly::integration
