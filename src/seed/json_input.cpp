#include "seed/json_input.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <exception>

#include "library/wire.hpp"

namespace gostly::seed::detail {
namespace json = boost::json;
using common::ErrorCode;
using common::HeaderList;
using common::MakeError;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// RFC 3986 unreserved + reserved characters, minus '#' (the fragment is cut before) and,
// outside the authority, minus '[' ']' (only legal around an IPv6 literal).
bool AllowedInUri(char c, bool in_authority) {
  auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case ':':
    case '/':
    case '?':
    case '@':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    case '[':
    case ']':
      return in_authority;
    default:
      return false;
  }
}

void AppendEscaped(std::string& out, std::string_view in, bool in_authority) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size() && IsHex(in[i + 1]) && IsHex(in[i + 2])) {
      out += c;
    } else if (c != '%' && AllowedInUri(c, in_authority)) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
}

bool HasScheme(std::string_view url, std::size_t* authority_start) {
  auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(url[0]))) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    auto u = static_cast<unsigned char>(url[i]);
    if (!std::isalnum(u) && url[i] != '+' && url[i] != '-' && url[i] != '.') return false;
  }
  *authority_start = colon + 3;
  return true;
}

std::string FormatUtc(std::chrono::sys_time<std::chrono::milliseconds> t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{t - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

}  // namespace

common::Result<json::value> ParseJsonInput(std::string_view text, const ImportOptions& options) {
  if (text.size() > options.max_bytes) {
    return MakeError("input is " + std::to_string(text.size()) +
                         " bytes, over the import limit of " + std::to_string(options.max_bytes) +
                         " bytes (raise ImportOptions.max_bytes or split the file)",
                     ErrorCode::kInvalidArgument);
  }
  try {
    json::parse_options po;
    po.max_depth = 256;  // real collections nest folders deeply; the default is 32
    json::stream_parser parser(json::storage_ptr(), po);
    boost::system::error_code ec;
    std::size_t offset = parser.write(text.data(), text.size(), ec);
    if (!ec) {
      parser.finish(ec);
      offset = text.size();
    }
    if (ec) {
      offset = std::min(offset, text.size());
      std::size_t line = 1;
      std::size_t line_start = 0;
      for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
          ++line;
          line_start = i + 1;
        }
      }
      return MakeError("invalid JSON at line " + std::to_string(line) + ", column " +
                           std::to_string(offset - line_start + 1) + " (byte " +
                           std::to_string(offset) + "): " + ec.message(),
                       ErrorCode::kInvalidArgument);
    }
    return parser.release();
  } catch (const std::exception& e) {
    return MakeError(std::string("cannot parse JSON: ") + e.what(), ErrorCode::kInvalidArgument);
  }
}

common::Result<Target> SplitUrl(std::string_view url, bool assume_http) {
  if (auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  std::string prefixed;
  std::size_t authority_start = 0;
  if (!HasScheme(url, &authority_start)) {
    if (!assume_http) {
      return MakeError(
          "URL '" + std::string(url.substr(0, 200)) + "' is not absolute (no scheme://host)",
          ErrorCode::kInvalidArgument);
    }
    prefixed = "http://";
    prefixed += url;
    url = prefixed;
    authority_start = 7;
  }
  auto authority_end = url.find_first_of("/?", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string escaped;
  escaped.reserve(url.size() + 16);
  escaped.append(url.substr(0, authority_start));
  AppendEscaped(escaped, url.substr(authority_start, authority_end - authority_start), true);
  AppendEscaped(escaped, url.substr(authority_end), false);

  auto parsed = boost::urls::parse_uri(escaped);
  if (!parsed) {
    return MakeError(
        "URL '" + std::string(url.substr(0, 200)) + "' does not parse: " + parsed.error().message(),
        ErrorCode::kInvalidArgument);
  }
  const auto& u = *parsed;
  if (!u.has_authority() || u.encoded_host().empty()) {
    return MakeError("URL '" + std::string(url.substr(0, 200)) + "' has no host",
                     ErrorCode::kInvalidArgument);
  }
  Target out;
  out.host = std::string(u.encoded_host_and_port());
  out.target = std::string(u.encoded_path());
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  if (u.has_query()) {
    out.target += '?';
    out.target += std::string(u.encoded_query());
  }
  return out;
}

bool IsPseudoHeader(std::string_view name) { return !name.empty() && name.front() == ':'; }

bool HasHeader(const HeaderList& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return IEquals(h.first, name); });
}

void RemoveHeader(HeaderList& headers, std::string_view name) {
  std::erase_if(headers, [&](const auto& h) { return IEquals(h.first, name); });
}

std::string_view FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (IEquals(n, name)) return v;
  }
  return {};
}

bool StoredBodyIsDecoded(std::string_view coding, std::string_view body) {
  // The outermost coding is the last one listed ("gzip, br" means br was applied last).
  if (auto comma = coding.rfind(','); comma != std::string_view::npos) {
    coding = coding.substr(comma + 1);
  }
  while (!coding.empty() && std::isspace(static_cast<unsigned char>(coding.front()))) {
    coding.remove_prefix(1);
  }
  while (!coding.empty() && std::isspace(static_cast<unsigned char>(coding.back()))) {
    coding.remove_suffix(1);
  }
  if (body.empty() || coding.empty() || IEquals(coding, "identity")) return true;
  auto byte = [&](std::size_t i) {
    return i < body.size() ? static_cast<unsigned char>(body[i]) : 0u;
  };
  if (IEquals(coding, "gzip") || IEquals(coding, "x-gzip")) {
    return !(byte(0) == 0x1f && byte(1) == 0x8b);
  }
  if (IEquals(coding, "deflate")) {
    // zlib stream header: CM = 8 and the 16-bit header is a multiple of 31.
    bool zlib = (byte(0) & 0x0f) == 8 && ((byte(0) << 8) | byte(1)) % 31 == 0;
    return !zlib;
  }
  if (IEquals(coding, "zstd")) {
    return !(byte(0) == 0x28 && byte(1) == 0xb5 && byte(2) == 0x2f && byte(3) == 0xfd);
  }
  // br and unknown codings have no magic number: compressed bytes are practically never
  // printable UTF-8, while decoded text is.
  return common::IsPrintableUtf8(body);
}

std::size_t CleanResponseHeaders(HeaderList& headers, std::string_view body) {
  std::size_t dropped = 0;
  std::erase_if(headers, [&](const auto& h) {
    if (IsPseudoHeader(h.first) || library::IsHopByHopOrFraming(h.first)) return true;
    if (IEquals(h.first, "content-encoding") && StoredBodyIsDecoded(h.second, body)) {
      ++dropped;
      return true;
    }
    return false;
  });
  return dropped;
}

void CleanRequestHeaders(HeaderList& headers) {
  std::erase_if(headers, [&](const auto& h) {
    return h.first.empty() || IsPseudoHeader(h.first) || library::IsHopByHopOrFraming(h.first);
  });
}

std::string FormUrlEncode(const std::vector<std::pair<std::string, std::string>>& params) {
  // Only unreserved bytes stay literal; a space becomes '+' (and a literal '+' is escaped).
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(name, boost::urls::unreserved_chars, opts);
    out += '=';
    out += boost::urls::encode(value, boost::urls::unreserved_chars, opts);
  }
  return out;
}

std::string NormalizeTimestamp(std::string_view text) {
  using namespace std::chrono;
  std::string s(text.substr(0, 64));
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
      n != 19) {
    return std::string(text);
  }
  std::size_t i = 19;
  int millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::string(text);
    for (int k = digits; k < 3; ++k) millis *= 10;
  }
  int offset_minutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    int oh = 0, om = 0, m = 0;
    std::string zone = s.substr(i + 1);
    if (std::sscanf(zone.c_str(), "%2d:%2d%n", &oh, &om, &m) == 2 && m == 5) {
    } else if (std::sscanf(zone.c_str(), "%2d%2d%n", &oh, &om, &m) == 2 && m == 4) {
    } else {
      return std::string(text);
    }
    if (oh > 23 || om > 59) return std::string(text);
    offset_minutes = sign * (oh * 60 + om);
    i += 1 + static_cast<std::size_t>(m);
  } else {
    return std::string(text);  // no zone: local time of an unknown place
  }
  if (i != s.size()) return std::string(text);
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::string(text);
  sys_time<milliseconds> t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} +
                             milliseconds{millis} - minutes{offset_minutes};
  return FormatUtc(t);
}

std::string NowRfc3339() {
  return FormatUtc(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

common::Result<std::string> DecodeBase64Lenient(std::string_view text) {
  std::string compact;
  compact.reserve(text.size() + 3);
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  if (compact.size() % 4 == 1) return MakeError("invalid base64 length");
  while (compact.size() % 4 != 0) compact += '=';
  return common::Base64Decode(compact);
}

const json::object* GetObject(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_object();
}

const json::array* GetArray(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_array();
}

const json::string* GetString(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_string();
}

std::string ScalarText(const json::value* v) {
  if (v == nullptr) return {};
  if (const auto* s = v->if_string()) return std::string(*s);
  if (v->is_number() || v->is_bool()) return json::serialize(*v);
  return {};
}

bool StopAtEntryLimit(std::size_t produced, std::size_t total, std::size_t i,
                      const std::string& where, std::string_view noun,
                      const ImportOptions& options, ImportReport& report) {
  if (produced < options.max_entries) return false;
  report.skipped.push_back({where + "..", std::to_string(total - i) + " " + std::string(noun) +
                                              " over the limit of " +
                                              std::to_string(options.max_entries) +
                                              " (max_entries)"});
  return true;
}

void FinishReport(std::size_t dropped_encodings, std::size_t created, ImportReport& report) {
  if (dropped_encodings > 0) {
    report.warnings.push_back("dropped Content-Encoding from " +
                              std::to_string(dropped_encodings) +
                              " responses whose stored body is already decoded");
  }
  report.created = created;
}

}  // namespace gostly::seed::detail
