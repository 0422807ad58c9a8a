// Admin endpoints served beside proxied traffic (docs/proxy_contract.md): /health,
// /readyz, /metrics, /ca.crt and /ghost/*. When an API key is configured, /ghost/* requires
// it in X-API-Key, compared in constant time. Errors are JSON {error, message}.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string_view>

#include "proxy/forwarder.hpp"
#include "proxy/proxy_state.hpp"
#include "proxy/reply.hpp"

namespace gostly::proxy {

class AdminApi {
 public:
  explicit AdminApi(ProxyState& state) : state_(state) {}

  static bool IsAdminTarget(std::string_view target);

  // Every endpoint but an authorised POST or DELETE /ghost/mocks answers here; nullopt
  // means that write, which the caller completes with co_await AddMocks().
  std::optional<Reply> HandleNow(const HttpRequest& request);
  // POST appends mocks to the local library; DELETE appends tombstones for the named
  // requests (service, method, uri, request_body). Either way the library is reloaded.
  boost::asio::awaitable<Reply> AddMocks(const HttpRequest& request);

 private:
  bool Authorized(const HttpRequest& request) const;
  Reply Mode(const HttpRequest& request);
  Reply Config(const HttpRequest& request);
  Reply ListMocks(std::string_view query);
  Reply Reload();
  Reply Unmatched(std::string_view query);
  Reply Upstreams(const HttpRequest& request);
  Reply Resources(const HttpRequest& request);
  Reply Chaos(const HttpRequest& request, std::string_view query);
  Reply Sequences(const HttpRequest& request, std::string_view rest);
  Reply Statecharts(const HttpRequest& request, std::string_view query);

  ProxyState& state_;
};

// Constant-time comparison of two secrets of any length.
bool SecretEquals(std::string_view a, std::string_view b);

}  // namespace gostly::proxy
