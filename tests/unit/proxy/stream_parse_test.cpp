// ParseBuffered and AfterRead: parsing what is already buffered without I/O, and what a
// read's result means for a parse (the session and the forwarder use them directly, and
// ParseFromStream loops over them).
#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstring>
#include <string>
#include <string_view>

#include "proxy/stream_parse.hpp"

namespace gostly::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using RequestParser = http::request_parser<http::string_body>;

// Appends `bytes` to `buffer` as a read would.
void Arrive(beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

// A stream whose deadline has or has not passed, as far as StreamExpired can tell.
struct FakeStream {
  bool gone = false;
  bool expired() const { return gone; }
};

TEST(ParseBufferedTest, WholeHeaderIsParsedAtOnce) {
  beast::flat_buffer buffer;
  Arrive(buffer, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b");
  RequestParser parser;
  auto outcome = ParseBuffered(buffer, parser, true);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(*outcome);
  EXPECT_EQ(parser.get().target(), "/a");
  // The next (pipelined) request's bytes stay buffered for it.
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "GET /b");
}

TEST(ParseBufferedTest, PartialHeaderNeedsMoreAndKeepsItsBytes) {
  beast::flat_buffer buffer;
  Arrive(buffer, "GET /a HTTP/1.1\r\nHo");
  RequestParser parser;
  EXPECT_FALSE(ParseBuffered(buffer, parser, true).has_value());
  Arrive(buffer, "st: h\r\n\r\n");
  auto outcome = ParseBuffered(buffer, parser, true);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(*outcome);
  EXPECT_EQ(parser.get()[http::field::host], "h");
}

TEST(ParseBufferedTest, EmptyBufferNeedsMore) {
  beast::flat_buffer buffer;
  RequestParser parser;
  EXPECT_FALSE(ParseBuffered(buffer, parser, true).has_value());
}

TEST(ParseBufferedTest, HeaderOnlyStopsBeforeTheBodyWholeMessageReadsIt) {
  beast::flat_buffer buffer;
  Arrive(buffer, "POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel");
  RequestParser parser;
  auto header = ParseBuffered(buffer, parser, true);
  ASSERT_TRUE(header.has_value());
  EXPECT_FALSE(*header);
  EXPECT_FALSE(parser.is_done());
  parser.eager(true);
  EXPECT_FALSE(ParseBuffered(buffer, parser, false).has_value()) << "two body bytes missing";
  Arrive(buffer, "lo");
  auto whole = ParseBuffered(buffer, parser, false);
  ASSERT_TRUE(whole.has_value());
  EXPECT_FALSE(*whole);
  EXPECT_EQ(parser.get().body(), "hello");
}

TEST(ParseBufferedTest, MalformedInputIsAnError) {
  beast::flat_buffer buffer;
  Arrive(buffer, "GET /a HTTP/1.1\r\nBad Header\r\n\r\n");
  RequestParser parser;
  auto outcome = ParseBuffered(buffer, parser, true);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(*outcome);
  EXPECT_NE(*outcome, http::error::need_more);
}

TEST(ParseBufferedTest, OversizedHeaderIsTheHeaderLimit) {
  beast::flat_buffer buffer;
  Arrive(buffer, "GET /a HTTP/1.1\r\nX-Long: " + std::string(200, 'x') + "\r\n\r\n");
  RequestParser parser;
  parser.header_limit(64);
  auto outcome = ParseBuffered(buffer, parser, true);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, http::error::header_limit);
}

TEST(AfterReadTest, ReadBytesAreCommittedAndParsingGoesOn) {
  beast::flat_buffer buffer;
  RequestParser parser;
  const std::string_view bytes = "GET / HTTP/1.1\r\n";
  auto space = buffer.prepare(64);
  std::memcpy(space.data(), bytes.data(), bytes.size());
  EXPECT_FALSE(AfterRead(FakeStream{}, buffer, parser, true, {}, bytes.size()).has_value());
  EXPECT_EQ(buffer.size(), bytes.size());
}

TEST(AfterReadTest, EndOfStreamBeforeAnyByteIsEndOfStream) {
  beast::flat_buffer buffer;
  RequestParser parser;
  auto outcome = AfterRead(FakeStream{}, buffer, parser, true, asio::error::eof, 0);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, http::error::end_of_stream);
}

TEST(AfterReadTest, EndOfStreamInsideAMessageIsAPartialMessage) {
  beast::flat_buffer buffer;
  Arrive(buffer, "GET / HTTP/1.1\r\nHo");
  RequestParser parser;
  ASSERT_FALSE(ParseBuffered(buffer, parser, true).has_value());
  auto outcome = AfterRead(FakeStream{}, buffer, parser, true, asio::error::eof, 0);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, http::error::partial_message);
}

TEST(AfterReadTest, EndOfStreamEndsABodyDelimitedByIt) {
  // An upstream answer without Content-Length or chunking ends with the connection.
  beast::flat_buffer buffer;
  Arrive(buffer, "HTTP/1.1 200 OK\r\n\r\nall of it");
  http::response_parser<http::string_body> parser;
  parser.eager(true);
  ASSERT_FALSE(ParseBuffered(buffer, parser, false).has_value());
  auto outcome = AfterRead(FakeStream{}, buffer, parser, false, asio::error::eof, 0);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(*outcome);
  EXPECT_EQ(parser.get().body(), "all of it");
}

TEST(AfterReadTest, AnErrorAfterTheDeadlineIsATimeout) {
  beast::flat_buffer buffer;
  RequestParser parser;
  auto expired = AfterRead(FakeStream{true}, buffer, parser, true,
                           asio::error::operation_aborted, 0);
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ(*expired, beast::error::timeout);
  auto aborted = AfterRead(FakeStream{false}, buffer, parser, true,
                           asio::error::operation_aborted, 0);
  ASSERT_TRUE(aborted.has_value());
  EXPECT_EQ(*aborted, asio::error::operation_aborted);
}

}  // namespace
}  // namespace gostly::proxy
