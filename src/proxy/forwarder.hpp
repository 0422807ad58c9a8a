// Forwarding to upstreams for LEARN and PASSTHROUGH (DESIGN §2).
//
// Keep-alive connection pool per I/O thread (no lock shared between threads), http and
// https upstreams with certificate and host-name verification (unless the operator opted
// out), hop-by-hop headers dropped, Host rewritten, bodies passed through byte-for-byte
// (chunked framing is re-framed with Content-Length; content encodings are untouched).
// A stale pooled connection is retried once on a fresh one.
//
// Thread-safety: one Forwarder is shared by all I/O threads; Forward() must be called from
// an I/O thread's coroutine and touches only that thread's pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/hop_by_hop.hpp"
#include "proxy/route_table.hpp"
#include "proxy/upstream_response.hpp"

namespace gostly::proxy {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

enum class ForwardError { kNone, kUnreachable, kTimeout, kBadResponse };

struct ForwardResult {
  ForwardError error = ForwardError::kNone;
  std::string message;  // operator-readable, names the upstream
};

struct UpstreamConn;  // a pooled upstream connection (forwarder.cpp)

class Forwarder {
 public:
  struct Options {
    bool accept_invalid_certs = false;
    std::chrono::milliseconds timeout{30000};
    std::size_t max_response_body = 64 * 1024 * 1024;
    std::size_t max_idle_per_upstream = 64;
  };
  explicit Forwarder(Options options);

  // Sends `request` (method, headers, body; its target is replaced by upstream base path +
  // `target`) and fills `response`. Never throws.
  boost::asio::awaitable<ForwardResult> Forward(const HttpRequest& request,
                                                const UpstreamUrl& upstream,
                                                std::string_view target,
                                                UpstreamResponse& response);

  // Drops the calling thread's idle upstream connections. Each I/O thread calls it after
  // its io_context stops, before the io_context is destroyed.
  static void ReleaseThreadPool();

 private:
  // A new connection to `upstream`, TLS handshake done; null with `failure` filled if not.
  boost::asio::awaitable<std::unique_ptr<UpstreamConn>> Connect(const UpstreamUrl& upstream,
                                                                ForwardResult& failure);
  ForwardResult Failure(const UpstreamUrl& upstream, const boost::system::error_code& ec,
                        bool nothing_received) const;

  Options options_;
  boost::asio::ssl::context ssl_;
};

}  // namespace gostly::proxy
