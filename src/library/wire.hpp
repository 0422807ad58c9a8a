// HTTP/1.1 response serialisation for recorded responses: a library hit is a lookup plus
// one socket write of these bytes.
#pragma once

#include <string>
#include <string_view>

#include "common/body_codec.hpp"

namespace gostly::library {

// True for headers that describe one connection hop, or the framing we recompute
// (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, TE, Trailer, Upgrade,
// Proxy-Authenticate, Proxy-Authorization, Content-Length). Case-insensitive.
bool IsHopByHopOrFraming(std::string_view name);

// "HTTP/1.1 <status> <reason>\r\n", the headers except IsHopByHopOrFraming ones,
// `extra_headers` (complete "Name: value\r\n" lines, may be empty), "Content-Length: N\r\n",
// "\r\n", body. For status 1xx/204/304 the body is omitted and no Content-Length is sent.
std::string SerializeResponse(int status, const common::HeaderList& headers,
                              std::string_view body, std::string_view extra_headers);

std::string_view ReasonPhrase(int status);

}  // namespace gostly::library
