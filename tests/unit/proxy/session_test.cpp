#include <gtest/gtest.h>

#include "test_env.hpp"

namespace gostly::proxy::testing {
namespace {

const std::string kLibrary =
    R"({"method":"GET","uri":"/api/users/42?a=1&b=2","status":200,)"
    R"("response_headers":{"Content-Type":"application/json"},)"
    R"("response_body":{"id":42,"name":"Ada"},"response_body_encoding":"json"})"
    "\n"
    R"({"method":"POST","uri":"/api/orders","request_body":{"qty":2,"sku":"a"},)"
    R"("request_body_encoding":"json","status":201,"response_body":"created"})"
    "\n";

TEST(MockCascade, ExactHitCarriesMarkerAndRecordedBody) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Get("/api/users/42?a=1&b=2"));
  EXPECT_EQ(StatusOf(out), 200);
  EXPECT_NE(out.find("X-Ghost-Mock: true\r\n"), std::string::npos);
  EXPECT_EQ(BodyOf(out), R"({"id":42,"name":"Ada"})");
}

TEST(MockCascade, QueryOrderDoesNotMatter) {
  ProxyHarness h(kLibrary);
  EXPECT_NE(h.Serve(Get("/api/users/42?b=2&a=1")).find("X-Ghost-Mock: true"), std::string::npos);
}

TEST(MockCascade, JsonBodyKeyOrderAndWhitespaceDoNotMatter) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Post("/api/orders", "{ \"sku\" : \"a\",\n \"qty\": 2 }"));
  EXPECT_EQ(StatusOf(out), 201);
  EXPECT_EQ(BodyOf(out), "created");
}

TEST(MockCascade, UnrecordedIdAnswersThroughSmartSwap) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Get("/api/users/77"));
  EXPECT_EQ(StatusOf(out), 200);
  EXPECT_NE(out.find("X-Ghost-SwapMatch: true"), std::string::npos);
  EXPECT_EQ(BodyOf(out), R"({"id":77,"name":"Ada"})");
}

TEST(MockCascade, MissAnswers404NamingTheRouteAndIsCounted) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Get("/nothing/here"));
  EXPECT_EQ(StatusOf(out), 404);
  EXPECT_NE(out.find("X-Ghost-Miss: true"), std::string::npos);
  EXPECT_NE(BodyOf(out).find("/nothing/here"), std::string::npos);
  h.Serve(Get("/nothing/here"));
  auto top = h.state().unmatched().Top(10);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].count, 2u);
  EXPECT_EQ(top[0].target, "/nothing/here");
}

TEST(MockCascade, MissAnswerIsConfigurable) {
  ProxyHarness h(kLibrary);
  h.state().SetMissConfig(MissConfig{418, R"({"teapot":true})"});
  std::string out = h.Serve(Get("/nothing"));
  EXPECT_EQ(StatusOf(out), 418);
  EXPECT_EQ(BodyOf(out), R"({"teapot":true})");
}

TEST(MockCascade, HeadGetsHeadersWithoutBody) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve("HEAD /api/users/42?a=1&b=2 HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(StatusOf(out), 200);
  EXPECT_EQ(BodyOf(out), "");
}

TEST(Session, PipelinedRequestsAreAllAnswered) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Get("/api/users/42?a=1&b=2") + Get("/nothing") + Get("/health"));
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos);
  EXPECT_NE(out.find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(out.find("\"status\":\"ok\""), std::string::npos);
}

TEST(Session, MalformedRequestLineGets400AndClose) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve("GARBAGE\r\n\r\n" + Get("/health"));
  EXPECT_EQ(StatusOf(out), 400);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  // Nothing after the bad request is processed on that connection.
  EXPECT_EQ(out.find("\"status\":\"ok\""), std::string::npos);
}

TEST(Session, OversizedHeadersGet431) {
  ProxyHarness h(kLibrary);
  std::string big = "X-Big: " + std::string(8000, 'a') + "\r\n";
  EXPECT_EQ(StatusOf(h.Serve(Get("/health", big))), 431);
}

TEST(Session, BodyOverLimitGets413FromContentLengthAlone) {
  ProxyHarness h(kLibrary);
  // Only the headers are sent: the answer must not wait for the announced body.
  std::string out =
      h.Serve("POST /api/orders HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\n");
  EXPECT_EQ(StatusOf(out), 413);
}

TEST(Session, ChunkedBodyOverLimitGets413) {
  ProxyHarness h(kLibrary);
  std::string chunk(900, 'x');
  std::string req = "POST /api/orders HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) req += "384\r\n" + chunk + "\r\n";
  req += "0\r\n\r\n";
  EXPECT_EQ(StatusOf(h.Serve(req)), 413);
}

TEST(Session, BadInputLeavesLibraryUntouched) {
  ProxyHarness h(kLibrary);
  auto before = h.state().CurrentView();
  h.Serve("\x16\x03\x01\x02garbage");
  h.Serve("GET / HTTP/9.9\r\n\r\n");
  EXPECT_EQ((*h.state().CurrentView())->snapshot->key_count(), (*before)->snapshot->key_count());
  EXPECT_EQ(StatusOf(h.Serve(Get("/api/users/42?a=1&b=2"))), 200);
}

TEST(Modes, TransitioningAnswers503WithRetryAfter) {
  ProxyHarness h(kLibrary);
  h.state().mode().Set(Mode::kTransitioning);
  std::string out = h.Serve(Get("/api/users/42?a=1&b=2"));
  EXPECT_EQ(StatusOf(out), 503);
  EXPECT_NE(out.find("Retry-After: 5"), std::string::npos);
  EXPECT_NE(out.find("X-Ghost-Transitioning: true"), std::string::npos);
}

TEST(Admin, ApiKeyIsRequiredForGhostEndpointsOnly) {
  ProxyHarness h(kLibrary, Mode::kMock, "k1");
  EXPECT_EQ(StatusOf(h.Serve(Get("/ghost/mocks"))), 401);
  EXPECT_EQ(StatusOf(h.Serve(Get("/ghost/mocks", "X-API-Key: nope\r\n"))), 401);
  EXPECT_EQ(StatusOf(h.Serve(Get("/ghost/mocks", "X-API-Key: k1\r\n"))), 200);
  EXPECT_EQ(StatusOf(h.Serve(Get("/health"))), 200);
}

TEST(Admin, PostedMockIsServedAtOnceAndPersisted) {
  ProxyHarness h(kLibrary);
  std::string body =
      R"({"method":"GET","uri":"/added","status":202,"response_body":{"ok":true},)"
      R"("response_headers":{"Set-Cookie":"sid=secret-value"}})";
  std::string out = h.Serve(Post("/ghost/mocks", body));
  ASSERT_EQ(StatusOf(out), 201) << out;
  std::string hit = h.Serve(Get("/added"));
  EXPECT_EQ(StatusOf(hit), 202);
  EXPECT_EQ(BodyOf(hit), R"({"ok":true})");
  std::ifstream in(h.dir() / "mocks" / "default.jsonl");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(content.find("/added"), std::string::npos);
  EXPECT_EQ(content.find("secret-value"), std::string::npos);
}

TEST(Admin, MetricsListEveryMatchTypeFromTheStart) {
  ProxyHarness h(kLibrary);
  std::string out = h.Serve(Get("/metrics"));
  for (const char* type : {"session_verbatim", "exact", "resource_store", "smart_swap",
                           "generated_cached", "miss", "learn", "passthrough", "transitioning",
                           "chaos"}) {
    EXPECT_NE(out.find(std::string("ghost_requests_total{match_type=\"") + type + "\"}"),
              std::string::npos)
        << type;
  }
  EXPECT_NE(out.find("ghost_mock_library_size 2"), std::string::npos);
  EXPECT_NE(out.find("ghost_io_errors_total{operation=\"capture_write\"}"), std::string::npos);
  EXPECT_NE(out.find("gostly_tls_listener_state{state=\"disabled\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace gostly::proxy::testing

namespace gostly::proxy::testing {
namespace {

TEST(Admin, FilteredListingIsStableAcrossCalls) {
  ProxyHarness h(kLibrary);
  for (int i = 0; i < 3; ++i) {
    std::string out = h.Serve(Get("/ghost/mocks?service=default"));
    EXPECT_NE(BodyOf(out).find("\"total\":2"), std::string::npos) << i << ": " << out;
    EXPECT_NE(BodyOf(h.Serve(Get("/ghost/mocks?service=nope"))).find("\"total\":0"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace gostly::proxy::testing
