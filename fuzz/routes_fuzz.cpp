// The route table document accepted by POST /ghost/upstreams and the routes file.
#include <boost/json.hpp>
#include <cstdint>
#include <string_view>

#include "proxy/route_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::json::error_code ec;
  auto value = boost::json::parse(
      std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  auto routes = gostly::proxy::RouteTable::ParseRoutes(value);
  if (!routes) return 0;
  gostly::proxy::RouteTable table(std::move(routes).value(), gostly::proxy::Route{});
  table.Resolve("api.example.com:443", "/a/b?c=d");
  boost::json::serialize(table.ToJson());
  return 0;
}
