// Hop-by-hop headers (RFC 9110 §7.6.1): what a proxy never passes on, in either direction.
#pragma once

#include <boost/beast/http/field.hpp>

#include <string_view>

namespace gostly::proxy {

// True for hop-by-hop and framing headers (library::IsHopByHopOrFraming) and any header
// named in `connection` (RFC 9110 §7.6.1). Content-Length is recomputed by the callers.
bool IsHopByHop(std::string_view name, std::string_view connection_header);

// IsHopByHop for every field of one message, without comparing names: the standard
// hop-by-hop and framing headers are known by Beast's field enum, and the Connection header
// is read once, so that its usual "keep-alive" or "close" costs nothing per field.
class HopByHopFilter {
 public:
  explicit HopByHopFilter(std::string_view connection_header);
  bool Drops(boost::beast::http::field name, std::string_view name_string) const;

 private:
  std::string_view connection_;
  bool names_other_fields_ = false;  // Connection lists more than keep-alive / close
};

}  // namespace gostly::proxy
