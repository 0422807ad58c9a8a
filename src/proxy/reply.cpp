#include "proxy/reply.hpp"

#include <boost/json.hpp>

#include "library/wire.hpp"

namespace gostly::proxy {

int ParseWireStatus(std::string_view wire) {
  if (wire.size() < 12 || wire.substr(0, 5) != "HTTP/") return 0;
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (wire[i] < '0' || wire[i] > '9') return 0;
    status = status * 10 + (wire[i] - '0');
  }
  return status;
}

Reply TextReply(int status, std::string_view content_type, std::string_view body,
                std::string_view extra_headers) {
  Reply r;
  r.status = status;
  thread_local std::string extra;  // reused: no allocation per reply
  extra.assign("Content-Type: ").append(content_type).append("\r\n").append(extra_headers);
  r.owned = library::SerializeResponse(status, {}, body, extra);
  return r;
}

Reply JsonReply(int status, const boost::json::value& body, std::string_view extra_headers,
                bool close) {
  std::string extra(extra_headers);
  if (close) extra += "Connection: close\r\n";
  Reply r = TextReply(status, "application/json", boost::json::serialize(body), extra);
  r.close = close;
  return r;
}

Reply ErrorReply(int status, std::string_view code, std::string_view message,
                 std::string_view extra_headers, bool close) {
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  return JsonReply(status, o, extra_headers, close);
}

}  // namespace gostly::proxy
