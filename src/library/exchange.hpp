// One recorded HTTP exchange, and its JSON Lines form (DESIGN §4): the record the proxy
// appends to traffic/{service}.jsonl and mocks/{service}.jsonl, and reads back at load.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/body_codec.hpp"
#include "common/result.hpp"

namespace gostly::library {

using common::HeaderList;

struct Exchange {
  std::string timestamp;             // RFC 3339, UTC, millisecond precision
  std::string service;               // service id; the file stem when a record lacks it
  std::string method;                // upper-case
  std::string uri;                   // service-relative request target: path and query
  HeaderList request_headers;        // already redacted when it comes from capture
  std::string request_body;          // exact bytes
  int status = 0;
  HeaderList response_headers;
  std::string response_body;         // exact bytes
  double latency_ms = 0;
  std::string recording_session_id;  // LEARN window (or "manual-…" for API-added mocks)
  bool deleted = false;              // a tombstone: removes this key from the local library
                                     // (written as "deleted":true; see ApplyTombstones)
};

// A header as views into someone else's storage (e.g. a parsed HTTP message).
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// An Exchange as views, for encoding without copying: the capture path builds one straight
// from the parsed request and response. Everything it points at must outlive the call.
struct ExchangeView {
  std::string_view timestamp;
  std::string_view service;
  std::string_view method;
  std::string_view uri;
  std::span<const HeaderView> request_headers;
  std::string_view request_body;
  int status = 0;
  std::span<const HeaderView> response_headers;
  std::string_view response_body;
  double latency_ms = 0;
  std::string_view recording_session_id;
  bool deleted = false;
};

// One JSON object followed by '\n'. Bodies use common::EncodeBody (lossless).
std::string EncodeExchangeLine(const Exchange& exchange);
std::string EncodeExchangeLine(const ExchangeView& exchange);

// Parses one line (trailing '\n' optional). Errors name the offending field.
common::Result<Exchange> DecodeExchangeLine(std::string_view line);

}  // namespace gostly::library
