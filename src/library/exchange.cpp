#include "library/exchange.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

namespace gostly::library {

namespace json = boost::json;

namespace {

// Record nesting (1) plus an embedded JSON body, which common::EncodeBody accepted at the
// parser's default depth limit (32): a lower limit here would reject our own output.
constexpr std::size_t kMaxDepth = 64;

// The latency as a JSON number. NaN and infinities (which no JSON parser reads back) and
// negative values are written as 0; integral values as integers ("12", not "12.0"); others
// in the shortest form that reads back as the same double (std::to_chars, which is valid
// JSON and costs a fraction of a Boost.JSON value's serialisation).
void AppendLatency(std::string& out, double latency_ms) {
  char buf[32];
  char* end = buf;
  if (!std::isfinite(latency_ms) || latency_ms < 0) {
    *end++ = '0';
  } else if (latency_ms < 9.0e15 && latency_ms == std::floor(latency_ms)) {
    end = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(latency_ms)).ptr;
  } else {
    end = std::to_chars(buf, buf + sizeof buf, latency_ms).ptr;
  }
  out.append(buf, end);
}

common::Result<std::string> OptionalString(const json::object& record, std::string_view field) {
  const json::value* v = record.if_contains(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return common::MakeError(std::string(field) + " is not a string");
  return std::string(v->as_string());
}

common::Result<std::string> RequiredString(const json::object& record, std::string_view field) {
  const json::value* v = record.if_contains(field);
  if (v == nullptr || v->is_null()) return common::MakeError(std::string(field) + " is missing");
  if (!v->is_string()) return common::MakeError(std::string(field) + " is not a string");
  if (v->as_string().empty()) return common::MakeError(std::string(field) + " is empty");
  return std::string(v->as_string());
}

common::Result<common::HeaderList> Headers(const json::object& record, std::string_view field) {
  const json::value* v = record.if_contains(field);
  if (v == nullptr) return common::HeaderList();
  auto headers = common::DecodeHeaders(*v);
  if (!headers) return common::MakeError(std::string(field) + ": " + headers.error());
  return headers;
}

}  // namespace

namespace {

void AppendHeaders(std::string& out, std::span<const HeaderView> headers) {
  // Same shape as common::EncodeHeaders: one key per name, repeated names as arrays in order.
  out += '{';
  // Headers are few: a bit per header on the stack marks the ones already written.
  std::uint64_t done_small = 0;
  std::vector<bool> done_large(headers.size() > 64 ? headers.size() : 0, false);
  auto done = [&](std::size_t i) {
    return headers.size() > 64 ? static_cast<bool>(done_large[i]) : ((done_small >> i) & 1) != 0;
  };
  auto mark = [&](std::size_t i) {
    if (headers.size() > 64) {
      done_large[i] = true;
    } else {
      done_small |= std::uint64_t{1} << i;
    }
  };
  bool first = true;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (done(i)) continue;
    if (!first) out += ',';
    first = false;
    common::AppendJsonString(out, headers[i].name);
    out += ':';
    std::size_t repeats = 0;
    for (std::size_t j = i + 1; j < headers.size(); ++j) {
      if (headers[j].name == headers[i].name) ++repeats;
    }
    if (repeats == 0) {
      common::AppendJsonString(out, headers[i].value);
      continue;
    }
    out += '[';
    for (std::size_t j = i; j < headers.size(); ++j) {
      if (headers[j].name != headers[i].name) continue;
      if (j != i) out += ',';
      common::AppendJsonString(out, headers[j].value);
      mark(j);
    }
    out += ']';
  }
  out += '}';
}

std::vector<HeaderView> Views(const common::HeaderList& headers) {
  std::vector<HeaderView> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

void AppendBody(std::string& out, std::string_view field, std::string_view body) {
  common::BodyEncoding encoding = common::ClassifyBody(body);
  out += ",\"";
  out += field;
  out += "\":";
  switch (encoding) {
    case common::BodyEncoding::kJson:
      // ClassifyBody guarantees the bytes are exactly their own compact serialisation.
      out += body;
      break;
    case common::BodyEncoding::kText:
      common::AppendJsonString(out, body);
      break;
    case common::BodyEncoding::kBase64:
      out += '"';
      out += common::Base64Encode(body);
      out += '"';
      break;
  }
  out += ",\"";
  out += field;
  out += "_encoding\":\"";
  out += common::ToString(encoding);
  out += '"';
}

}  // namespace

std::string EncodeExchangeLine(const Exchange& exchange) {
  const std::vector<HeaderView> request_headers = Views(exchange.request_headers);
  const std::vector<HeaderView> response_headers = Views(exchange.response_headers);
  ExchangeView view;
  view.timestamp = exchange.timestamp;
  view.service = exchange.service;
  view.method = exchange.method;
  view.uri = exchange.uri;
  view.request_headers = request_headers;
  view.request_body = exchange.request_body;
  view.status = exchange.status;
  view.response_headers = response_headers;
  view.response_body = exchange.response_body;
  view.latency_ms = exchange.latency_ms;
  view.recording_session_id = exchange.recording_session_id;
  view.deleted = exchange.deleted;
  return EncodeExchangeLine(view);
}

std::string EncodeExchangeLine(const ExchangeView& exchange) {
  // Written directly rather than through a json::object: this runs once per LEARN exchange
  // and building the DOM cost more than the rest of the request. The field order and the
  // value forms are those DecodeExchangeLine reads.
  // Sized for the common case (ASCII headers, JSON or text bodies) so the line is built
  // without reallocating; escapes and base64 may still grow it.
  std::size_t size = 320 + exchange.timestamp.size() + exchange.service.size() +
                     exchange.uri.size() + exchange.recording_session_id.size() +
                     exchange.request_body.size() + exchange.response_body.size() * 4 / 3;
  for (const auto& h : exchange.request_headers) size += h.name.size() + h.value.size() + 6;
  for (const auto& h : exchange.response_headers) size += h.name.size() + h.value.size() + 6;
  std::string line;
  line.reserve(size);
  line += "{\"timestamp\":";
  common::AppendJsonString(line, exchange.timestamp);
  line += ",\"service\":";
  common::AppendJsonString(line, exchange.service);
  line += ",\"method\":";
  common::AppendJsonString(line, exchange.method);
  line += ",\"uri\":";
  common::AppendJsonString(line, exchange.uri);
  line += ",\"request_headers\":";
  AppendHeaders(line, exchange.request_headers);
  AppendBody(line, "request_body", exchange.request_body);
  line += ",\"status\":";
  line += std::to_string(exchange.status);
  line += ",\"response_headers\":";
  AppendHeaders(line, exchange.response_headers);
  AppendBody(line, "response_body", exchange.response_body);
  line += ",\"latency_ms\":";
  AppendLatency(line, exchange.latency_ms);
  line += ",\"recording_session_id\":";
  common::AppendJsonString(line, exchange.recording_session_id);
  if (exchange.deleted) line += ",\"deleted\":true";
  line += "}\n";
  return line;
}

common::Result<Exchange> DecodeExchangeLine(std::string_view line) {
  // Most records fit in this buffer, so decoding a large library does not pay a heap
  // allocation per JSON node; bigger records spill to the heap transparently.
  unsigned char arena[8192];
  json::monotonic_resource resource(arena, sizeof arena);
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::error_code ec;
  json::value root = json::parse(line, ec, &resource, options);
  if (ec) return common::MakeError("invalid JSON: " + ec.message());
  if (!root.is_object()) return common::MakeError("record is not a JSON object");
  const json::object& record = root.as_object();

  Exchange ex;
  auto timestamp = OptionalString(record, "timestamp");
  if (!timestamp) return common::MakeError(timestamp.error());
  ex.timestamp = std::move(timestamp).value();

  auto service = OptionalString(record, "service");
  if (!service) return common::MakeError(service.error());
  ex.service = std::move(service).value();

  auto method = RequiredString(record, "method");
  if (!method) return common::MakeError(method.error());
  ex.method = std::move(method).value();
  for (char& c : ex.method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }

  auto uri = RequiredString(record, "uri");
  if (!uri) return common::MakeError(uri.error());
  ex.uri = std::move(uri).value();

  if (const json::value* deleted = record.if_contains("deleted")) {
    if (deleted->is_bool()) {
      ex.deleted = deleted->get_bool();
    } else if (!deleted->is_null()) {
      return common::MakeError("deleted is not a boolean");
    }
  }

  const json::value* status = record.if_contains("status");
  // A tombstone names a request only: it may carry no status (or 0), having no response.
  const bool has_status = status != nullptr && !status->is_null() &&
                          !(ex.deleted && status->is_int64() && status->get_int64() == 0);
  if (has_status) {
    if (!status->is_int64() && !status->is_uint64()) {
      return common::MakeError("status is not an integer");
    }
    // HTTP status codes are three digits; anything else cannot be written on the wire.
    std::int64_t code = status->is_int64() ? status->get_int64() : 0;
    if (code < 100 || code > 999) {
      return common::MakeError("status " + json::serialize(*status) +
                               " is out of range (100-999)");
    }
    ex.status = static_cast<int>(code);
  } else if (!ex.deleted) {
    return common::MakeError("status is missing");
  }

  auto request_headers = Headers(record, "request_headers");
  if (!request_headers) return common::MakeError(request_headers.error());
  ex.request_headers = std::move(request_headers).value();

  auto response_headers = Headers(record, "response_headers");
  if (!response_headers) return common::MakeError(response_headers.error());
  ex.response_headers = std::move(response_headers).value();

  auto request_body = common::DecodeBody(record, "request_body");
  if (!request_body) return common::MakeError(request_body.error());
  ex.request_body = std::move(request_body).value();

  auto response_body = common::DecodeBody(record, "response_body");
  if (!response_body) return common::MakeError(response_body.error());
  ex.response_body = std::move(response_body).value();

  if (const json::value* latency = record.if_contains("latency_ms")) {
    if (latency->is_number()) {
      ex.latency_ms = latency->to_number<double>(ec);
    } else if (!latency->is_null()) {
      return common::MakeError("latency_ms is not a number");
    }
  }

  auto session = OptionalString(record, "recording_session_id");
  if (!session) return common::MakeError(session.error());
  ex.recording_session_id = std::move(session).value();
  return ex;
}

}  // namespace gostly::library
