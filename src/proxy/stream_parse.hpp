// Incremental HTTP parsing over an async stream without Beast's composed read operations:
// buffered bytes go straight to the parser, and a read is issued only when it needs more.
// Used for client requests (session.hpp) and upstream responses (forwarder.cpp).
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <optional>

namespace gostly::proxy {

inline constexpr std::size_t kParseReadSize = 16 * 1024;

// True when the stream's deadline passed (TimedSocket); streams without one never expire.
template <typename Stream>
bool StreamExpired(const Stream& stream) {
  if constexpr (requires { stream.expired(); }) {
    return stream.expired();
  } else {
    return false;
  }
}

// Feeds the bytes already buffered to the parser. Returns the outcome once there is one (no
// error: the header, or with header_only false the whole message, is parsed), nullopt when
// the parser needs more bytes. Costs no I/O and no coroutine frame, so a caller whose buffer
// already holds the message (a small or pipelined request) never suspends.
template <typename Parser>
std::optional<boost::system::error_code> ParseBuffered(boost::beast::flat_buffer& buffer,
                                                       Parser& parser, bool header_only) {
  namespace http = boost::beast::http;
  while (buffer.size() > 0) {
    boost::system::error_code ec;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    if (ec && ec != http::error::need_more) return ec;
    if (header_only ? parser.is_header_done() : parser.is_done()) {
      return boost::system::error_code{};
    }
    if (ec || used == 0) break;
  }
  return std::nullopt;
}

// What a read of `n` bytes ending with `ec` means for the parse: an outcome (as for
// ParseBuffered), or nullopt when the bytes were committed and parsing goes on. End of
// stream before any byte is http::error::end_of_stream; inside a message it is the parser's
// own error (partial message). A read ended by the stream's deadline is
// beast::error::timeout.
template <typename Stream, typename Parser>
std::optional<boost::system::error_code> AfterRead(const Stream& stream,
                                                   boost::beast::flat_buffer& buffer,
                                                   Parser& parser, bool header_only,
                                                   const boost::system::error_code& ec,
                                                   std::size_t n) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  if (ec && StreamExpired(stream)) return boost::beast::error::timeout;
  if (ec == asio::error::eof || ec == http::error::end_of_stream) {
    if (!parser.got_some()) return http::error::end_of_stream;
    boost::system::error_code eof_ec;
    parser.put_eof(eof_ec);
    if (!eof_ec && (header_only ? parser.is_header_done() : parser.is_done())) {
      return boost::system::error_code{};
    }
    return eof_ec ? eof_ec : http::error::partial_message;
  }
  if (ec) return ec;
  buffer.commit(n);
  return std::nullopt;
}

// Feeds buffered bytes to the parser and reads more only when it needs them, until the
// header (or, with header_only false, the whole message) is parsed or fails (see AfterRead
// for the errors).
template <typename Stream, typename Parser>
boost::asio::awaitable<boost::system::error_code> ParseFromStream(
    Stream& stream, boost::beast::flat_buffer& buffer, Parser& parser, bool header_only) {
  namespace asio = boost::asio;
  for (;;) {
    if (auto outcome = ParseBuffered(buffer, parser, header_only)) co_return *outcome;
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kParseReadSize),
                                                   asio::as_tuple(asio::use_awaitable));
    if (auto outcome = AfterRead(stream, buffer, parser, header_only, ec, n)) co_return *outcome;
  }
}

}  // namespace gostly::proxy
