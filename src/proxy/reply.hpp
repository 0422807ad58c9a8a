// A complete HTTP/1.1 response ready for one socket write: either owned bytes, or a view
// into a library snapshot kept alive by `keep`.
#pragma once

#include <boost/json/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/proxy_metrics.hpp"
#include "state/chaos.hpp"

namespace gostly::proxy {

struct Reply {
  int status = 200;
  std::string owned;
  std::string_view view;             // used instead of `owned` when non-empty
  std::shared_ptr<const void> keep;  // owner of `view`'s bytes
  bool close = false;                // close the connection after writing
  RouteKind route = RouteKind::kProxy;
  // Chaos (state/chaos.hpp): wait this long before answering; break the connection so.
  std::chrono::milliseconds delay{0};
  state::Fault fault = state::Fault::kNone;

  std::string_view bytes() const { return view.empty() ? std::string_view(owned) : view; }
};

// Status code of serialised response bytes ("HTTP/1.1 201 …" -> 201); 0 when malformed.
int ParseWireStatus(std::string_view wire);

// `extra_headers`: complete "Name: value\r\n" lines. Adds Connection: close when `close`.
Reply JsonReply(int status, const boost::json::value& body, std::string_view extra_headers = {},
                bool close = false);
Reply TextReply(int status, std::string_view content_type, std::string_view body,
                std::string_view extra_headers = {});

// {"error": code, "message": message}
Reply ErrorReply(int status, std::string_view code, std::string_view message,
                 std::string_view extra_headers = {}, bool close = false);

}  // namespace gostly::proxy
