#include "support/http_client.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <memory>

namespace gostly::test_support {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

tcp::endpoint Loopback(std::uint16_t port) {
  return tcp::endpoint(net::ip::make_address_v4("127.0.0.1"), port);
}

std::chrono::milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// Runs one coroutine to completion on a private io_context; exceptions become `error`.
template <class Coroutine>
void RunToCompletion(Coroutine coroutine, std::string& error) {
  net::io_context ioc;
  net::co_spawn(ioc, std::move(coroutine), [&error](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  ioc.run();
}

bool IsClose(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == http::error::end_of_stream;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::vector<std::string> HttpResponse::HeaderValues(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) values.push_back(value);
  }
  return values;
}

bool HttpResponse::HasHeader(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& field) { return EqualsIgnoreCase(field.first, name); });
}

HttpResponse Request(std::uint16_t port, std::string_view method, std::string_view target,
                     std::string_view body, const HeaderList& headers,
                     std::chrono::milliseconds timeout) {
  HttpResponse out;
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  bool has_host = false;
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    has_host = has_host || EqualsIgnoreCase(name, "host");
    has_type = has_type || EqualsIgnoreCase(name, "content-type");
    req.insert(name, value);
  }
  if (!has_host) req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.content_length(body.size());
  }
  const bool head = method == "HEAD";

  auto exchange = [&]() -> net::awaitable<void> {
    beast::tcp_stream stream(co_await net::this_coro::executor);
    stream.expires_after(timeout);
    auto [connect_ec] = co_await stream.async_connect(Loopback(port), kUseTuple);
    if (connect_ec) {
      out.error = "connect: " + connect_ec.message();
      co_return;
    }
    auto [write_ec, written] = co_await http::async_write(stream, req, kUseTuple);
    if (write_ec) {
      out.error = "write: " + write_ec.message();
      co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(1024 * 1024);
    parser.body_limit(256 * 1024 * 1024);
    parser.skip(head);
    auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (read_ec) {
      out.error = "read: " + read_ec.message();
      co_return;
    }
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.chunked = res.chunked();
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  };
  RunToCompletion(exchange(), out.error);
  if (!out.error.empty()) out.status = 0;
  return out;
}

RawResult RawExchange(std::uint16_t port, std::string_view raw,
                      std::chrono::milliseconds read_timeout) {
  RawResult out;
  auto exchange = [&]() -> net::awaitable<void> {
    beast::tcp_stream stream(co_await net::this_coro::executor);
    stream.expires_after(std::chrono::seconds(10));
    const auto start = Clock::now();
    auto [connect_ec] = co_await stream.async_connect(Loopback(port), kUseTuple);
    if (connect_ec) {
      out.error = "connect: " + connect_ec.message();
      co_return;
    }
    auto [write_ec, written] = co_await net::async_write(stream, net::buffer(raw), kUseTuple);
    if (write_ec && !IsClose(write_ec)) {
      out.error = "write: " + write_ec.message();
      co_return;
    }
    // A server may answer and close before it has read everything we sent; keep reading.
    stream.expires_after(read_timeout);
    char chunk[4096];
    for (;;) {
      auto [read_ec, n] = co_await stream.async_read_some(net::buffer(chunk), kUseTuple);
      out.received.append(chunk, n);
      if (!read_ec) continue;
      if (IsClose(read_ec)) {
        out.peer_closed = true;
        out.reset = read_ec == net::error::connection_reset;
      } else if (read_ec != beast::error::timeout) {
        out.error = "read: " + read_ec.message();
      }
      break;
    }
    out.elapsed = Since(start);
  };
  RunToCompletion(exchange(), out.error);
  return out;
}

SlowSendResult SlowSend(std::uint16_t port, std::string_view bytes,
                        std::chrono::milliseconds interval,
                        std::chrono::milliseconds max_duration) {
  SlowSendResult out;
  std::string error;
  net::io_context ioc;
  tcp::socket socket(ioc);
  net::steady_timer pause(ioc);
  bool closed = false;
  bool done = false;
  Clock::time_point start;

  auto reader = [&]() -> net::awaitable<void> {
    char chunk[4096];
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(net::buffer(chunk), kUseTuple);
      out.received.append(chunk, n);
      if (ec) {
        if (!done) {
          closed = true;
          out.elapsed = Since(start);
        }
        pause.cancel();
        co_return;
      }
    }
  };
  auto writer = [&]() -> net::awaitable<void> {
    auto [connect_ec] = co_await socket.async_connect(Loopback(port), kUseTuple);
    if (connect_ec) {
      error = "connect: " + connect_ec.message();
      co_return;
    }
    start = Clock::now();
    net::co_spawn(ioc, reader(), net::detached);
    for (std::size_t i = 0; i <= bytes.size() && !closed; ++i) {
      if (i < bytes.size()) {
        auto [ec, n] = co_await net::async_write(socket, net::buffer(bytes.substr(i, 1)),
                                                 kUseTuple);
        if (ec) {
          closed = true;
          out.elapsed = Since(start);
          break;
        }
        out.bytes_sent += n;
      }
      if (Since(start) >= max_duration) break;
      pause.expires_after(std::min(interval, max_duration - Since(start)));
      co_await pause.async_wait(kUseTuple);
    }
    done = true;
    if (!closed) out.elapsed = Since(start);
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  };
  net::co_spawn(ioc, writer(), [&error](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      error = ex.what();
    }
  });
  ioc.run();
  out.peer_closed = closed;
  return out;
}

std::uint16_t UnusedLoopbackPort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, Loopback(0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  return port;
}

}  // namespace gostly::test_support
