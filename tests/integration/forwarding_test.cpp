// Forwarding in LEARN: upstream faults, TLS verification, byte-exact bodies, hop-by-hop
// headers and Host rewriting.
#include "harness.hpp"

namespace gostly::integration {
namespace {

class Forwarding : public WorkDirTest {};

TEST_F(Forwarding, UnreachableUpstreamAnswers502NamingIt) {
  const auto closed_port = test_support::UnusedLoopbackPort();
  const std::string backend = "http://127.0.0.1:" + std::to_string(closed_port);
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"BACKEND_URL", backend}, {"INITIAL_MODE", "learn"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto response = proxy.Get("/api/items");
  EXPECT_EQ(response.status, 502) << Describe(response);
  const auto body = ParseJson(response.body);
  EXPECT_EQ(StringField(body, "error"), "upstream_unreachable") << response.body;
  EXPECT_NE(StringField(body, "upstream").find("127.0.0.1:" + std::to_string(closed_port)),
            std::string::npos)
      << response.body;
  EXPECT_FALSE(StringField(body, "message").empty()) << response.body;
}

TEST_F(Forwarding, SlowUpstreamAnswers504AfterTheTimeout) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(),
                      .env = {{"BACKEND_URL", upstream.url()}, {"UPSTREAM_TIMEOUT_MS", "300"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto start = std::chrono::steady_clock::now();
  const auto response = proxy.Get("/slow?ms=3000");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(response.status, 504) << Describe(response);
  EXPECT_EQ(StringField(ParseJson(response.body), "error"), "upstream_timeout") << response.body;
  EXPECT_FALSE(StringField(ParseJson(response.body), "upstream").empty()) << response.body;
  EXPECT_LT(took, 2500ms) << "the 504 must come after ~300 ms, not after the upstream answers";

  const auto after = proxy.Get("/slow?ms=10");
  EXPECT_EQ(after.status, 200) << "a fast request still goes through: " << Describe(after);
}

class ForwardingTls : public Forwarding {
 protected:
  void SetUp() override {
    const auto result = test_support::RunCommand(
        "openssl",
        {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-addext",
         "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", (work_ / "k").string(), "-out",
         (work_ / "c").string()},
        work_.path(), 60s);
    ASSERT_EQ(result.exit_status, 0) << "openssl failed: " << result.output;
  }
};

TEST_F(ForwardingTls, SelfSignedUpstreamIsRejectedUnlessInvalidCertsAreAccepted) {
  UpstreamProcess upstream(work_.path(),
                           {.name = "tls", .tls_cert = work_ / "c", .tls_key = work_ / "k"});
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ASSERT_EQ(upstream.url().rfind("https://", 0), 0u);

  {
    ProxyProcess verifying(work_.path(), {.data_dir = work_ / "data-verify",
                                          .env = {{"BACKEND_URL", upstream.url()}}});
    ASSERT_PROXY_STARTS(verifying);
    const auto rejected = verifying.Get("/api/items");
    EXPECT_EQ(rejected.status, 502) << "certificate verification is on by default: "
                                    << Describe(rejected);
    EXPECT_FALSE(StringField(ParseJson(rejected.body), "error").empty()) << rejected.body;
  }
  {
    ProxyProcess trusting(work_.path(),
                          {.data_dir = work_ / "data-trust",
                           .env = {{"BACKEND_URL", upstream.url()},
                                   {"ACCEPT_INVALID_CERTS", "true"}}});
    ASSERT_PROXY_STARTS(trusting);
    const auto accepted = trusting.Get("/api/items");
    EXPECT_EQ(accepted.status, 200) << Describe(accepted);
    EXPECT_EQ(accepted.body, R"({"items":[],"total":0})");
  }
}

TEST_F(Forwarding, EncodedChunkedAndBinaryBodiesPassThroughAndReplayByteForByte) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(),
                     {.data_dir = data_dir(), .env = {{"BACKEND_URL", upstream.url()}}});
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "LEARN");

  const std::vector<std::string> paths = {"/gzip", "/chunked", "/binary"};
  std::vector<HttpResponse> direct;
  for (const auto& path : paths) {
    direct.push_back(test_support::Get(upstream.port(), path));
    ASSERT_EQ(direct.back().status, 200) << path << ": " << Describe(direct.back());
  }
  ASSERT_TRUE(direct[1].chunked) << "the upstream's /chunked must be chunked";
  ASSERT_EQ(direct[2].body.size(), 256u);

  auto expect_same = [&](std::string_view phase, bool expect_mock) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      SCOPED_TRACE(std::string(phase) + " " + paths[i]);
      const auto via = proxy.Get(paths[i]);
      EXPECT_EQ(via.status, 200) << Describe(via);
      EXPECT_TRUE(via.body == direct[i].body)
          << "body differs: " << via.body.size() << " bytes vs " << direct[i].body.size();
      EXPECT_EQ(via.Header("Content-Type"), direct[i].Header("Content-Type"));
      EXPECT_EQ(via.Header("Content-Encoding"), direct[i].Header("Content-Encoding"));
      EXPECT_EQ(via.HasHeader("X-Ghost-Mock"), expect_mock) << Describe(via);
    }
  };
  expect_same("LEARN", false);
  ASSERT_EQ(proxy.SetMode("mock").status, 200);
  upstream.Stop();
  expect_same("MOCK, same process", true);
  EXPECT_EQ(proxy.Stop(), 0) << proxy.Log();
  ASSERT_PROXY_STARTS(proxy);
  ASSERT_EQ(proxy.Mode(), "MOCK");
  expect_same("MOCK, after restart", true);
}

TEST_F(Forwarding, HopByHopHeadersAreDroppedAndHostIsRewritten) {
  UpstreamProcess upstream(work_.path());
  ASSERT_TRUE(upstream.ok()) << upstream.why();
  ProxyProcess proxy(work_.path(), {.data_dir = data_dir(),
                                    .env = {{"BACKEND_URL", upstream.url()},
                                            {"INITIAL_MODE", "passthrough"}}});
  ASSERT_PROXY_STARTS(proxy);

  const auto response =
      proxy.Get("/echo?probe=hop", {{"Connection", "keep-alive, X-Hop"},
                                    {"X-Hop", "1"},
                                    {"Keep-Alive", "timeout=5"},
                                    {"X-Kept", "yes"}});
  ASSERT_EQ(response.status, 200) << Describe(response);
  const auto echo = ParseJson(response.body);
  ASSERT_TRUE(echo.is_object()) << response.body;
  const auto& seen = echo.at("headers").as_object();
  EXPECT_FALSE(seen.contains("x-hop")) << "named in Connection, so hop-by-hop: " << response.body;
  EXPECT_FALSE(seen.contains("keep-alive")) << response.body;
  EXPECT_EQ(StringField(seen, "x-kept"), "yes") << response.body;
  EXPECT_EQ(StringField(seen, "host"), upstream.host_port()) << response.body;
  EXPECT_EQ(StringField(echo, "target"), "/echo?probe=hop") << response.body;
}

}  // namespace
}  // namespace gostly::integration
