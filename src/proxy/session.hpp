// One client connection: a coroutine looping over requests on one stream (DESIGN hot path).
//
// Generic over the stream so the fuzz target can drive it with an in-memory stream.
// Limits: idle time before a request's first byte, time for the whole header block
// (slowloris), header size (431), body size (413, refused from Content-Length before any
// body byte is read). Malformed input gets 400 and the connection is closed; nothing here
// touches the library or throws past the coroutine.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <algorithm>
#include <exception>
#include <tuple>
#include <optional>
#include <variant>

#include "proxy/proxy_metrics.hpp"
#include "proxy/reply.hpp"
#include "proxy/request_handler.hpp"
#include "proxy/stream_parse.hpp"

namespace gostly::proxy {

struct SessionLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
};

namespace detail {

template <typename Stream>
void SetExpiry(Stream& stream, std::chrono::milliseconds after) {
  if constexpr (requires { stream.expires_after(after); }) stream.expires_after(after);
}

template <typename Stream>
void ClearExpiry(Stream& stream) {
  if constexpr (requires { stream.expires_never(); }) stream.expires_never();
}

// Chaos connection faults: a reset (RST via SO_LINGER 0), an empty answer (the connection
// closes before any byte), or bytes that are not HTTP, then a close.
template <typename Stream>
boost::asio::awaitable<void> BreakConnection(Stream& stream, state::Fault fault) {
  namespace asio = boost::asio;
  if (fault == state::Fault::kMalformed) {
    static constexpr std::string_view kGarbage =
        "HTTP/1.1 2X0 \x01\x02 not a status\r\nContent-Length: banana\r\n\r\n\x00\xff";
    co_await asio::async_write(stream, asio::buffer(kGarbage.data(), kGarbage.size()),
                               asio::as_tuple(asio::use_awaitable));
  }
  if constexpr (requires { stream.socket(); }) {
    boost::system::error_code ec;
    if (fault == state::Fault::kReset) {
      stream.socket().set_option(asio::socket_base::linger(true, 0), ec);
    } else {
      stream.socket().shutdown(asio::socket_base::shutdown_both, ec);
    }
    stream.socket().close(ec);
  } else if constexpr (requires { stream.close(); }) {
    stream.close();
  }
}

template <typename Stream>
void ShutdownSend(Stream& stream) {
  if constexpr (requires { stream.socket(); }) {
    boost::system::error_code ec;
    stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
  } else if constexpr (requires { stream.close(); }) {
    stream.close();
  }
}

inline bool IsTimeout(const boost::system::error_code& ec) {
  return ec == boost::beast::error::timeout || ec == boost::asio::error::timed_out;
}

// The answer to a request the parser refused, or nullopt when the client simply went away
// and nothing should be written.
inline std::optional<Reply> RejectionFor(const boost::system::error_code& ec,
                                         const SessionLimits& limits) {
  namespace http = boost::beast::http;
  if (ec == http::error::end_of_stream || ec == boost::asio::error::operation_aborted) {
    return std::nullopt;
  }
  if (IsTimeout(ec)) {
    return ErrorReply(408, "request_timeout", "The request did not arrive in time.", {}, true);
  }
  if (ec == http::error::body_limit) {
    // Beast raises it while parsing the header for a Content-Length over the limit, so the
    // body is never read, and as soon as a chunked body grows past it.
    return ErrorReply(
        413, "body_too_large",
        fmt::format("Request body exceeds MAX_BODY_BYTES ({}).", limits.max_body_bytes), {},
        true);
  }
  if (ec == http::error::header_limit) {
    return ErrorReply(431, "headers_too_large",
                      fmt::format("Request headers exceed {} bytes.", limits.max_header_bytes),
                      {}, true);
  }
  return ErrorReply(400, "bad_request", fmt::format("Malformed HTTP request: {}.", ec.message()),
                    {}, true);
}

}  // namespace detail

template <typename Stream>
boost::asio::awaitable<void> RunSession(Stream& stream, RequestHandler& handler,
                                        ProxyMetrics& metrics, SessionLimits limits) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  namespace http = beast::http;
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

  beast::flat_buffer buffer;
  auto write_and_close = [&](const Reply& reply) -> asio::awaitable<void> {
    detail::SetExpiry(stream, limits.idle_timeout);
    auto bytes = reply.bytes();
    co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
    detail::ShutdownSend(stream);
  };

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // Idle wait for the next request's first byte, then the header deadline.
    if (buffer.size() == 0) {
      detail::SetExpiry(stream, limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kParseReadSize), kNoThrow);
      if (ec) co_return;
      buffer.commit(n);
    }
    // A header that arrived whole (the usual case) is parsed without a coroutine frame or a
    // header deadline; a partial one gets the header deadline for the rest.
    boost::system::error_code hec;
    if (auto outcome = ParseBuffered(buffer, parser, true)) {
      hec = *outcome;
    } else {
      detail::SetExpiry(stream, limits.header_timeout);
      hec = co_await ParseFromStream(stream, buffer, parser, true);
    }
    auto& message = parser.get();
    if (!hec && !parser.is_done()) {
      if (beast::iequals(message[http::field::expect], "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                   kNoThrow);
      }
      detail::SetExpiry(stream, limits.idle_timeout);
      parser.eager(true);
      if (auto outcome = ParseBuffered(buffer, parser, false)) {
        hec = *outcome;
      } else {
        hec = co_await ParseFromStream(stream, buffer, parser, false);
      }
    }
    if (hec) {
      if (auto rejection = detail::RejectionFor(hec, limits)) {
        metrics.bad_requests->Inc();
        co_await write_and_close(*rejection);
      }
      co_return;
    }
    detail::ClearExpiry(stream);

    const auto started = std::chrono::steady_clock::now();
    Reply reply;
    bool failed = false;
    try {
      auto decision = handler.Decide(message);
      if (auto* now = std::get_if<Reply>(&decision)) {
        reply = std::move(*now);
      } else {
        // `decision` lives in this frame until the await is over.
        reply = co_await handler.Complete(message, std::get<RequestHandler::Pending>(decision));
      }
    } catch (const std::exception& e) {
      spdlog::error("request {} {} failed: {}", message.method_string(), message.target(),
                    e.what());
      failed = true;
    }
    if (failed) reply = ErrorReply(500, "internal_error", "The proxy failed to handle the request.");

    const bool keep_alive = message.keep_alive() && message.version() >= 11 && !reply.close;
    std::string_view bytes = reply.bytes();
    if (message.method() == http::verb::head) {
      auto end = bytes.find("\r\n\r\n");
      if (end != std::string_view::npos) bytes = bytes.substr(0, end + 4);
    }
    detail::SetExpiry(stream, limits.idle_timeout);
    if (reply.delay.count() > 0) {  // chaos latency: this connection waits, no other does
      asio::steady_timer timer(co_await asio::this_coro::executor, reply.delay);
      co_await timer.async_wait(kNoThrow);
    }
    if (reply.fault != state::Fault::kNone && reply.fault != state::Fault::kDribble) {
      metrics.ObserveHttp(
          reply.route, reply.status,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      co_await detail::BreakConnection(stream, reply.fault);
      co_return;
    }
    boost::system::error_code wec;
    if (reply.fault == state::Fault::kDribble) {
      // Slow dribble: the answer in 20 pieces, 50 ms apart (about a second in all).
      const std::size_t piece = std::max<std::size_t>(1, (bytes.size() + 19) / 20);
      for (std::size_t at = 0; at < bytes.size() && !wec; at += piece) {
        if (at > 0) {
          asio::steady_timer timer(co_await asio::this_coro::executor,
                                   std::chrono::milliseconds(50));
          co_await timer.async_wait(kNoThrow);
        }
        const std::size_t n = std::min(piece, bytes.size() - at);
        std::tie(wec, std::ignore) =
            co_await asio::async_write(stream, asio::buffer(bytes.data() + at, n), kNoThrow);
      }
    } else {
      std::tie(wec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
    }
    metrics.ObserveHttp(
        reply.route, reply.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (wec) co_return;
    if (!keep_alive) {
      detail::ShutdownSend(stream);
      co_return;
    }
  }
}

}  // namespace gostly::proxy
