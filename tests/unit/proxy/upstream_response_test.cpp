// UpstreamResponseParser and SerializeForwarded: what an upstream sends, parsed without Beast's
// field container, and what the client then gets.
#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>

#include <string>
#include <string_view>
#include <thread>

#include "proxy/request_handler.hpp"
#include "proxy/upstream_response.hpp"

namespace gostly::proxy {
namespace {

namespace http = boost::beast::http;

// Parses `wire` in pieces of `step` bytes, as reads would deliver it.
struct Parsed {
  boost::system::error_code ec;
  bool done = false;
  UpstreamResponse response;
};
Parsed Parse(std::string_view wire, bool head = false, std::size_t step = 7,
             std::uint64_t body_limit = 1 << 20) {
  UpstreamResponseParser parser;
  parser.eager(true);
  parser.body_limit(body_limit);
  if (head) parser.skip(true);
  Parsed out;
  std::string pending;
  for (std::size_t at = 0; at < wire.size() && !out.ec && !parser.is_done(); at += step) {
    pending.append(wire.substr(at, step));
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec && ec != http::error::need_more) out.ec = ec;
  }
  if (!out.ec && !parser.is_done()) parser.put_eof(out.ec);
  out.done = parser.is_done();
  if (out.done) out.response = parser.release();
  return out;
}

TEST(UpstreamResponse, KeepsFieldsInOrderAndMarksHopByHopOnes) {
  const auto p = Parse(
      "HTTP/1.1 201 Created\r\n"
      "X-Trace: t1\r\n"
      "Content-Type: application/json\r\n"
      "Keep-Alive: timeout=5\r\n"
      "Content-Length: 11\r\n"
      "Connection: keep-alive, X-Trace\r\n"  // names a field that came before it
      "Set-Cookie: a=1\r\n"
      "\r\n"
      "{\"id\":\"c1\"}");
  ASSERT_TRUE(p.done) << p.ec.message();
  const auto& r = p.response;
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.reason(), "Created");
  EXPECT_EQ(r.body, "{\"id\":\"c1\"}");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.content_length(), "11");
  ASSERT_EQ(r.fields.size(), 6u);
  std::string seen;
  for (const auto& f : r.fields) {
    seen += std::string(r.name(f)) + "=" + std::string(r.value(f)) + (f.hop_by_hop ? "!" : "") + ";";
  }
  EXPECT_EQ(seen,
            "X-Trace=t1!;Content-Type=application/json;Keep-Alive=timeout=5!;"
            "Content-Length=11!;Connection=keep-alive, X-Trace!;Set-Cookie=a=1;");

  EXPECT_EQ(SerializeForwarded(r, false, "X-Extra: 1\r\n"),
            "HTTP/1.1 201 Created\r\n"
            "Content-Type: application/json\r\n"
            "Set-Cookie: a=1\r\n"
            "X-Extra: 1\r\n"
            "Content-Length: 11\r\n"
            "\r\n"
            "{\"id\":\"c1\"}");
}

TEST(UpstreamResponse, ChunkedBodyIsJoinedAndReframedWithALength) {
  // Trailer fields are passed on as header fields, except hop-by-hop ones. (A Content-Length
  // among them Beast refuses itself, as it conflicts with the chunked framing.)
  const auto p = Parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
      "X-Checksum: abc\r\nKeep-Alive: timeout=1\r\n\r\n",
      false, 3);
  ASSERT_TRUE(p.done) << p.ec.message();
  EXPECT_EQ(p.response.body, "hello world");
  EXPECT_EQ(SerializeForwarded(p.response, false, {}),
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nX-Checksum: abc\r\n"
            "Content-Length: 11\r\n\r\nhello world");
}

TEST(UpstreamResponse, HeadAnswerKeepsTheUpstreamLengthAndNoBody) {
  const auto p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"v1\"\r\n\r\n", true);
  ASSERT_TRUE(p.done) << p.ec.message();
  EXPECT_EQ(SerializeForwarded(p.response, true, {}),
            "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: 1234\r\n\r\n");
}

TEST(UpstreamResponse, EmptyReasonGetsTheStandardOneAndNoBodyStatusesGetNoLength) {
  const auto p = Parse("HTTP/1.1 204 \r\nX-A: 1\r\n\r\n");
  ASSERT_TRUE(p.done) << p.ec.message();
  EXPECT_EQ(SerializeForwarded(p.response, false, {}), "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
}

TEST(UpstreamResponse, ConnectionSemanticsDecideReuse) {
  EXPECT_FALSE(Parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                   .response.keep_alive);
  EXPECT_FALSE(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").response.keep_alive);
  EXPECT_TRUE(Parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
                  .response.keep_alive);
  // Delimited by the end of the connection: complete at EOF, and never reused.
  const auto until_close = Parse("HTTP/1.1 200 OK\r\n\r\nall of it");
  ASSERT_TRUE(until_close.done) << until_close.ec.message();
  EXPECT_EQ(until_close.response.body, "all of it");
  EXPECT_FALSE(until_close.response.keep_alive);
}

TEST(UpstreamResponse, BodyOverTheLimitIsRefused) {
  const auto p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'),
                       false, 7, 10);
  EXPECT_EQ(p.ec, http::error::body_limit);
  EXPECT_FALSE(p.done);
}

// The recycling pool is per thread: each test runs on a thread of its own, so it starts
// empty.
template <typename F>
void OnFreshThread(F f) {
  std::thread(f).join();
}

TEST(UpstreamResponse, ARecycledAnswerIsEmptyAndTheNextOneReusesItsBuffers) {
  OnFreshThread([] {
    auto first = Parse("HTTP/1.1 201 Created\r\nX-A: 1\r\nX-B: 2\r\nContent-Length: 300\r\n\r\n" +
                       std::string(300, 'a'));
    ASSERT_TRUE(first.done);
    const char* body_buffer = first.response.body.data();
    const char* text_buffer = first.response.text.data();
    Recycle(std::move(first.response));

    const auto second =
        Parse("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno");
    ASSERT_TRUE(second.done);
    EXPECT_EQ(second.response.body.data(), body_buffer);
    EXPECT_EQ(second.response.text.data(), text_buffer);
    // Nothing of the first answer is left in the second.
    EXPECT_EQ(second.response.status, 404);
    EXPECT_EQ(second.response.reason(), "Not Found");
    ASSERT_EQ(second.response.fields.size(), 2u);
    EXPECT_EQ(second.response.name(second.response.fields[0]), "Connection");
    EXPECT_EQ(second.response.body, "no");
    EXPECT_FALSE(second.response.keep_alive);
  });
}

TEST(UpstreamResponse, LargeAnswersAndAnswersBeyondTheBoundAreNotKept) {
  OnFreshThread([] {
    auto large = Parse("HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n" +
                       std::string(70000, 'x'), false, 4096);
    ASSERT_TRUE(large.done);
    Recycle(std::move(large.response));
    EXPECT_EQ(RecycledResponse().body.capacity(), std::string().capacity());

    for (int i = 0; i < 9; ++i) {
      UpstreamResponse r;
      r.body.reserve(1000);
      Recycle(std::move(r));
    }
    for (int i = 0; i < 8; ++i) EXPECT_GE(RecycledResponse().body.capacity(), 1000u) << i;
    EXPECT_EQ(RecycledResponse().body.capacity(), std::string().capacity());
  });
}

}  // namespace
}  // namespace gostly::proxy
