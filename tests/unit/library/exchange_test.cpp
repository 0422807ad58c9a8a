#include "library/exchange.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <string>

namespace gostly::library {
namespace {

Exchange SampleExchange() {
  Exchange ex;
  ex.timestamp = "2024-05-01T12:00:00.123Z";
  ex.service = "payments";
  ex.method = "POST";
  ex.uri = "/v1/charges?expand=customer";
  ex.request_headers = {{"Content-Type", "application/json"}, {"Accept", "*/*"}};
  ex.request_body = R"({"amount":100,"currency":"usd"})";
  ex.status = 201;
  ex.response_headers = {
      {"Content-Type", "application/json"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  ex.response_body = R"({"id":"ch_3Nx8aQ1","status":"succeeded"})";
  ex.latency_ms = 12.5;
  ex.recording_session_id = "learn-1";
  return ex;
}

void ExpectSame(const Exchange& a, const Exchange& b) {
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.service, b.service);
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.uri, b.uri);
  EXPECT_EQ(a.request_headers, b.request_headers);
  EXPECT_EQ(a.request_body, b.request_body);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.response_headers, b.response_headers);
  EXPECT_EQ(a.response_body, b.response_body);
  EXPECT_DOUBLE_EQ(a.latency_ms, b.latency_ms);
  EXPECT_EQ(a.recording_session_id, b.recording_session_id);
}

boost::json::object ParseObject(const std::string& line) {
  return boost::json::parse(line).as_object();
}

TEST(ExchangeLine, RoundTripsJsonBodiesAndRepeatedHeaders) {
  Exchange ex = SampleExchange();
  std::string line = EncodeExchangeLine(ex);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one record is exactly one line";

  auto decoded = DecodeExchangeLine(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  ExpectSame(*decoded, ex);

  boost::json::object record = ParseObject(line);
  EXPECT_EQ(record.at("response_body_encoding").as_string(), "json");
  EXPECT_TRUE(record.at("response_body").is_object()) << "JSON bodies are embedded as JSON";
  EXPECT_TRUE(record.at("response_headers").at("Set-Cookie").is_array());
}

TEST(ExchangeLine, RoundTripsBinaryBodiesAsBase64) {
  Exchange ex = SampleExchange();
  ex.response_body = std::string("\x89PNG\r\n\x1a\n\0\0\xff\xfe", 12);
  ex.request_body = std::string("\0\x01\x02", 3);
  std::string line = EncodeExchangeLine(ex);
  auto decoded = DecodeExchangeLine(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  ExpectSame(*decoded, ex);
  EXPECT_EQ(ParseObject(line).at("response_body_encoding").as_string(), "base64");
}

TEST(ExchangeLine, RoundTripsTextAndEmptyBodies) {
  Exchange ex = SampleExchange();
  ex.request_body.clear();
  ex.response_body = "hello, wörld\nline two\t\"quoted\"";
  std::string line = EncodeExchangeLine(ex);
  auto decoded = DecodeExchangeLine(line);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  ExpectSame(*decoded, ex);
  EXPECT_EQ(ParseObject(line).at("response_body_encoding").as_string(), "text");
}

TEST(ExchangeLine, JsonWithDifferentSpacingIsKeptByteForByte) {
  Exchange ex = SampleExchange();
  ex.response_body = "{ \"a\" : 1 }";
  auto decoded = DecodeExchangeLine(EncodeExchangeLine(ex));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->response_body, ex.response_body);
}

TEST(ExchangeLine, NonFiniteLatencyStillWritesValidJson) {
  Exchange ex = SampleExchange();
  ex.latency_ms = std::numeric_limits<double>::quiet_NaN();
  auto decoded = DecodeExchangeLine(EncodeExchangeLine(ex));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->latency_ms, 0);
}

TEST(ExchangeLine, LatencyIsWrittenAsAJsonNumberThatReadsBackTheSame) {
  const struct {
    double latency;
    std::string_view written;  // the latency_ms value as it appears in the line
  } cases[] = {
      {12.0, "12"},
      {0.873412, "0.873412"},
      {1234.5678901, "1234.5678901"},
      {1.5e-7, "1.5e-07"},
      {1e300, "1e+300"},
      {-3.0, "0"},
      {std::numeric_limits<double>::infinity(), "0"},
  };
  for (const auto& c : cases) {
    Exchange ex = SampleExchange();
    ex.latency_ms = c.latency;
    const std::string line = EncodeExchangeLine(ex);
    EXPECT_NE(line.find(std::string("\"latency_ms\":") + std::string(c.written) + ","),
              std::string::npos)
        << line;
    auto decoded = DecodeExchangeLine(line);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded->latency_ms, c.latency >= 0 && std::isfinite(c.latency) ? c.latency : 0)
        << c.written;
  }
}

TEST(ExchangeLine, TrailingNewlineIsOptional) {
  std::string line = EncodeExchangeLine(SampleExchange());
  line.pop_back();
  EXPECT_TRUE(DecodeExchangeLine(line).ok());
  EXPECT_TRUE(DecodeExchangeLine(line + "\r\n").ok());
}

TEST(ExchangeLine, MethodIsUpperCased) {
  auto decoded = DecodeExchangeLine(R"({"method":"get","uri":"/a","status":200})");
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->method, "GET");
}

TEST(ExchangeLine, OptionalFieldsMayBeMissing) {
  auto decoded = DecodeExchangeLine(R"({"method":"GET","uri":"/health","status":204})");
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->uri, "/health");
  EXPECT_EQ(decoded->status, 204);
  EXPECT_TRUE(decoded->service.empty());
  EXPECT_TRUE(decoded->timestamp.empty());
  EXPECT_TRUE(decoded->request_headers.empty());
  EXPECT_TRUE(decoded->response_body.empty());
  EXPECT_EQ(decoded->latency_ms, 0);
  EXPECT_TRUE(decoded->recording_session_id.empty());
}

TEST(ExchangeLine, UndeclaredEmbeddedJsonBodyIsAccepted) {
  auto decoded =
      DecodeExchangeLine(R"({"method":"GET","uri":"/a","status":200,"response_body":{"x":1}})");
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->response_body, R"({"x":1})");
}

struct BadLine {
  const char* line;
  const char* expected_fragment;
};

class ExchangeLineErrors : public ::testing::TestWithParam<BadLine> {};

TEST_P(ExchangeLineErrors, NameTheOffendingField) {
  auto decoded = DecodeExchangeLine(GetParam().line);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().find(GetParam().expected_fragment), std::string::npos)
      << "error was: " << decoded.error();
}

INSTANTIATE_TEST_SUITE_P(
    ExchangeLine, ExchangeLineErrors,
    ::testing::Values(
        BadLine{R"({"method":"GET","uri":"/a","status":"200"})", "status is not an integer"},
        BadLine{R"({"method":"GET","uri":"/a"})", "status is missing"},
        BadLine{R"({"method":"GET","uri":"/a","status":42})", "status 42 is out of range"},
        BadLine{R"({"method":"GET","uri":"/a","status":18446744073709551615})", "out of range"},
        BadLine{R"({"uri":"/a","status":200})", "method is missing"},
        BadLine{R"({"method":7,"uri":"/a","status":200})", "method is not a string"},
        BadLine{R"({"method":"GET","status":200})", "uri is missing"},
        BadLine{R"({"method":"GET","uri":"","status":200})", "uri is empty"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"service":1})",
                "service is not a string"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"timestamp":[]})",
                "timestamp is not a string"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"latency_ms":"fast"})",
                "latency_ms is not a number"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"request_headers":[1]})",
                "request_headers"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"response_headers":{"A":1}})",
                "response_headers"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"response_body":"!!",)"
                R"("response_body_encoding":"base64"})",
                "response_body"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"request_body":"x",)"
                R"("request_body_encoding":"rot13"})",
                "request_body_encoding"},
        BadLine{R"({"method":"GET","uri":"/a","status":200,"recording_session_id":false})",
                "recording_session_id is not a string"},
        BadLine{R"([1,2,3])", "not a JSON object"},
        BadLine{R"({"method":"GET","uri":"/a","status":2)", "invalid JSON"},
        BadLine{"", "invalid JSON"}));

TEST(ExchangeView, EncodesExactlyAsTheOwningRecord) {
  Exchange ex;
  ex.timestamp = "2026-11-22T10:00:00.000Z";
  ex.service = "svc";
  ex.method = "POST";
  ex.uri = "/a?b=1";
  ex.request_headers = {{"Accept", "x"}, {"Set-Cookie", "a"}, {"Host", "h"}, {"Set-Cookie", "b"}};
  ex.request_body = R"({"k":[1,2]})";
  ex.status = 201;
  for (int i = 0; i < 70; ++i) {  // more headers than the encoder's 64-bit fast path
    ex.response_headers.emplace_back("X-H" + std::to_string(i % 30), std::to_string(i));
  }
  ex.response_body = std::string("\x00\xff binary", 9);
  ex.latency_ms = 12.5;
  ex.recording_session_id = "s";
  std::vector<HeaderView> req;
  for (const auto& [n, v] : ex.request_headers) req.push_back({n, v});
  std::vector<HeaderView> resp;
  for (const auto& [n, v] : ex.response_headers) resp.push_back({n, v});
  ExchangeView view;
  view.timestamp = ex.timestamp;
  view.service = ex.service;
  view.method = ex.method;
  view.uri = ex.uri;
  view.request_headers = req;
  view.request_body = ex.request_body;
  view.status = ex.status;
  view.response_headers = resp;
  view.response_body = ex.response_body;
  view.latency_ms = ex.latency_ms;
  view.recording_session_id = ex.recording_session_id;
  const std::string line = EncodeExchangeLine(view);
  EXPECT_EQ(line, EncodeExchangeLine(ex));
  auto back = DecodeExchangeLine(line);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->response_headers.size(), ex.response_headers.size());
  EXPECT_EQ(back->response_body, ex.response_body);
}

}  // namespace
}  // namespace gostly::library
