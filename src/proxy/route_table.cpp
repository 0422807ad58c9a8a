#include "proxy/route_table.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>

namespace gostly::proxy {

namespace json = boost::json;
using common::MakeError;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool PrefixMatches(std::string_view path, std::string_view prefix) {
  if (prefix.empty() || prefix == "/") return true;
  if (path.substr(0, prefix.size()) != prefix) return false;
  if (path.size() == prefix.size()) return true;
  char next = path[prefix.size()];
  return next == '/' || next == '?';
}

}  // namespace

common::Result<UpstreamUrl> UpstreamUrl::Parse(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return MakeError("upstream '" + std::string(url) + "' is not an absolute URL");
  UpstreamUrl out;
  out.text = std::string(url);
  std::string scheme = Lower(parsed->scheme());
  if (scheme == "https") {
    out.tls = true;
  } else if (scheme != "http") {
    return MakeError("upstream '" + out.text + "' must use http or https");
  }
  out.host = std::string(parsed->host_address());
  if (out.host.empty()) return MakeError("upstream '" + out.text + "' has no host");
  std::string default_port = out.tls ? "443" : "80";
  out.port = parsed->has_port() ? std::string(parsed->port()) : default_port;
  // host_address() of an IPv6 literal has no brackets; the Host header needs them.
  std::string host_for_header = parsed->host_type() == boost::urls::host_type::ipv6
                                    ? "[" + out.host + "]"
                                    : out.host;
  out.host_header =
      out.port == default_port ? host_for_header : host_for_header + ":" + out.port;
  std::string path(parsed->encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  out.base_path = path;
  return out;
}

RouteTable::RouteTable(std::vector<Route> routes, Route default_route)
    : routes_(std::move(routes)), default_(std::move(default_route)) {}

Resolved RouteTable::Resolve(std::string_view host_header, std::string_view target) const {
  if (!routes_.empty()) {
    std::string_view host = host_header;
    if (!host.empty() && host.front() == '[') {
      host = host.substr(0, host.find(']') + 1);
    } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
      host = host.substr(0, colon);
    }
    for (const auto& r : routes_) {
      if (r.host.empty() || r.host.size() != host.size()) continue;
      bool equal = std::equal(r.host.begin(), r.host.end(), host.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      });
      if (equal) return {&r, target, false};
    }
    const Route* best = nullptr;
    for (const auto& r : routes_) {
      if (r.path_prefix.empty() || !r.host.empty()) continue;
      if (PrefixMatches(target, r.path_prefix) &&
          (best == nullptr || r.path_prefix.size() > best->path_prefix.size())) {
        best = &r;
      }
    }
    if (best != nullptr) {
      if (!best->strip_prefix || best->path_prefix == "/") return {best, target, false};
      std::string_view rest = target.substr(best->path_prefix.size());
      if (rest.empty()) return {best, "/", false};
      // "/a?x=1" maps to the service root with its query: "/?x=1".
      return {best, rest, rest.front() == '?'};
    }
  }
  return {&default_, target, false};
}

const Route* RouteTable::FindService(std::string_view service) const {
  for (const auto& r : routes_) {
    if (r.service == service) return &r;
  }
  return default_.service == service ? &default_ : nullptr;
}

common::Result<std::vector<Route>> RouteTable::ParseRoutes(const json::value& value) {
  const json::array* arr = nullptr;
  if (value.is_array()) {
    arr = &value.as_array();
  } else if (value.is_object() && value.as_object().contains("routes") &&
             value.as_object().at("routes").is_array()) {
    arr = &value.as_object().at("routes").as_array();
  } else {
    return MakeError("expected {\"routes\": [...]} or an array of routes");
  }
  std::vector<Route> out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string where = "routes[" + std::to_string(i) + "]";
    if (!(*arr)[i].is_object()) return MakeError(where + " is not an object");
    const auto& o = (*arr)[i].as_object();
    auto str = [&](std::string_view key) -> common::Result<std::string> {
      const json::value* v = o.if_contains(key);
      if (v == nullptr || v->is_null()) return std::string();
      if (!v->is_string()) return MakeError(where + "." + std::string(key) + " is not a string");
      return std::string(v->as_string());
    };
    Route r;
    auto service = str("service");
    if (!service) return MakeError(service.error());
    if (service->empty()) return MakeError(where + ".service is required");
    r.service = *service;
    auto host = str("host");
    if (!host) return MakeError(host.error());
    r.host = Lower(*host);
    auto prefix = str("path_prefix");
    if (!prefix) return MakeError(prefix.error());
    r.path_prefix = *prefix;
    if (!r.path_prefix.empty() && r.path_prefix.front() != '/') {
      return MakeError(where + ".path_prefix must start with '/'");
    }
    while (r.path_prefix.size() > 1 && r.path_prefix.back() == '/') r.path_prefix.pop_back();
    if (r.host.empty() && r.path_prefix.empty()) {
      return MakeError(where + " needs a host or a path_prefix");
    }
    if (const json::value* v = o.if_contains("strip_prefix")) {
      if (!v->is_bool()) return MakeError(where + ".strip_prefix is not a boolean");
      r.strip_prefix = v->as_bool();
    }
    auto upstream = str("upstream");
    if (!upstream) return MakeError(upstream.error());
    if (!upstream->empty()) {
      auto url = UpstreamUrl::Parse(*upstream);
      if (!url) return MakeError(where + ".upstream: " + url.error());
      r.upstream = *url;
    }
    auto mode = str("mode");
    if (!mode) return MakeError(mode.error());
    if (!mode->empty()) {
      auto m = ParseMode(*mode);
      if (!m || *m == Mode::kTransitioning) {
        return MakeError(where + ".mode must be learn, mock or passthrough");
      }
      r.mode = *m;
    }
    auto policy = str("repeat_policy");
    if (!policy) return MakeError(policy.error());
    if (!policy->empty()) {
      auto p = library::ParseRepeatPolicy(*policy);
      if (!p) return MakeError(where + ".repeat_policy: " + p.error());
      r.repeat_policy = *p;
    }
    if (const json::value* v = o.if_contains("redact_headers")) {
      if (!v->is_array()) return MakeError(where + ".redact_headers is not an array");
      for (const auto& h : v->as_array()) {
        if (!h.is_string()) return MakeError(where + ".redact_headers holds a non-string");
        r.redact_headers.push_back(Lower(h.as_string()));
      }
    }
    if (const json::value* v = o.if_contains("chaos"); v != nullptr && !v->is_null()) {
      auto chaos = state::ServiceChaosFromJson(*v, r.service, where + ".chaos");
      if (!chaos) return MakeError(chaos.error());
      r.chaos = std::move(chaos).value();
    }
    if (const json::value* v = o.if_contains("statecharts"); v != nullptr && !v->is_null()) {
      auto charts = state::StatechartListFromJson(*v, where + ".statecharts");
      if (!charts) return MakeError(charts.error());
      r.statecharts = std::move(charts).value();
    }
    if (!r.upstream && (!r.mode || *r.mode != Mode::kMock)) {
      // A service without an upstream can only be mocked; say so instead of 502 later.
      return MakeError(where + " has no upstream; set \"upstream\" or \"mode\": \"mock\"");
    }
    out.push_back(std::move(r));
  }
  return out;
}

json::value RouteTable::ToJson() const {
  json::array arr;
  for (const auto& r : routes_) {
    json::object o;
    o["service"] = r.service;
    if (!r.host.empty()) o["host"] = r.host;
    if (!r.path_prefix.empty()) o["path_prefix"] = r.path_prefix;
    o["strip_prefix"] = r.strip_prefix;
    if (r.upstream) o["upstream"] = r.upstream->text;
    if (r.mode) o["mode"] = ToString(*r.mode);
    o["repeat_policy"] = library::ToString(r.repeat_policy);
    json::array redact;
    for (const auto& h : r.redact_headers) redact.emplace_back(h);
    o["redact_headers"] = std::move(redact);
    if (r.chaos) o["chaos"] = state::ChaosConfigToJson(*r.chaos);
    if (r.statecharts) o["statecharts"] = state::StatechartListToJson(*r.statecharts);
    arr.push_back(std::move(o));
  }
  json::object root;
  root["routes"] = std::move(arr);
  if (default_.upstream) root["default_upstream"] = default_.upstream->text;
  return root;
}

std::string SanitizeServiceId(std::string_view service) {
  std::string out;
  for (char c : service) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "default";
  return out;
}

}  // namespace gostly::proxy
