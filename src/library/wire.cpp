#include "library/wire.hpp"

#include <array>
#include <charconv>

namespace gostly::library {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Recorded files can be edited by hand; a CR or LF inside a header would let one header
// smuggle extra lines (or a second response) into the bytes we write to the client.
bool SafeHeaderLine(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  if (name.find_first_of("\r\n:") != std::string_view::npos) return false;
  return value.find_first_of("\r\n") == std::string_view::npos;
}

bool HasBody(int status) { return !(status < 200 || status == 204 || status == 304); }

}  // namespace

bool IsHopByHopOrFraming(std::string_view name) {
  static constexpr std::array<std::string_view, 10> kNames = {
      "connection",         "keep-alive",         "proxy-connection", "transfer-encoding",
      "te",                 "trailer",            "upgrade",          "content-length",
      "proxy-authenticate", "proxy-authorization"};
  for (std::string_view n : kNames) {
    if (EqualsIgnoreCase(name, n)) return true;
  }
  return false;
}

std::string SerializeResponse(int status, const common::HeaderList& headers, std::string_view body,
                              std::string_view extra_headers) {
  bool with_body = HasBody(status);
  std::string_view reason = ReasonPhrase(status);

  std::size_t size = 9 + 12 + reason.size() + 2 + extra_headers.size() + 2;
  for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
  if (with_body) size += 16 + 20 + 2 + body.size();

  std::string out;
  out.reserve(size);
  out += "HTTP/1.1 ";
  char digits[16];
  auto status_end = std::to_chars(digits, digits + sizeof digits, status).ptr;
  out.append(digits, status_end);
  out += ' ';
  out += reason;
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    if (IsHopByHopOrFraming(name) || !SafeHeaderLine(name, value)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += extra_headers;
  if (with_body) {
    out += "Content-Length: ";
    auto length_end = std::to_chars(digits, digits + sizeof digits, body.size()).ptr;
    out.append(digits, length_end);
    out += "\r\n\r\n";
    out += body;
  } else {
    out += "\r\n";
  }
  return out;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "Unknown";
  }
}

}  // namespace gostly::library
