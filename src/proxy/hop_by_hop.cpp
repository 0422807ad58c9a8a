#include "proxy/hop_by_hop.hpp"

#include <boost/beast/core/string.hpp>

#include "library/wire.hpp"

namespace gostly::proxy {

namespace beast = boost::beast;
namespace http = beast::http;

bool IsHopByHop(std::string_view name, std::string_view connection_header) {
  if (library::IsHopByHopOrFraming(name)) return true;
  // Tokens listed in Connection are hop-by-hop too.
  std::size_t pos = 0;
  while (pos < connection_header.size()) {
    std::size_t end = connection_header.find(',', pos);
    if (end == std::string_view::npos) end = connection_header.size();
    std::string_view token = connection_header.substr(pos, end - pos);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty() && beast::iequals(token, name)) return true;
    pos = end + 1;
  }
  return false;
}

HopByHopFilter::HopByHopFilter(std::string_view connection_header)
    : connection_(connection_header) {
  std::size_t pos = 0;
  while (pos < connection_.size() && !names_other_fields_) {
    std::size_t end = connection_.find(',', pos);
    if (end == std::string_view::npos) end = connection_.size();
    std::string_view token = connection_.substr(pos, end - pos);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    // keep-alive is dropped by name anyway; close names no field.
    names_other_fields_ = !token.empty() && !beast::iequals(token, "keep-alive") &&
                          !beast::iequals(token, "close");
    pos = end + 1;
  }
}

bool HopByHopFilter::Drops(http::field name, std::string_view name_string) const {
  switch (name) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::transfer_encoding:
    case http::field::te:
    case http::field::trailer:
    case http::field::upgrade:
    case http::field::content_length:
    case http::field::proxy_authenticate:
    case http::field::proxy_authorization:
      return true;
    case http::field::unknown:
      if (library::IsHopByHopOrFraming(name_string)) return true;
      break;
    default:
      break;
  }
  return names_other_fields_ && IsHopByHop(name_string, connection_);
}

}  // namespace gostly::proxy
