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

constexpr const char* kPayRoute = R"({"routes":[
    {"service":"pay","path_prefix":"/pay","mode":"mock",
     "chaos":{"seed":7,"rules":[{"match":"POST /v1/charges*",
       "errors":{"rate":1,"statuses":[{"status":503,"body":{"e":"down"}}]}}]},
     "statecharts":[{"name":"charge","initial":"pending",
       "transitions":{"pending":{"authorize":"authorized"},"authorized":{"capture":"captured"}}}]},
    {"service":"plain","path_prefix":"/plain","mode":"mock"}]})";

TEST(RouteTable, ChaosAndStatechartsAreReadForTheRoutesService) {
  auto routes = RouteTable::ParseRoutes(boost::json::parse(kPayRoute));
  ASSERT_TRUE(routes.ok()) << routes.error();
  ASSERT_EQ(routes->size(), 2u);
  const Route& pay = (*routes)[0];
  ASSERT_TRUE(pay.chaos.has_value());
  EXPECT_EQ(pay.chaos->service, "pay") << "the route's service, not the default";
  EXPECT_EQ(pay.chaos->seed, 7u);
  ASSERT_EQ(pay.chaos->rules.size(), 1u);
  EXPECT_EQ(pay.chaos->rules[0].method, "POST");
  EXPECT_EQ(pay.chaos->rules[0].error_rate, 1.0);
  ASSERT_EQ(pay.chaos->rules[0].errors.size(), 1u);
  EXPECT_EQ(pay.chaos->rules[0].errors[0].status, 503);
  ASSERT_TRUE(pay.statecharts.has_value());
  ASSERT_EQ(pay.statecharts->size(), 1u);
  EXPECT_EQ((*pay.statecharts)[0].name, "charge");
  EXPECT_EQ((*pay.statecharts)[0].Next("pending", "authorize"), "authorized");
  const Route& plain = (*routes)[1];
  EXPECT_FALSE(plain.chaos.has_value()) << "absent: what /ghost/chaos set stays";
  EXPECT_FALSE(plain.statecharts.has_value());
}

TEST(RouteTable, BadChaosOrStatechartsNameTheRouteAndField) {
  auto check = [](std::string_view extra, std::string_view expected) {
    std::string doc = std::string(R"([{"service":"ok","path_prefix":"/ok","mode":"mock"},)") +
                      R"({"service":"pay","path_prefix":"/pay","mode":"mock",)" +
                      std::string(extra) + "}]";
    auto routes = RouteTable::ParseRoutes(boost::json::parse(doc));
    ASSERT_FALSE(routes.ok()) << doc;
    EXPECT_NE(routes.error().find(expected), std::string::npos) << routes.error();
  };
  check(R"("chaos":{"rules":[{"errors":{"rate":2}}]})",
        "routes[1].chaos.rules[0].errors.rate must be within [0, 1]");
  check(R"("chaos":{"seed":1})", "routes[1].chaos.rules must be an array");
  check(R"("chaos":[])", "routes[1].chaos must be a JSON object");
  check(R"("chaos":{"service":"other","rules":[]})",
        "routes[1].chaos.service must be absent or 'pay'");
  check(R"("chaos":{"rules":[{"latency":{"distribution":"poisson"}}]})",
        "routes[1].chaos.rules[0].latency.distribution");
  check(R"("statecharts":{})", "routes[1].statecharts must be an array");
  check(R"("statecharts":[{"name":"x","transitions":{"a":{"go":"b"}}}])",
        "routes[1].statecharts[0].initial must be a non-empty string");
  check(R"("statecharts":[{"name":"x","initial":"z","transitions":{"a":{"go":"b"}}}])",
        "routes[1].statecharts[0]: the initial state 'z' has no transitions");
  check(R"("statecharts":[{"name":"x","initial":"a","transitions":{"a":{"go":"b"}}},
                          {"name":"x","initial":"a","transitions":{"a":{"go":"c"}}}])",
        "routes[1].statecharts[1].name 'x' is defined twice");
}

TEST(RouteTable, ChaosAndStatechartsRoundTripThroughJson) {
  auto t = MakeTable(kPayRoute);
  const boost::json::value written = t.ToJson();
  const auto& pay = written.at("routes").at(0).as_object();
  ASSERT_TRUE(pay.contains("chaos")) << written;
  EXPECT_EQ(pay.at("chaos").at("seed"), 7) << written;
  EXPECT_EQ(pay.at("statecharts").at(0).at("name"), "charge") << written;
  EXPECT_FALSE(written.at("routes").at(1).as_object().contains("chaos"));
  EXPECT_FALSE(written.at("routes").at(1).as_object().contains("statecharts"));
  auto again = RouteTable::ParseRoutes(written);
  ASSERT_TRUE(again.ok()) << again.error();
  Route def;
  def.upstream = UpstreamUrl::Parse("http://127.0.0.1:1").value();
  EXPECT_EQ(RouteTable(std::move(again).value(), def).ToJson(), written);

  // An explicit clear (no rules, no machines) is kept as such, not dropped.
  auto cleared = MakeTable(R"([{"service":"pay","path_prefix":"/pay","mode":"mock",
                                "chaos":{"rules":[]},"statecharts":[]}])");
  auto reread = RouteTable::ParseRoutes(cleared.ToJson());
  ASSERT_TRUE(reread.ok()) << reread.error();
  ASSERT_TRUE((*reread)[0].chaos.has_value());
  EXPECT_TRUE((*reread)[0].chaos->rules.empty());
  ASSERT_TRUE((*reread)[0].statecharts.has_value());
  EXPECT_TRUE((*reread)[0].statecharts->empty());
}

TEST(ServiceId, IsSafeAsAFileName) {
  EXPECT_EQ(SanitizeServiceId("../../etc/passwd"), ".._.._etc_passwd");
  EXPECT_EQ(SanitizeServiceId(".."), "default");
  EXPECT_EQ(SanitizeServiceId("stripe-v1"), "stripe-v1");
}

}  // namespace
}  // namespace gostly::proxy
