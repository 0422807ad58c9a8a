#include "proxy/upstream_response.hpp"

#include <algorithm>

#include "proxy/hop_by_hop.hpp"

namespace gostly::proxy {

namespace http = boost::beast::http;

std::string_view UpstreamResponse::content_length() const {
  for (const Field& f : fields) {
    if (f.id == http::field::content_length) return value(f);
  }
  return {};
}

namespace {

constexpr std::size_t kRecycledPerThread = 8;
constexpr std::size_t kRecycledMaxBytes = 64 * 1024;

thread_local std::vector<UpstreamResponse> t_recycled;

}  // namespace

UpstreamResponse RecycledResponse() {
  if (t_recycled.empty()) return {};
  UpstreamResponse r = std::move(t_recycled.back());
  t_recycled.pop_back();
  return r;
}

void Recycle(UpstreamResponse&& response) {
  if (t_recycled.size() >= kRecycledPerThread || response.text.capacity() > kRecycledMaxBytes ||
      response.body.capacity() > kRecycledMaxBytes ||
      response.fields.capacity() * sizeof(UpstreamResponse::Field) > kRecycledMaxBytes) {
    return;  // freed with `response`'s owner
  }
  UpstreamResponse& kept = t_recycled.emplace_back(std::move(response));
  kept.status = 0;
  kept.text.clear();
  kept.reason_size = 0;
  kept.fields.clear();
  kept.body.clear();
  kept.keep_alive = false;
}

UpstreamResponse UpstreamResponseParser::release() { return std::move(response_); }

void UpstreamResponseParser::on_response_impl(int code, string_view reason, int, error_code&) {
  response_.status = code;
  response_.text.reserve(512);
  response_.text.assign(reason.data(), reason.size());
  response_.reason_size = static_cast<std::uint32_t>(reason.size());
  response_.fields.reserve(16);
}

void UpstreamResponseParser::on_field_impl(http::field name, string_view name_string,
                                           string_view value, error_code&) {
  // The header limit (64 KiB) keeps every offset far inside 32 bits.
  UpstreamResponse::Field f;
  f.id = name;
  f.name_at = static_cast<std::uint32_t>(response_.text.size());
  f.name_size = static_cast<std::uint32_t>(name_string.size());
  response_.text.append(name_string.data(), name_string.size());
  f.value_at = static_cast<std::uint32_t>(response_.text.size());
  f.value_size = static_cast<std::uint32_t>(value.size());
  response_.text.append(value.data(), value.size());
  response_.fields.push_back(f);
}

void UpstreamResponseParser::on_header_impl(error_code&) {}

void UpstreamResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                               error_code&) {
  // The parser refuses a length over its body limit before this; cap the reservation anyway.
  if (content_length) {
    response_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*content_length,
                                                                            16 * 1024 * 1024)));
  }
}

std::size_t UpstreamResponseParser::on_body_impl(string_view body, error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

void UpstreamResponseParser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t UpstreamResponseParser::on_chunk_body_impl(std::uint64_t, string_view body,
                                                       error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

void UpstreamResponseParser::on_finish_impl(error_code&) {
  // Judged once the whole message is in, because a Connection header may name fields that
  // came before it, and a chunked body's trailer fields (passed on with the header) come
  // after the body: a Connection or Keep-Alive among them must not reach the client either.
  std::string_view connection;
  for (const auto& f : response_.fields) {
    if (f.id == http::field::connection) {
      connection = response_.value(f);
      break;
    }
  }
  const HopByHopFilter filter(connection);
  for (auto& f : response_.fields) f.hop_by_hop = filter.Drops(f.id, response_.name(f));
  // Known only now: whether the body was delimited by the connection's close.
  response_.keep_alive = keep_alive();
}

}  // namespace gostly::proxy
