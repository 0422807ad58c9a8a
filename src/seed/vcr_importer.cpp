// VCR.py and go-vcr cassette importers (YAML): one exchange per interactions[] element. See
// README.md ("VCR.py and go-vcr cassettes").
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <exception>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"
#include "seed/peer_yaml.hpp"

namespace gostly::seed {
using common::ErrorCode;
using common::MakeError;

namespace detail {

std::size_t PeerYamlNodeBudget(std::string_view text) {
  // Generous for real files (a node per few bytes), tiny next to an alias bomb's expansion.
  return std::max<std::size_t>(100000, text.size() * 4);
}

// Go time.Duration text ("460.639208ms", "1m2.5s", "1.5µs") in milliseconds; < 0 when it
// cannot be read.
double ParseGoDuration(std::string_view text) {
  if (text.empty()) return -1;
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (i == start) return -1;
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double v = std::strtod(number.c_str(), &end);
    if (end == nullptr || *end != '\0') return -1;
    std::size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) &&
           text[i] != '.') {
      ++i;
    }
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit == "ns")
      total += v / 1e6;
    else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs")
      total += v / 1e3;
    else if (unit == "ms")
      total += v;
    else if (unit == "s")
      total += v * 1e3;
    else if (unit == "m")
      total += v * 60e3;
    else if (unit == "h")
      total += v * 3600e3;
    else
      return -1;
  }
  return total;
}

}  // namespace detail

namespace {

enum class Dialect { kVcrPy, kGoVcr };

std::string_view DialectName(Dialect d) { return d == Dialect::kVcrPy ? "VCR.py" : "go-vcr"; }

// A body field: a string, a !!binary scalar, null (empty) or, for VCR.py responses,
// {string: ...}. Returns "" on success, else the reason.
std::string ReadBody(const YAML::Node& node, std::string* out) {
  out->clear();
  if (!node.IsDefined() || node.IsNull()) return {};
  if (node.IsMap()) {
    auto inner = detail::YamlChild(node, "string");
    if (!inner.IsDefined()) return "body is a map without 'string'";
    return ReadBody(inner, out);
  }
  if (!node.IsScalar()) return "body is not a string";
  if (detail::YamlIsBinary(node)) {
    auto decoded = detail::YamlBinary(node);
    if (!decoded) return decoded.error();
    *out = std::move(decoded).value();
    return {};
  }
  *out = node.Scalar();
  return {};
}

std::string ConvertInteraction(const YAML::Node& item, Dialect dialect,
                               const ImportOptions& options, const std::string& timestamp,
                               library::Exchange& ex, std::size_t* dropped) {
  if (!item.IsMap()) return "interaction is not a map";
  auto request = detail::YamlChild(item, "request");
  auto response = detail::YamlChild(item, "response");
  if (!request.IsDefined() || !request.IsMap()) return "no request";
  if (!response.IsDefined() || !response.IsMap()) return "no response (the request failed)";

  std::string method = detail::YamlText(detail::YamlChild(request, "method"));
  if (method.empty()) return "request has no method";
  std::string url =
      detail::YamlText(detail::YamlChild(request, dialect == Dialect::kVcrPy ? "uri" : "url"));
  if (url.empty()) {
    return std::string("request has no ") + (dialect == Dialect::kVcrPy ? "uri" : "url");
  }
  auto target = detail::SplitUrl(url, false);
  if (!target) return target.error();

  long long status = 0;
  if (dialect == Dialect::kVcrPy) {
    auto s = detail::YamlChild(response, "status");
    if (s.IsMap()) s = detail::YamlChild(s, "code");
    if (!detail::YamlInt(s, &status)) return "response has no status code";
  } else {
    if (!detail::YamlInt(detail::YamlChild(response, "code"), &status) &&
        !detail::YamlInt(detail::YamlChild(response, "status_code"), &status)) {
      // go-vcr v0: only "status: 200 OK".
      std::string s = detail::YamlText(detail::YamlChild(response, "status"));
      std::string first = s.substr(0, s.find(' '));
      char* end = nullptr;
      status = std::strtoll(first.c_str(), &end, 10);
      if (first.empty() || end == nullptr || *end != '\0') {
        return "response has no status code";
      }
    }
  }
  if (status < 100 || status > 999) return "response status is not an HTTP status";

  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.timestamp = timestamp;
  ex.method = std::move(method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(target->target);
  ex.request_headers = detail::YamlHeaders(detail::YamlChild(request, "headers"));
  detail::CleanRequestHeaders(ex.request_headers);
  std::string host = target->host;
  if (host.empty() && dialect == Dialect::kGoVcr) {
    host = detail::YamlText(detail::YamlChild(request, "host"));
  }
  if (!detail::HasHeader(ex.request_headers, "host") && !host.empty()) {
    ex.request_headers.insert(ex.request_headers.begin(), {"Host", host});
  }
  if (auto why = ReadBody(detail::YamlChild(request, "body"), &ex.request_body); !why.empty()) {
    return "request " + why;
  }
  if (dialect == Dialect::kGoVcr && ex.request_body.empty()) {
    auto form = detail::YamlChild(request, "form");
    if (form.IsDefined() && form.IsMap() && form.size() > 0) {
      std::vector<std::pair<std::string, std::string>> pairs;
      for (const auto& [name, value] : detail::YamlHeaders(form)) pairs.emplace_back(name, value);
      ex.request_body = detail::FormUrlEncode(pairs);
    }
  }

  ex.status = static_cast<int>(status);
  ex.response_headers = detail::YamlHeaders(detail::YamlChild(response, "headers"));
  if (auto why = ReadBody(detail::YamlChild(response, "body"), &ex.response_body); !why.empty()) {
    return "response " + why;
  }
  *dropped += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
  if (dialect == Dialect::kGoVcr) {
    double ms = detail::ParseGoDuration(detail::YamlText(detail::YamlChild(response, "duration")));
    if (ms > 0) ex.latency_ms = ms;
  }
  return {};
}

common::Result<std::vector<library::Exchange>> ImportCassette(std::string_view text,
                                                              Dialect dialect,
                                                              const ImportOptions& options,
                                                              ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = dialect == Dialect::kVcrPy ? "vcr" : "go-vcr";
  const std::string name(DialectName(dialect));
  try {
    auto docs = detail::LoadYamlDocuments(text, options, detail::PeerYamlNodeBudget(text));
    if (!docs)
      return MakeError("cannot read " + name + " cassette: " + docs.error(), docs.error_code());
    YAML::Node root = docs->empty() ? YAML::Node() : docs->front();
    auto interactions = detail::YamlChild(root, "interactions");
    if (!interactions.IsDefined() || !interactions.IsSequence()) {
      std::string hint;
      if (detail::YamlChild(root, "kind").IsDefined()) hint = " (this looks like a Keploy file)";
      return MakeError("not a " + name + " cassette: no interactions list" + hint,
                       ErrorCode::kInvalidArgument);
    }
    // The other dialect names the URL differently: say so rather than skip everything.
    if (interactions.size() > 0) {
      auto request = detail::YamlChild(interactions[0], "request");
      const char* mine = dialect == Dialect::kVcrPy ? "uri" : "url";
      const char* other = dialect == Dialect::kVcrPy ? "url" : "uri";
      if (!detail::YamlChild(request, mine).IsDefined() &&
          detail::YamlChild(request, other).IsDefined()) {
        return MakeError("not a " + name + " cassette: requests carry '" + other + "', not '" +
                             mine + "' (this looks like a " +
                             (dialect == Dialect::kVcrPy ? "go-vcr" : "VCR.py") + " cassette)",
                         ErrorCode::kInvalidArgument);
      }
    }
    std::string version = detail::YamlText(detail::YamlChild(root, "version"));
    if (!version.empty()) rep.format += " v" + version;
    const std::string timestamp =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
    std::size_t dropped = 0;
    auto out = detail::ConvertEach<library::Exchange>(
        interactions.size(), "interactions",
        [&](std::size_t i) {
          return "interactions[" + std::to_string(i) + "] (line " +
                 std::to_string(detail::YamlLine(interactions[i])) + ")";
        },
        [&](std::size_t i, library::Exchange& ex) {
          return ConvertInteraction(interactions[i], dialect, options, timestamp, ex, &dropped);
        },
        options, rep);
    detail::FinishReport(dropped, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(name + " import failed: " + e.what(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportVcr(std::string_view text,
                                                         const ImportOptions& options,
                                                         ImportReport* report) {
  return ImportCassette(text, Dialect::kVcrPy, options, report);
}

common::Result<std::vector<library::Exchange>> ImportGoVcr(std::string_view text,
                                                           const ImportOptions& options,
                                                           ImportReport* report) {
  return ImportCassette(text, Dialect::kGoVcr, options, report);
}

}  // namespace gostly::seed

// Betamax / Ruby VCR JSON cassettes (the VCR family's JSON form): {"http_interactions": [
// {"request": {"method", "uri", "headers": {name: [v]}, "body": {"string" | "base64_string"}},
//  "response": {"status": {"code"}, "headers", "body"}, "recorded_at"}]}.

namespace gostly::seed {
namespace {

namespace json = boost::json;

common::HeaderList JsonHeaderMap(const json::object* headers) {
  common::HeaderList out;
  if (headers == nullptr) return out;
  for (const auto& [name, v] : *headers) {
    if (name.empty()) continue;
    if (const auto* list = v.if_array()) {
      for (const auto& item : *list) out.emplace_back(std::string(name), detail::ScalarText(&item));
    } else {
      out.emplace_back(std::string(name), detail::ScalarText(&v));
    }
  }
  return out;
}

std::string JsonBody(const json::object& message, std::string* out) {
  out->clear();
  const auto* body = detail::GetObject(message, "body");
  if (body == nullptr) {
    if (const auto* s = detail::GetString(message, "body")) *out = std::string(*s);
    return {};
  }
  if (const auto* b64 = detail::GetString(*body, "base64_string")) {
    auto decoded = detail::DecodeBase64Lenient(*b64);
    if (!decoded) return "body.base64_string is not valid base64";
    *out = std::move(decoded).value();
  } else if (const auto* s = detail::GetString(*body, "string")) {
    *out = std::string(*s);
  }
  return {};
}

std::string ConvertBetamax(const json::value& value, const ImportOptions& options,
                           const std::string& fallback, library::Exchange& ex,
                           std::size_t* dropped) {
  const auto* item = value.if_object();
  if (item == nullptr) return "interaction is not a JSON object";
  const auto* request = detail::GetObject(*item, "request");
  const auto* response = detail::GetObject(*item, "response");
  if (request == nullptr) return "no request";
  if (response == nullptr) return "no response";
  const auto* method = detail::GetString(*request, "method");
  if (method == nullptr || method->empty()) return "request has no method";
  const auto* uri = detail::GetString(*request, "uri");
  if (uri == nullptr) return "request has no uri";
  auto target = detail::SplitUrl(*uri, false);
  if (!target) return target.error();
  std::string code;
  if (const auto* status = detail::GetObject(*response, "status")) {
    auto it = status->find("code");
    code = detail::ScalarText(it == status->end() ? nullptr : &it->value());
  }
  char* end = nullptr;
  long long status = std::strtoll(code.c_str(), &end, 10);
  if (code.empty() || end == nullptr || *end != '\0' || status < 100 || status > 999) {
    return "response has no HTTP status code";
  }
  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.method = std::string(*method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(target->target);
  ex.request_headers = JsonHeaderMap(detail::GetObject(*request, "headers"));
  detail::CleanRequestHeaders(ex.request_headers);
  if (!detail::HasHeader(ex.request_headers, "host") && !target->host.empty()) {
    ex.request_headers.insert(ex.request_headers.begin(), {"Host", target->host});
  }
  if (auto why = JsonBody(*request, &ex.request_body); !why.empty()) return "request " + why;
  ex.status = static_cast<int>(status);
  ex.response_headers = JsonHeaderMap(detail::GetObject(*response, "headers"));
  if (auto why = JsonBody(*response, &ex.response_body); !why.empty()) return "response " + why;
  *dropped += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
  ex.timestamp = fallback;
  if (const auto* at = detail::GetString(*item, "recorded_at"); at != nullptr && !at->empty()) {
    // Betamax writes UTC without a zone ("2014-05-02T13:13:26").
    std::string text(*at);
    if (text.size() == 19 && text[10] == 'T') text += "Z";
    std::string normalized = detail::NormalizeTimestamp(text);
    if (normalized != text || text.ends_with(".000Z")) ex.timestamp = std::move(normalized);
  }
  return {};
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportBetamax(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "betamax";
  try {
    auto doc = detail::ParseJsonInput(text, options);
    if (!doc) return MakeError("cannot read Betamax cassette: " + doc.error(), doc.error_code());
    const auto* root = doc->if_object();
    const auto* items = root == nullptr ? nullptr : detail::GetArray(*root, "http_interactions");
    if (items == nullptr) {
      return MakeError("not a Betamax/VCR JSON cassette: no http_interactions array",
                       ErrorCode::kInvalidArgument);
    }
    if (const auto* with = detail::GetString(*root, "recorded_with")) {
      rep.format += " (" + std::string(*with) + ")";
    }
    const std::string fallback =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
    std::size_t dropped = 0;
    auto out = detail::ConvertEach<library::Exchange>(
        items->size(), "interactions",
        [](std::size_t i) { return "http_interactions[" + std::to_string(i) + "]"; },
        [&](std::size_t i, library::Exchange& ex) {
          return ConvertBetamax((*items)[i], options, fallback, ex, &dropped);
        },
        options, rep);
    detail::FinishReport(dropped, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(std::string("Betamax import failed: ") + e.what(),
                     ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
