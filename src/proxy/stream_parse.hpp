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

// Feeds buffered bytes to the parser and reads more only when it needs them, until the
// header (or, with header_only false, the whole message) is parsed. Parsing what is already
// buffered costs no I/O operation, so a pipelined or small request is one read at most.
// End of stream before any byte is http::error::end_of_stream; inside a message it is the
// parser's own error (partial message). A read ended by the stream's deadline is
// beast::error::timeout.
template <typename Stream, typename Parser>
boost::asio::awaitable<boost::system::error_code> ParseFromStream(
    Stream& stream, boost::beast::flat_buffer& buffer, Parser& parser, bool header_only) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  auto finished = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    if (buffer.size() > 0) {
      boost::system::error_code ec;
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec && ec != http::error::need_more) co_return ec;
      if (finished()) co_return boost::system::error_code{};
      if (!ec && used > 0) continue;
    }
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kParseReadSize),
                                                   asio::as_tuple(asio::use_awaitable));
    if (ec && StreamExpired(stream)) co_return boost::beast::error::timeout;
    if (ec == asio::error::eof || ec == http::error::end_of_stream) {
      if (!parser.got_some()) co_return http::error::end_of_stream;
      boost::system::error_code eof_ec;
      parser.put_eof(eof_ec);
      if (!eof_ec && finished()) co_return boost::system::error_code{};
      co_return eof_ec ? eof_ec : http::error::partial_message;
    }
    if (ec) co_return ec;
    buffer.commit(n);
  }
}

}  // namespace gostly::proxy
