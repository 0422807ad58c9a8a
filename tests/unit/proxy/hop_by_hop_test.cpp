// Which headers the forwarder drops: HopByHopFilter (by field enum) must agree with
// IsHopByHop (by name) on every header, whatever the Connection header lists.
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>

#include <string>
#include <vector>

#include "proxy/hop_by_hop.hpp"

namespace gostly::proxy {
namespace {

namespace http = boost::beast::http;

const std::vector<std::string> kNames = {
    "Connection",   "keep-alive",       "Proxy-Connection",    "Transfer-Encoding",
    "TE",           "Trailer",          "Upgrade",             "Content-Length",
    "Proxy-Authenticate", "Proxy-Authorization", "Content-Type", "Set-Cookie",
    "X-Request-Id", "X-Custom-Hop",     "Date",                "Server",
    "Cache-Control", "Authorization"};

bool Drops(const HopByHopFilter& filter, const std::string& name) {
  return filter.Drops(http::string_to_field(name), name);
}

TEST(HopByHopFilter, AgreesWithTheNameCheckForEveryConnectionHeader) {
  for (const std::string connection :
       {"", "keep-alive", "close", "Keep-Alive, close", "x-custom-hop", "close,\tX-Custom-Hop",
        "keep-alive, set-cookie , date", ",,", " upgrade "}) {
    const HopByHopFilter filter(connection);
    for (const auto& name : kNames) {
      EXPECT_EQ(Drops(filter, name), IsHopByHop(name, connection))
          << name << " with Connection: '" << connection << "'";
    }
  }
}

TEST(HopByHopFilter, DropsTheStandardOnesAndWhatConnectionNames) {
  const HopByHopFilter usual("keep-alive");
  EXPECT_TRUE(Drops(usual, "Transfer-Encoding"));
  EXPECT_TRUE(Drops(usual, "proxy-connection"));
  EXPECT_FALSE(Drops(usual, "Content-Type"));
  EXPECT_FALSE(Drops(usual, "X-Custom-Hop"));

  const HopByHopFilter listing("close,\tX-Custom-Hop");  // optional white space may be a tab
  EXPECT_TRUE(Drops(listing, "x-custom-hop"));
  EXPECT_FALSE(Drops(listing, "X-Request-Id"));
}

}  // namespace
}  // namespace gostly::proxy
