// The route table: which service a request belongs to, where it is forwarded, and the
// per-service overrides (mode, repeat policy, extra redacted headers, chaos, statecharts).
//
// Immutable once built; the proxy publishes a new table atomically on POST /ghost/upstreams.
// Resolution order: host rules (Host header without port, case-insensitive), then the
// longest matching path prefix (on a '/' boundary), then the default route.
#pragma once

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "library/snapshot.hpp"
#include "proxy/mode.hpp"
#include "state/chaos.hpp"
#include "state/statechart.hpp"

namespace gostly::proxy {

struct UpstreamUrl {
  bool tls = false;
  std::string host;         // without brackets
  std::string port;         // always set ("80"/"443" by default)
  std::string host_header;  // "host" or "host:port" when the port is not the default
  std::string base_path;    // "" or "/prefix" without trailing '/'
  std::string text;         // as configured, for messages

  static common::Result<UpstreamUrl> Parse(std::string_view url);
};

struct Route {
  std::string service = "default";
  std::string host;         // host rule (lower-case), or empty
  std::string path_prefix;  // path-prefix rule, or empty
  bool strip_prefix = true;
  std::optional<UpstreamUrl> upstream;  // none: MOCK-only service
  std::optional<Mode> mode;             // overrides the global mode (not TRANSITIONING)
  std::vector<std::string> redact_headers;
  library::RepeatPolicy repeat_policy = library::RepeatPolicy::kSequence;
  // The service's chaos rules and statechart overrides as this route sets them when the table
  // is installed (ProxyState::SetRoutes). Absent: whatever /ghost/chaos and /ghost/statecharts
  // set stays. Empty rules / an empty list: the service has none.
  std::optional<state::ChaosConfig> chaos;  // its service is this route's
  std::optional<std::vector<state::Statechart>> statecharts;
};

struct Resolved {
  const Route* route;
  std::string_view target;  // service-relative target (prefix stripped when configured)
  bool needs_leading_slash;  // target starts with '?': the service-relative one is "/" + target
};

class RouteTable {
 public:
  RouteTable(std::vector<Route> routes, Route default_route);

  // `target` must outlive the result's target view.
  Resolved Resolve(std::string_view host_header, std::string_view target) const;

  const Route* FindService(std::string_view service) const;
  const std::vector<Route>& routes() const { return routes_; }
  const Route& default_route() const { return default_; }

  // {"routes":[…]} or a bare array. Errors name the route index and field.
  static common::Result<std::vector<Route>> ParseRoutes(const boost::json::value& value);
  boost::json::value ToJson() const;

 private:
  std::vector<Route> routes_;
  Route default_;
};

// Service ids become file names: anything outside [A-Za-z0-9._-] is replaced by '_'.
std::string SanitizeServiceId(std::string_view service);

}  // namespace gostly::proxy
