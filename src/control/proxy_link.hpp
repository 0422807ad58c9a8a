// The control plane's line to a running proxy, through the proxy's own admin API
// (docs/proxy_contract.md) over HTTP. The same code serves `gostly up` (the proxy in the same
// process, reached on loopback) and a control plane run apart from its proxy (PROXY_URL), so
// there is one way the two talk, and it is the documented one.
//
// Thread-safe: every call is an independent HTTP request.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <string>

#include "common/result.hpp"

namespace gostly::control {

class ProxyLink {
 public:
  // proxy_url: "http://127.0.0.1:8080"; api_key: the proxy's GHOST_API_KEY (may be empty).
  ProxyLink(std::string proxy_url, std::string api_key);

  const std::string& url() const { return url_; }

  // "LEARN", "MOCK", "PASSTHROUGH" or "TRANSITIONING".
  common::Result<std::string> GetMode() const;
  // Returns the previous mode.
  common::Result<std::string> SetMode(const std::string& mode) const;
  // Replaces the proxy's route table ({"routes":[…]}).
  common::Status PushRoutes(const boost::json::value& routes) const;
  // Appends records to the local library (POST /ghost/mocks).
  common::Status AddMocks(const boost::json::array& records) const;
  // Appends tombstones for the given requests (DELETE /ghost/mocks).
  common::Status DeleteMocks(const boost::json::array& requests) const;
  common::Status Reload() const;
  // PUT /ghost/chaos and PUT /ghost/statecharts: one service's chaos rules
  // ({"service", "seed", "rules"}) or statechart overrides ({"service", "statecharts"}).
  common::Status PutChaos(const boost::json::value& config) const;
  common::Status PutStatecharts(const boost::json::value& charts) const;
  // GET /ghost/unmatched?limit=…: items {service, method, uri, count}.
  common::Result<boost::json::array> Unmatched(int limit) const;

 private:
  common::Result<boost::json::value> Call(const std::string& method, const std::string& target,
                                          const std::string& body) const;
  // Call for the endpoints whose answer carries nothing but success.
  common::Status Send(const std::string& method, const std::string& target,
                      const std::string& body) const;

  std::string url_;
  std::string api_key_;
};

}  // namespace gostly::control
