#include "common/body_codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace gostly::common {
namespace {

std::string RoundTrip(std::string_view body, std::string* encoding = nullptr) {
  boost::json::object rec;
  EncodeBody(rec, "b", body);
  if (encoding) *encoding = std::string(rec["b_encoding"].as_string());
  auto line = boost::json::serialize(rec);
  auto back = DecodeBody(boost::json::parse(line).as_object(), "b");
  EXPECT_TRUE(back.ok());
  return back.ok() ? back.value() : "";
}

TEST(BodyCodec, CompactJsonIsEmbeddedAndExact) {
  std::string enc;
  EXPECT_EQ(RoundTrip(R"({"a":1,"b":[true,null]})", &enc), R"({"a":1,"b":[true,null]})");
  EXPECT_EQ(enc, "json");
}

TEST(BodyCodec, JsonThatWouldNotReserialiseExactlyIsKeptAsText) {
  std::string enc;
  EXPECT_EQ(RoundTrip("{ \"a\": 1.50 }\n", &enc), "{ \"a\": 1.50 }\n");
  EXPECT_EQ(enc, "text");
}

TEST(BodyCodec, BinaryIsBase64AndExact) {
  std::string bin;
  for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
  std::string enc;
  EXPECT_EQ(RoundTrip(bin, &enc), bin);
  EXPECT_EQ(enc, "base64");
}

TEST(BodyCodec, InvalidUtf8IsNotText) {
  EXPECT_FALSE(IsPrintableUtf8("\xc3\x28"));
  EXPECT_FALSE(IsPrintableUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_TRUE(IsPrintableUtf8("caf\xc3\xa9 \xe2\x9c\x93\n"));
}

TEST(BodyHash, IgnoresKeyOrderAndWhitespace) {
  EXPECT_EQ(BodyHash(R"({"a":1,"b":{"c":2,"d":3}})"), BodyHash("{ \"b\": {\"d\":3, \"c\":2},\n\"a\":1}"));
  EXPECT_NE(BodyHash(R"({"a":1})"), BodyHash(R"({"a":2})"));
  EXPECT_NE(BodyHash("[1,2]"), BodyHash("[2,1]"));
  EXPECT_EQ(BodyHash(""), 0u);
}

TEST(Headers, RepeatedHeadersBecomeArraysAndComeBackInOrder) {
  HeaderList h = {{"Set-Cookie", "a=1"}, {"X", "y"}, {"Set-Cookie", "b=2"}};
  auto back = DecodeHeaders(EncodeHeaders(h));
  ASSERT_TRUE(back.ok());
  HeaderList expected = {{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, {"X", "y"}};
  EXPECT_EQ(back.value(), expected);
}

}  // namespace
}  // namespace gostly::common

namespace gostly::common {
namespace {

TEST(AppendJsonString, EscapesWhatJsonRequiresAndParsesBack) {
  std::string raw = "q\"b\\s\n\r\t\x01\x1f caf\xc3\xa9";
  std::string out;
  AppendJsonString(out, raw);
  auto v = boost::json::parse(out);
  EXPECT_EQ(std::string(v.as_string()), raw);
}

TEST(AppendJsonString, InvalidUtf8IsReadAsLatin1SoTheLineStillParses) {
  std::string out;
  AppendJsonString(out, "na\xefve");
  auto v = boost::json::parse(out);
  EXPECT_EQ(std::string(v.as_string()), "na\xc3\xafve");
}

TEST(IsValidUtf8, ChecksBytesAfterLongAsciiRuns) {
  const std::string ascii(17, 'a');
  EXPECT_TRUE(IsValidUtf8(ascii));
  EXPECT_TRUE(IsValidUtf8(ascii + "\xc3\xa9" + ascii));
  EXPECT_TRUE(IsValidUtf8(ascii + "\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8(ascii + "\xff"));
  EXPECT_FALSE(IsValidUtf8(ascii + "\xc3"));                // truncated at the end
  EXPECT_FALSE(IsValidUtf8(std::string(8, 'b') + "\xc0\xaf"));  // overlong
  EXPECT_FALSE(IsValidUtf8(ascii + "\xed\xa0\x80" + ascii));  // surrogate
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(ClassifyBody, AgreesWithReserialisingTheDocument) {
  const std::vector<std::string> bodies = {
      R"({"a":[1,2]})", R"({"a": 1})", R"([])", R"({})", R"([{},[],[[]]])",
      R"({"a":1,"a":2})", R"({"a":{"a":1},"b":{"a":2}})", R"([{"k":1},{"k":2}])",
      R"({"n":-0})", R"({"n":0})", R"({"n":-12})", R"({"n":1.5})", R"({"n":1.5E0})",
      R"({"n":1e2})", R"({"n":18446744073709551615})", R"({"n":18446744073709551616})",
      R"({"n":9223372036854775807})", R"({"n":-9223372036854775808})", R"({"n":007})",
      R"({"s":"a\/b"})", R"({"s":"a/b"})", R"({"s":"\u0041"})", R"({"s":"\u001f"})",
      R"({"s":"\u001F"})", R"({"s":"\b\t\n\f\r"})", R"({"s":"\"\\"})", R"({"s":"é"})",
      R"({"s":"\u00e9"})", R"({"s":"\ud83d\ude00"})", "{\"s\":\"\xf0\x9f\x98\x80\"}",
      R"({"t":true,"f":false,"z":null})", R"([true ,false])", R"({"a":1}x)", R"({"a":)",
      R"({"a":1} )", "{\"a\":1}\n", R"([1,2,3,])", R"({"\u0061":1,"a":2})",
      R"({"k\n":"v"})", R"([1.0])", R"([100000000000000000000])", R"([-1.5e-7])"};
  for (const auto& body : bodies) {
    EXPECT_EQ(ClassifyBody(body), detail::ClassifyBodyByDom(body)) << body;
  }
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_EQ(ClassifyBody(deep), detail::ClassifyBodyByDom(deep));
}

TEST(ClassifyBody, OnlyExactlyReserialisableJsonIsJson) {
  EXPECT_EQ(ClassifyBody(R"({"a":[1,2]})"), BodyEncoding::kJson);
  EXPECT_EQ(ClassifyBody(R"({"a": 1})"), BodyEncoding::kText);
  EXPECT_EQ(ClassifyBody(std::string("\x00\x01", 2)), BodyEncoding::kBase64);
}

}  // namespace
}  // namespace gostly::common

namespace gostly::common {
namespace {

// Every byte value at every position of a string that straddles the eight-byte word scan:
// the fast path (plain ASCII copied as is) and the escaping path must agree with a parser.
TEST(AppendJsonString, EveryByteAtEveryPositionParsesBack) {
  for (int b = 0; b < 256; ++b) {
    for (std::size_t pos = 0; pos < 19; ++pos) {
      std::string raw(19, 'a');
      raw[pos] = static_cast<char>(b);
      std::string out;
      AppendJsonString(out, raw);
      std::string expected = raw;
      if (b >= 0x80) {  // a lone high byte is not UTF-8: read as the Latin-1 code point
        expected = raw.substr(0, pos) + static_cast<char>(0xc0 | (b >> 6)) +
                   static_cast<char>(0x80 | (b & 0x3f)) + raw.substr(pos + 1);
      }
      boost::json::error_code ec;
      auto v = boost::json::parse(out, ec);
      ASSERT_FALSE(ec) << "byte " << b << " at " << pos << ": " << out;
      EXPECT_EQ(std::string(v.as_string()), expected) << "byte " << b << " at " << pos;
      const bool plain = b >= 0x20 && b < 0x80 && b != '"' && b != '\\';
      if (plain) {
        EXPECT_EQ(out, "\"" + raw + "\"");
      }
    }
  }
}

}  // namespace
}  // namespace gostly::common
