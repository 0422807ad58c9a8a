// Loopback HTTP/1.1 client helpers for integration tests, on Boost.Beast. Every call opens
// its own connection to 127.0.0.1:port, is bounded by a timeout, and reports transport
// failures as values (status 0 and `error`), never by throwing — a test can assert on them.
//
// This header deliberately includes no Beast, so test files stay cheap to compile.
// All functions are thread-safe (each call has its own io_context).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gostly::test_support {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;      // 0 when no complete response arrived
  HeaderList headers;  // in wire order, names as sent
  std::string body;    // the exact body bytes (chunked framing removed, no decompression)
  bool chunked = false;
  std::string error;   // transport error; empty on success

  // The first value of a header (case-insensitive name); empty when absent.
  std::string Header(std::string_view name) const;
  std::vector<std::string> HeaderValues(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

// Sends one request and reads the response. Adds `Host: 127.0.0.1:<port>` unless `headers`
// has a Host, `Content-Type: application/json` when there is a body and none is given, and
// Content-Length for bodies (and for POST/PUT/PATCH without one).
HttpResponse Request(std::uint16_t port, std::string_view method, std::string_view target,
                     std::string_view body = {}, const HeaderList& headers = {},
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline HttpResponse Get(std::uint16_t port, std::string_view target,
                        const HeaderList& headers = {}) {
  return Request(port, "GET", target, {}, headers);
}

struct RawResult {
  std::string received;  // every byte that came back
  bool peer_closed = false;  // the server closed (FIN or reset) before the read timeout
  bool reset = false;        // ... by a reset
  std::string error;     // connect/write failure, or the read error other than EOF/timeout
  std::chrono::milliseconds elapsed{0};  // from connect to the end of reading
};

// Connects, writes `raw` as is, then reads until the server closes or `read_timeout`
// passes. For malformed-request tests.
RawResult RawExchange(std::uint16_t port, std::string_view raw,
                      std::chrono::milliseconds read_timeout = std::chrono::seconds(5));

struct SlowSendResult {
  std::size_t bytes_sent = 0;
  bool peer_closed = false;  // the server closed the connection (or a write failed)
  std::string received;
  std::chrono::milliseconds elapsed{0};  // until the close was seen, or until we gave up
};

// Slowloris: writes `bytes` one byte every `interval`, watching for the server to close.
// Stops at the close, after the last byte plus one interval, or at `max_duration`.
SlowSendResult SlowSend(std::uint16_t port, std::string_view bytes,
                        std::chrono::milliseconds interval,
                        std::chrono::milliseconds max_duration);

// Ports for fault tests: a port that was free a moment ago (bound to 127.0.0.1:0 and
// closed), so a connection to it is refused.
std::uint16_t UnusedLoopbackPort();

}  // namespace gostly::test_support
