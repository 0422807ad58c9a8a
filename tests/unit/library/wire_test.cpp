#include "library/wire.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gostly::library {
namespace {

TEST(Wire, SerializesStatusHeadersExtraLinesAndBody) {
  std::string wire = SerializeResponse(200, {{"Content-Type", "application/json"}}, "{}",
                                       "X-Ghost-Mock: true\r\n");
  EXPECT_EQ(wire,
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "X-Ghost-Mock: true\r\n"
            "Content-Length: 2\r\n"
            "\r\n"
            "{}");
}

TEST(Wire, HopByHopAndFramingHeadersAreStripped) {
  common::HeaderList headers = {{"Connection", "keep-alive"},
                                {"keep-alive", "timeout=5"},
                                {"Proxy-Connection", "close"},
                                {"Transfer-Encoding", "chunked"},
                                {"TE", "trailers"},
                                {"Trailer", "Expires"},
                                {"Upgrade", "h2c"},
                                {"content-length", "999"},
                                {"X-Kept", "yes"}};
  std::string wire = SerializeResponse(200, headers, "hello", "");
  EXPECT_EQ(wire,
            "HTTP/1.1 200 OK\r\n"
            "X-Kept: yes\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "hello");
}

TEST(Wire, ContentLengthCountsBytesOfBinaryBodies) {
  std::string body("\0\x01\xff\r\n", 5);
  std::string wire = SerializeResponse(200, {}, body, "");
  EXPECT_NE(wire.find("Content-Length: 5\r\n\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 5), body);
}

TEST(Wire, EmptyBodyHasContentLengthZero) {
  EXPECT_EQ(SerializeResponse(200, {}, "", ""), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(Wire, NoContentAndNotModifiedAndInformationalCarryNoBody) {
  for (int status : {100, 101, 204, 304}) {
    std::string wire = SerializeResponse(status, {{"ETag", "\"x\""}}, "ignored", "");
    EXPECT_EQ(wire.find("Content-Length"), std::string::npos) << status;
    EXPECT_EQ(wire.find("ignored"), std::string::npos) << status;
    EXPECT_TRUE(wire.ends_with("ETag: \"x\"\r\n\r\n")) << status;
  }
  EXPECT_EQ(SerializeResponse(204, {}, "", ""), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(Wire, RepeatedHeadersKeepTheirOrder) {
  std::string wire = SerializeResponse(200, {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}}, "", "");
  EXPECT_NE(wire.find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"), std::string::npos);
}

TEST(Wire, HeadersWithLineBreaksAreDroppedNotInjected) {
  std::string wire = SerializeResponse(
      200, {{"X-Evil", "a\r\nX-Injected: 1"}, {"Bad\nName", "v"}, {"", "v"}, {"X-Ok", "1"}}, "",
      "");
  EXPECT_EQ(wire.find("Injected"), std::string::npos);
  EXPECT_EQ(wire.find("Bad"), std::string::npos);
  EXPECT_NE(wire.find("X-Ok: 1\r\n"), std::string::npos);
}

TEST(Wire, IsHopByHopOrFramingIgnoresCase) {
  EXPECT_TRUE(IsHopByHopOrFraming("CONNECTION"));
  EXPECT_TRUE(IsHopByHopOrFraming("transfer-encoding"));
  EXPECT_TRUE(IsHopByHopOrFraming("Content-Length"));
  EXPECT_TRUE(IsHopByHopOrFraming("te"));
  EXPECT_FALSE(IsHopByHopOrFraming("Content-Type"));
  EXPECT_FALSE(IsHopByHopOrFraming("Tee"));
  EXPECT_FALSE(IsHopByHopOrFraming(""));
}

TEST(Wire, ReasonPhrasesForCommonCodesAndAFallback) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(201), "Created");
  EXPECT_EQ(ReasonPhrase(301), "Moved Permanently");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(429), "Too Many Requests");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
  EXPECT_EQ(SerializeResponse(599, {}, "", "").substr(0, 22), "HTTP/1.1 599 Unknown\r\n");
}

}  // namespace
}  // namespace gostly::library
