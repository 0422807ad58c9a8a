// Upstream bytes through UpstreamResponseParser (the forwarder's response parser), fed in two
// pieces as reads would deliver them, then SerializeForwarded. What reaches the client must
// parse again as one HTTP/1.1 answer with the same status and body, and carry none of the
// fields the parser marked hop-by-hop.
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/request_handler.hpp"
#include "proxy/upstream_response.hpp"

namespace {

namespace http = boost::beast::http;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool head = data[0] & 1;
  const std::size_t split = 1 + data[1] % (size - 1);
  const std::string_view wire(reinterpret_cast<const char*>(data) + 2, size - 2);

  gostly::proxy::UpstreamResponseParser parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  if (head) parser.skip(true);
  std::string pending;
  boost::system::error_code ec;
  for (std::string_view piece : {wire.substr(0, std::min(split, wire.size())),
                                 wire.substr(std::min(split, wire.size()))}) {
    pending.append(piece);
    while (!pending.empty() && !parser.is_done()) {
      ec = {};
      const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec || used == 0) break;
    }
    if (ec && ec != http::error::need_more) return 0;
  }
  if (!parser.is_done()) {
    if (!parser.got_some()) return 0;  // as the forwarder: nothing received is no answer
    ec = {};
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  const gostly::proxy::UpstreamResponse response = parser.release();
  const std::string out = gostly::proxy::SerializeForwarded(response, head, {});

  // Every field the parser marked hop-by-hop is left out, by name (case-insensitively).
  const std::string_view header(out.data(), out.find("\r\n\r\n") + 2);
  for (const auto& f : response.fields) {
    if (!f.hop_by_hop) continue;
    std::string line = "\r\n";
    line.append(response.name(f)).append(":");
    const bool present =
        std::search(header.begin(), header.end(), line.begin(), line.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }) != header.end();
    Check(!present || http::string_to_field(response.name(f)) == http::field::content_length);
  }

  // The client's view: one complete answer, same status, same body (none for HEAD).
  http::response_parser<http::string_body> again;
  again.eager(true);
  again.body_limit(128 * 1024);
  if (head) again.skip(true);
  ec = {};
  const std::size_t used = again.put(boost::asio::buffer(out), ec);
  if (!again.is_done() && !ec) again.put_eof(ec);
  Check(!ec && again.is_done());
  Check(head || used == out.size());
  Check(static_cast<int>(again.get().result_int()) == response.status);
  const int status = response.status;
  const bool bodiless = head || status < 200 || status == 204 || status == 304;
  Check(again.get().body() == (bodiless ? std::string() : response.body));
  return 0;
}
