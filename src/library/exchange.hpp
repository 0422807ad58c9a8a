// One recorded HTTP exchange, and its JSON Lines form (DESIGN §4): the record the proxy
// appends to traffic/{service}.jsonl and mocks/{service}.jsonl, and reads back at load.
#pragma once

#include <string>
#include <string_view>

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

// One JSON object followed by '\n'. Bodies use common::EncodeBody (lossless).
std::string EncodeExchangeLine(const Exchange& exchange);

// Parses one line (trailing '\n' optional). Errors name the offending field.
common::Result<Exchange> DecodeExchangeLine(std::string_view line);

}  // namespace gostly::library
