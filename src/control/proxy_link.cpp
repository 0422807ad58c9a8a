#include "control/proxy_link.hpp"

#include <boost/json.hpp>

#include "control/http_client.hpp"

namespace gostly::control {

namespace json = boost::json;

ProxyLink::ProxyLink(std::string proxy_url, std::string api_key)
    : url_(std::move(proxy_url)), api_key_(std::move(api_key)) {}

common::Result<json::value> ProxyLink::Call(const std::string& method, const std::string& target,
                                            const std::string& body) const {
  HttpCallOptions options;
  if (!api_key_.empty()) options.headers.emplace_back("X-API-Key", api_key_);
  options.timeout = std::chrono::milliseconds(60000);
  auto result = HttpCall(url_, method, target, body, options);
  if (!result) {
    return common::MakeError("proxy at " + url_ + " unreachable: " + result.error(),
                             common::ErrorCode::kUnavailable);
  }
  boost::system::error_code ec;
  json::value parsed = json::parse(result->body, ec);
  if (result->status < 200 || result->status >= 300) {
    std::string detail = result->body.substr(0, 300);
    if (!ec && parsed.is_object()) {
      if (const auto* m = parsed.as_object().if_contains("message"); m && m->is_string()) {
        detail = std::string(m->as_string());
      }
    }
    return common::MakeError(
        "proxy answered " + std::to_string(result->status) + " to " + method + " " + target +
            ": " + detail,
        result->status == 503 ? common::ErrorCode::kUnavailable : common::ErrorCode::kUnspecified);
  }
  if (ec) return common::MakeError("proxy sent invalid JSON for " + target);
  return parsed;
}

common::Status ProxyLink::Send(const std::string& method, const std::string& target,
                               const std::string& body) const {
  auto v = Call(method, target, body);
  if (!v) return v.error_value();
  return common::OkStatus();
}

common::Result<std::string> ProxyLink::GetMode() const {
  auto v = Call("GET", "/ghost/mode", "");
  if (!v) return v.error_value();
  const auto* m = v->is_object() ? v->as_object().if_contains("mode") : nullptr;
  if (m == nullptr || !m->is_string()) return common::MakeError("proxy sent no mode");
  return std::string(m->as_string());
}

common::Result<std::string> ProxyLink::SetMode(const std::string& mode) const {
  auto v = Call("POST", "/ghost/mode", json::serialize(json::object{{"mode", mode}}));
  if (!v) return v.error_value();
  const auto* p = v->is_object() ? v->as_object().if_contains("previous") : nullptr;
  return p && p->is_string() ? std::string(p->as_string()) : std::string();
}

common::Status ProxyLink::PushRoutes(const json::value& routes) const {
  return Send("POST", "/ghost/upstreams", json::serialize(routes));
}

common::Status ProxyLink::PutChaos(const json::value& config) const {
  return Send("PUT", "/ghost/chaos", json::serialize(config));
}

common::Status ProxyLink::PutStatecharts(const json::value& charts) const {
  return Send("PUT", "/ghost/statecharts", json::serialize(charts));
}

common::Status ProxyLink::AddMocks(const json::array& records) const {
  return Send("POST", "/ghost/mocks", json::serialize(records));
}

common::Status ProxyLink::DeleteMocks(const json::array& requests) const {
  return Send("DELETE", "/ghost/mocks", json::serialize(requests));
}

common::Status ProxyLink::Reload() const { return Send("POST", "/ghost/admin/reload", "{}"); }

common::Result<json::array> ProxyLink::Unmatched(int limit) const {
  auto v = Call("GET", "/ghost/unmatched?limit=" + std::to_string(limit), "");
  if (!v) return v.error_value();
  const auto* items = v->is_object() ? v->as_object().if_contains("items") : nullptr;
  if (items == nullptr || !items->is_array()) return json::array{};
  return items->as_array();
}

}  // namespace gostly::control
