#include "proxy/route_table.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace gostly::proxy {
namespace {

RouteTable MakeTable(std::string_view doc) {
  auto routes = RouteTable::ParseRoutes(boost::json::parse(doc));
  EXPECT_TRUE(routes.ok()) << (routes.ok() ? "" : routes.error());
  Route def;
  def.upstream = UpstreamUrl::Parse("http://127.0.0.1:1").value();
  return RouteTable(routes.ok() ? routes.value() : std::vector<Route>{}, def);
}

TEST(UpstreamUrl, DefaultsPortsAndHostHeader) {
  auto a = UpstreamUrl::Parse("https://api.example.com/base/");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->port, "443");
  EXPECT_EQ(a->host_header, "api.example.com");
  EXPECT_EQ(a->base_path, "/base");
  auto b = UpstreamUrl::Parse("http://127.0.0.1:9000");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host_header, "127.0.0.1:9000");
  EXPECT_FALSE(UpstreamUrl::Parse("ftp://x").ok());
  EXPECT_FALSE(UpstreamUrl::Parse("not a url").ok());
}

TEST(RouteTable, HostRulesWinThenLongestPrefixThenDefault) {
  auto t = MakeTable(R"([
    {"service":"a","path_prefix":"/a","upstream":"http://127.0.0.1:1"},
    {"service":"ab","path_prefix":"/a/b","upstream":"http://127.0.0.1:2"},
    {"service":"h","host":"API.example.com","upstream":"http://127.0.0.1:3"}])");
  EXPECT_EQ(t.Resolve("api.example.com:8080", "/a/b/c").route->service, "h");
  EXPECT_EQ(t.Resolve("other", "/a/b/c").route->service, "ab");
  EXPECT_EQ(t.Resolve("other", "/a/x").route->service, "a");
  EXPECT_EQ(t.Resolve("other", "/ab").route->service, "default");
  EXPECT_EQ(t.Resolve("other", "/zzz").route->service, "default");
}

TEST(RouteTable, PrefixIsStrippedOnASegmentBoundary) {
  auto t = MakeTable(R"([{"service":"a","path_prefix":"/a/","upstream":"http://127.0.0.1:1"}])");
  EXPECT_EQ(t.Resolve("", "/a/users/1").target, "/users/1");
  EXPECT_EQ(t.Resolve("", "/a").target, "/");
  auto q = t.Resolve("", "/a?x=1");
  EXPECT_TRUE(q.needs_leading_slash);
  EXPECT_EQ(q.target, "?x=1");
}

TEST(RouteTable, InvalidRoutesAreRejectedWithTheirIndex) {
  auto bad = RouteTable::ParseRoutes(boost::json::parse(
      R"([{"service":"a","path_prefix":"/a","upstream":"http://x"},{"service":"b"}])"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("routes[1]"), std::string::npos);
  EXPECT_FALSE(RouteTable::ParseRoutes(boost::json::parse(
                   R"([{"service":"a","path_prefix":"/a","mode":"transitioning",
                        "upstream":"http://x"}])"))
                   .ok());
  EXPECT_FALSE(RouteTable::ParseRoutes(boost::json::parse(
                   R"([{"service":"a","path_prefix":"/a"}])"))
                   .ok());
}

TEST(RouteTable, RoundTripsThroughJson) {
  auto t = MakeTable(R"({"routes":[{"service":"a","path_prefix":"/a","mode":"mock",
      "repeat_policy":"cycle","redact_headers":["X-Internal"]}]})");
  auto again = RouteTable::ParseRoutes(t.ToJson());
  ASSERT_TRUE(again.ok()) << again.error();
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].repeat_policy, library::RepeatPolicy::kCycle);
  EXPECT_EQ((*again)[0].redact_headers[0], "x-internal");
}

TEST(ServiceId, IsSafeAsAFileName) {
  EXPECT_EQ(SanitizeServiceId("../../etc/passwd"), ".._.._etc_passwd");
  EXPECT_EQ(SanitizeServiceId(".."), "default");
  EXPECT_EQ(SanitizeServiceId("stripe-v1"), "stripe-v1");
}

}  // namespace
}  // namespace gostly::proxy
