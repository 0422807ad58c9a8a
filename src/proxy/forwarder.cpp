#include "proxy/forwarder.hpp"

#include "proxy/stream_parse.hpp"
#include "proxy/timed_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace gostly::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// A connection to an upstream, with what each request on it reuses.
struct UpstreamConn {
  std::optional<TimedSocket> plain;
  std::optional<beast::ssl_stream<TimedSocket>> tls;
  beast::flat_buffer buffer;
  std::string wire;  // the request being sent; its capacity is kept for the next one
  std::optional<UpstreamResponseParser> parser;
  TimedSocket& lowest() { return plain ? *plain : tls->next_layer(); }
};

namespace {

// Idle connections per upstream, owned by one I/O thread.
thread_local std::unordered_map<std::string, std::vector<std::unique_ptr<UpstreamConn>>> t_pool;

bool IsTimeout(const boost::system::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

}  // namespace

void Forwarder::ReleaseThreadPool() { t_pool.clear(); }

Forwarder::Forwarder(Options options)
    : options_(options), ssl_(asio::ssl::context::tls_client) {
  ssl_.set_default_verify_paths();
  if (options_.accept_invalid_certs) {
    ssl_.set_verify_mode(asio::ssl::verify_none);
  } else {
    ssl_.set_verify_mode(asio::ssl::verify_peer);
  }
}

namespace {

// The request as the upstream gets it, serialised by hand into one buffer: one write, none
// of the serializer's buffer views.
void SerializeRequest(const HttpRequest& request, const UpstreamUrl& upstream,
                      std::string_view target, std::string& wire) {
  const std::string& body = request.body();
  wire.clear();
  wire.reserve(512 + body.size());
  wire.append(request.method_string()).append(" ");
  wire.append(upstream.base_path).append(target).append(" HTTP/1.1\r\n");
  const HopByHopFilter hop_by_hop(request[http::field::connection]);
  for (const auto& f : request) {
    if (f.name() == http::field::host || hop_by_hop.Drops(f.name(), f.name_string())) continue;
    wire.append(f.name_string()).append(": ").append(f.value()).append("\r\n");
  }
  wire.append("Host: ").append(upstream.host_header).append("\r\n");
  const auto verb = request.method();
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::patch) {
    wire.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  wire.append("\r\n").append(body);
}

}  // namespace

asio::awaitable<std::unique_ptr<UpstreamConn>> Forwarder::Connect(const UpstreamUrl& upstream,
                                                                  ForwardResult& failure) {
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(upstream.host, upstream.port, kNoThrow);
  if (rec) {
    failure = {ForwardError::kUnreachable,
               "cannot resolve upstream " + upstream.text + ": " + rec.message()};
    co_return nullptr;
  }
  TimedSocket stream(executor);
  stream.expires_after(options_.timeout);
  auto [cec, ep] = co_await asio::async_connect(stream.socket(), endpoints, kNoThrow);
  if (cec) {
    failure = {stream.expired() || IsTimeout(cec) ? ForwardError::kTimeout
                                                  : ForwardError::kUnreachable,
               "upstream " + upstream.text + " is unreachable: " + cec.message()};
    co_return nullptr;
  }
  boost::system::error_code nodelay_ec;  // only a latency hint: ignored if refused
  stream.socket().set_option(tcp::no_delay(true), nodelay_ec);
  auto conn = std::make_unique<UpstreamConn>();
  if (!upstream.tls) {
    conn->plain.emplace(std::move(stream));
    co_return conn;
  }
  conn->tls.emplace(std::move(stream), ssl_);
  SSL* ssl = conn->tls->native_handle();
  boost::system::error_code addr_ec;
  asio::ip::make_address(upstream.host, addr_ec);
  if (addr_ec) SSL_set_tlsext_host_name(ssl, upstream.host.c_str());
  if (!options_.accept_invalid_certs) {
    conn->tls->set_verify_callback(asio::ssl::host_name_verification(upstream.host));
  }
  auto [hec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hec) {
    failure = {conn->lowest().expired() || IsTimeout(hec) ? ForwardError::kTimeout
                                                          : ForwardError::kUnreachable,
               "TLS handshake with upstream " + upstream.text + " failed: " + hec.message() +
                   (options_.accept_invalid_certs ? ""
                                                  : " (set ACCEPT_INVALID_CERTS=true only for "
                                                    "upstreams you trust)")};
    co_return nullptr;
  }
  co_return conn;
}

ForwardResult Forwarder::Failure(const UpstreamUrl& upstream, const boost::system::error_code& ec,
                                 bool nothing_received) const {
  if (IsTimeout(ec)) {
    return {ForwardError::kTimeout, "upstream " + upstream.text + " did not answer within " +
                                        std::to_string(options_.timeout.count()) + " ms"};
  }
  if (ec == http::error::body_limit) {
    return {ForwardError::kBadResponse, "upstream " + upstream.text + " sent a body over " +
                                            std::to_string(options_.max_response_body) +
                                            " bytes"};
  }
  return {nothing_received ? ForwardError::kUnreachable : ForwardError::kBadResponse,
          "upstream " + upstream.text + " failed: " + ec.message()};
}

// A coroutine's frame is recycled by Asio only up to about 1 KB; above that every call is a
// heap allocation. So what is big and per request (the serialised request, the response
// parser) lives in the pooled connection, connecting is a coroutine of its own, and the
// response is read here (ParseBuffered/AfterRead) rather than in a ParseFromStream frame.
asio::awaitable<ForwardResult> Forwarder::Forward(const HttpRequest& request,
                                                  const UpstreamUrl& upstream,
                                                  std::string_view target,
                                                  UpstreamResponse& response) {
  // The configured URL text names the pool: no key is built per request. The map's nodes
  // are stable, so one lookup serves taking a connection and giving it back.
  auto& idle = t_pool[upstream.text];
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<UpstreamConn> conn;
    if (!idle.empty()) {
      conn = std::move(idle.back());
      idle.pop_back();
    }
    const bool reused = conn != nullptr;
    if (!conn) {
      ForwardResult failure;
      conn = co_await Connect(upstream, failure);
      if (!conn) co_return failure;
    }

    SerializeRequest(request, upstream, target, conn->wire);
    conn->lowest().expires_after(options_.timeout);
    boost::system::error_code ec;
    if (conn->plain) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(*conn->plain, asio::buffer(conn->wire), kNoThrow);
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(*conn->tls, asio::buffer(conn->wire), kNoThrow);
    }
    auto& parser = conn->parser.emplace();
    parser.body_limit(options_.max_response_body);
    parser.header_limit(64 * 1024);
    parser.eager(true);
    if (request.method() == http::verb::head) parser.skip(true);
    while (!ec) {
      if (auto outcome = ParseBuffered(conn->buffer, parser, false)) {
        ec = *outcome;
        break;
      }
      auto read = conn->buffer.prepare(kParseReadSize);
      std::size_t n = 0;
      if (conn->plain) {
        std::tie(ec, n) = co_await conn->plain->async_read_some(read, kNoThrow);
      } else {
        std::tie(ec, n) = co_await conn->tls->async_read_some(read, kNoThrow);
      }
      if (auto outcome = AfterRead(conn->lowest(), conn->buffer, parser, false, ec, n)) {
        ec = *outcome;
        break;
      }
    }
    if (ec && conn->lowest().expired()) ec = beast::error::timeout;
    if (ec) {
      // A pooled connection the upstream closed while idle fails before any response
      // byte arrives; retry once on a fresh connection.
      const bool nothing_received = !parser.got_some();
      if (reused && nothing_received && !IsTimeout(ec) && attempt == 0) continue;
      co_return Failure(upstream, ec, nothing_received);
    }
    response = parser.release();
    conn->parser.reset();
    if (response.keep_alive && idle.size() < options_.max_idle_per_upstream) {
      conn->lowest().expires_never();
      idle.push_back(std::move(conn));
    }
    co_return ForwardResult{};
  }
  co_return ForwardResult{ForwardError::kUnreachable, "upstream " + upstream.text + " failed"};
}

}  // namespace gostly::proxy
