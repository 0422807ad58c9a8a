// An upstream's answer as the forwarder parses it, without Beast's field container.
//
// beast::http::fields allocates every field separately and inserts it into a
// case-insensitively sorted set; an upstream answer is read once, front to back, so here the
// reason phrase and every field name and value are appended to one string, and the fields
// are offsets into it. Parsing is still Beast's (basic_parser, with its header, body and
// chunk handling and its limits); only where the parts land differs.
//
// Which fields are hop-by-hop (never sent on to the client) is decided once the message is
// complete: a Connection header may name fields that came before it, and trailer fields
// come after the body.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gostly::proxy {

struct UpstreamResponse {
  struct Field {
    boost::beast::http::field id = boost::beast::http::field::unknown;
    std::uint32_t name_at = 0, name_size = 0, value_at = 0, value_size = 0;
    bool hop_by_hop = false;  // hop-by-hop or framing (Content-Length included)
  };

  int status = 0;
  std::string text;  // the reason phrase, then every field's name and value, back to back
  std::uint32_t reason_size = 0;
  std::vector<Field> fields;  // in the order received; a chunked body's trailer fields last
  std::string body;           // de-chunked; content encodings untouched
  bool keep_alive = false;

  std::string_view reason() const { return {text.data(), reason_size}; }
  std::string_view name(const Field& f) const { return {text.data() + f.name_at, f.name_size}; }
  std::string_view value(const Field& f) const {
    return {text.data() + f.value_at, f.value_size};
  }
  // The first Content-Length as sent (what a HEAD answer keeps); empty when there is none.
  std::string_view content_length() const;
};

// Answers already sent, kept per thread with their buffers (text, fields, body) for the next
// answer to be parsed into: forwarding then allocates nothing for them once the thread has
// forwarded a few requests. Bounded: at most a handful per thread, and an answer whose
// buffers grew past 64 KiB is freed rather than kept.
UpstreamResponse RecycledResponse();  // empty, with whatever capacity a kept one had
void Recycle(UpstreamResponse&& response);

class UpstreamResponseParser : public boost::beast::http::basic_parser<false> {
 public:
  // Parses into a recycled answer (see RecycledResponse).
  UpstreamResponseParser() : response_(RecycledResponse()) {}

  // The parsed answer; call once, after is_done().
  UpstreamResponse release();

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  UpstreamResponse response_;
};

}  // namespace gostly::proxy
