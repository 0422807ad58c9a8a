// Hostile and malformed clients: each is answered (or cut off) without harming the process
// or the library. Every test ends by checking the proxy is healthy and the library intact.
#include "harness.hpp"

namespace gostly::integration {
namespace {

constexpr std::string_view kSeed =
    R"({"method":"GET","uri":"/seeded","status":200,)"
    R"("response_headers":{"content-type":"application/json"},)"
    R"("response_body":{"seeded":true},"response_body_encoding":"json"})";

class BadInput : public ::testing::Test {
 protected:
  static constexpr std::string_view kListing = "/ghost/mocks?offset=0&limit=1000";

  void SetUp() override {
    ASSERT_PROXY_STARTS(proxy_);
    const auto seeded = proxy_.Send("POST", "/ghost/mocks", kSeed);
    ASSERT_EQ(seeded.status, 201) << Describe(seeded);
    ASSERT_TRUE(PollUntil([&] { return !test_support::ReadFile(library()).empty(); }, 5s))
        << "POST /ghost/mocks did not reach " << library().string();
    library_before_ = test_support::ReadFile(library());
    mocks_before_ = proxy_.Get(kListing).body;
  }

  void TearDown() override {
    if (!proxy_.Running()) {
      ADD_FAILURE() << "the proxy died:\n" << proxy_.Log();
      return;
    }
    const auto health = proxy_.Get("/health");
    EXPECT_EQ(health.status, 200) << Describe(health);
    EXPECT_EQ(test_support::ReadFile(library()), library_before_) << "the library file changed";
    EXPECT_EQ(proxy_.Get(kListing).body, mocks_before_) << "the served library changed";
    const auto seeded = proxy_.Get("/seeded");
    EXPECT_EQ(seeded.status, 200) << Describe(seeded);
    EXPECT_EQ(seeded.Header("X-Ghost-Mock"), "true") << Describe(seeded);
  }

  fs::path library() const { return work_ / "data" / "mocks" / "default.jsonl"; }

  TempDir work_{"gostly-it-badinput"};
  ProxyProcess proxy_{work_.path(),
                      {.data_dir = work_ / "data",
                       .env = {{"INITIAL_MODE", "mock"},
                               {"MAX_BODY_BYTES", "1000"},
                               {"HEADER_TIMEOUT_MS", "500"}}}};
  std::string library_before_;
  std::string mocks_before_;
};

TEST_F(BadInput, GarbageRequestLineAnswers400AndCloses) {
  const auto result = test_support::RawExchange(proxy_.port(), "GARBAGE\r\n\r\n", 5s);
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_EQ(RawStatus(result.received), 400) << result.received;
  EXPECT_TRUE(result.peer_closed) << "the connection must be closed after a 400";
  EXPECT_NE(ToLower(result.received).find("application/json"), std::string::npos)
      << result.received;
}

TEST_F(BadInput, OversizedHeaderAnswers431) {
  const std::string raw = "GET /seeded HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                          std::string(20 * 1024, 'a') + "\r\n\r\n";
  const auto result = test_support::RawExchange(proxy_.port(), raw, 5s);
  EXPECT_EQ(RawStatus(result.received), 431) << result.received.substr(0, 300) << result.error;
  EXPECT_TRUE(result.peer_closed);
}

TEST_F(BadInput, OversizedBodyAnswers413BeforeTheBodyIsSent) {
  const std::string head =
      "POST /seeded HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 5000000\r\n\r\n";
  const auto result = test_support::RawExchange(proxy_.port(), head, 5s);
  EXPECT_EQ(RawStatus(result.received), 413)
      << "answered without waiting for the body: '" << result.received << "' " << result.error;
  EXPECT_TRUE(result.peer_closed);

  const auto small = proxy_.Send("POST", "/not-recorded", std::string(900, ' ') + "{}");
  EXPECT_NE(small.status, 413) << "900 bytes are under MAX_BODY_BYTES=1000: " << Describe(small);
}

TEST_F(BadInput, SlowlorisIsDisconnectedAfterTheHeaderTimeout) {
  const std::string head =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(64, 's') + "\r\n\r\n";
  // One byte per 200 ms: the full head would take > 17 s; HEADER_TIMEOUT_MS is 500.
  const auto result = test_support::SlowSend(proxy_.port(), head, 200ms, 8s);
  EXPECT_TRUE(result.peer_closed) << "still connected after " << result.elapsed.count()
                                  << " ms, " << result.bytes_sent << " bytes sent";
  EXPECT_LT(result.elapsed, 4s) << result.bytes_sent << " bytes sent";
  EXPECT_LT(result.bytes_sent, head.size());
  EXPECT_EQ(RawStatus(result.received), 408) << result.received;
}

TEST_F(BadInput, AllOfItInARowLeavesTheProxyServing) {
  test_support::RawExchange(proxy_.port(), "GARBAGE\r\n\r\n", 2s);
  test_support::RawExchange(proxy_.port(),
                            "GET / HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'b') + "\r\n\r\n",
                            2s);
  test_support::RawExchange(proxy_.port(),
                            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000000\r\n\r\n", 2s);
  test_support::RawExchange(proxy_.port(), "GET /seeded HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n",
                            2s);
  test_support::RawExchange(proxy_.port(), std::string("\0\x01\x02\xff\r\n\r\n", 8), 2s);
  test_support::RawExchange(proxy_.port(), "GET /seeded HTTP/1.1\r\nHost: h\r\n", 1s);
  test_support::SlowSend(proxy_.port(), "GET /seeded HTTP/1.1\r\nHost: h\r\n", 200ms, 3s);
}

}  // namespace
}  // namespace gostly::integration
