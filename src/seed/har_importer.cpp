// HAR 1.1 / 1.2 importer (http://www.softwareishard.com/blog/har-12-spec/). One exchange per
// entry that has a response; see README.md for the per-field decisions.
#include <openssl/crypto.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <exception>
#include <fmt/format.h>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"

namespace gostly::seed {
namespace json = boost::json;
using common::ErrorCode;
using common::HeaderList;
using common::MakeError;

namespace {

bool ReadNumber(const json::object& o, std::string_view key, double* out) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_number()) return false;
  boost::system::error_code ec;
  *out = it->value().to_number<double>(ec);
  return !ec;
}

HeaderList ReadNameValueList(const json::array* list) {
  HeaderList out;
  if (list == nullptr) return out;
  for (const auto& item : *list) {
    const auto* o = item.if_object();
    if (o == nullptr) continue;
    const auto* name = detail::GetString(*o, "name");
    if (name == nullptr || name->empty()) continue;
    auto it = o->find("value");
    out.emplace_back(std::string(*name),
                     detail::ScalarText(it == o->end() ? nullptr : &it->value()));
  }
  return out;
}

// Polly.JS (node-fetch/node-http adapters) stores a body it received compressed as a JSON
// array of hex-encoded chunks: '["1f8b08...","..."]'. Returns false when `text` is not that.
bool DecodePollyHexChunks(std::string_view text, std::string* out) {
  if (text.empty() || text.front() != '[') return false;
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  const auto* chunks = ec ? nullptr : value.if_array();
  if (chunks == nullptr || chunks->empty()) return false;
  std::string bytes;
  for (const auto& chunk : *chunks) {
    const auto* hex = chunk.if_string();
    if (hex == nullptr || hex->empty() || hex->size() % 2 != 0) return false;
    long len = 0;
    std::string copy(*hex);  // OPENSSL_hexstr2buf wants a NUL-terminated string
    unsigned char* buf = OPENSSL_hexstr2buf(copy.c_str(), &len);
    if (buf == nullptr) return false;
    bytes.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
    OPENSSL_free(buf);
  }
  *out = std::move(bytes);
  return true;
}

// Converts one entry into `ex`; "" when it was converted, else the reason it was skipped.
std::string ConvertEntry(const json::value& value, const ImportOptions& options,
                         const std::string& fallback_timestamp, bool polly, library::Exchange& ex,
                         std::size_t* dropped_encodings) {
  const auto* entry = value.if_object();
  if (entry == nullptr) return "entry is not a JSON object";
  const auto* request = detail::GetObject(*entry, "request");
  if (request == nullptr) return "no request";
  const auto* response = detail::GetObject(*entry, "response");
  if (response == nullptr) return "no response (the request never completed)";
  double status = 0;
  if (!ReadNumber(*response, "status", &status) || status <= 0) {
    return "response status is 0 (no response was received: blocked, aborted or failed)";
  }
  if (status < 100 || status > 999) {
    // Printed as the number it was: a huge value does not fit an integer type.
    return "response status " + fmt::format("{}", status) + " is not an HTTP status";
  }
  const auto* method = detail::GetString(*request, "method");
  if (method == nullptr || method->empty()) return "request has no method";
  const auto* url = detail::GetString(*request, "url");
  if (url == nullptr) return "request has no url";
  auto target = detail::SplitUrl(*url, false);
  if (!target) return target.error();

  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.method = std::string(*method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(target->target);

  ex.request_headers = ReadNameValueList(detail::GetArray(*request, "headers"));
  detail::CleanRequestHeaders(ex.request_headers);
  if (!detail::HasHeader(ex.request_headers, "host") && !target->host.empty()) {
    ex.request_headers.insert(ex.request_headers.begin(), {"Host", target->host});
  }
  if (!detail::HasHeader(ex.request_headers, "cookie")) {
    auto cookies = ReadNameValueList(detail::GetArray(*request, "cookies"));
    if (!cookies.empty()) {
      std::string line;
      for (const auto& [name, val] : cookies) {
        if (!line.empty()) line += "; ";
        line += name + "=" + val;
      }
      ex.request_headers.emplace_back("Cookie", std::move(line));
    }
  }
  if (const auto* post = detail::GetObject(*request, "postData")) {
    if (const auto* text = detail::GetString(*post, "text")) {
      // "encoding" on postData is not in HAR 1.2; gostly export writes it for binary bodies.
      const auto* encoding = detail::GetString(*post, "encoding");
      if (encoding != nullptr && *encoding == "base64") {
        auto decoded = detail::DecodeBase64Lenient(*text);
        if (!decoded) return "request postData.text is not valid base64";
        ex.request_body = std::move(decoded).value();
      } else {
        ex.request_body = std::string(*text);
      }
    } else if (const auto* params = detail::GetArray(*post, "params")) {
      std::vector<std::pair<std::string, std::string>> pairs;
      for (auto& [name, val] : ReadNameValueList(params)) pairs.emplace_back(name, val);
      ex.request_body = detail::FormUrlEncode(pairs);
    }
  }

  ex.status = static_cast<int>(status);
  ex.response_headers = ReadNameValueList(detail::GetArray(*response, "headers"));
  if (const auto* content = detail::GetObject(*response, "content")) {
    if (const auto* text = detail::GetString(*content, "text")) {
      const auto* encoding = detail::GetString(*content, "encoding");
      if (encoding != nullptr && *encoding == "base64") {
        auto decoded = detail::DecodeBase64Lenient(*text);
        if (!decoded) return "response content.text is not valid base64";
        ex.response_body = std::move(decoded).value();
      } else if (!polly || !DecodePollyHexChunks(*text, &ex.response_body)) {
        ex.response_body = std::string(*text);
      }
    }
  }
  *dropped_encodings += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);

  const auto* started = detail::GetString(*entry, "startedDateTime");
  ex.timestamp = started != nullptr && !started->empty() ? detail::NormalizeTimestamp(*started)
                                                         : fallback_timestamp;
  double time = 0;
  if (ReadNumber(*entry, "time", &time) && time > 0) ex.latency_ms = time;
  return {};
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportHar(std::string_view text,
                                                         const ImportOptions& options,
                                                         ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "har";
  try {
    auto doc = detail::ParseJsonInput(text, options);
    if (!doc) return MakeError("cannot read HAR file: " + doc.error(), doc.error_code());
    const auto* root = doc->if_object();
    if (root == nullptr) {
      return MakeError("not a HAR file: the top level is not a JSON object",
                       ErrorCode::kInvalidArgument);
    }
    const auto* log = detail::GetObject(*root, "log");
    const auto* entries = log == nullptr ? nullptr : detail::GetArray(*log, "entries");
    if (entries == nullptr) {
      std::string hint;
      if (root->contains("openapi") || root->contains("swagger")) {
        hint = " (this is an OpenAPI document)";
      } else if (detail::GetObject(*root, "info") != nullptr && root->contains("item")) {
        hint = " (this looks like a Postman collection)";
      }
      return MakeError("not a HAR file: no log.entries" + hint, ErrorCode::kInvalidArgument);
    }
    if (const auto* version = detail::GetString(*log, "version")) {
      rep.format += " " + std::string(*version);
    }
    bool polly = false;
    if (const auto* creator = detail::GetObject(*log, "creator")) {
      if (const auto* name = detail::GetString(*creator, "name")) {
        rep.format += " (" + std::string(*name) + ")";
        polly = *name == "Polly.JS";
      }
    }
    const std::string fallback_timestamp =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;

    std::size_t dropped_encodings = 0;
    auto out = detail::ConvertEach<library::Exchange>(
        entries->size(), "entries",
        [](std::size_t i) { return "entries[" + std::to_string(i) + "]"; },
        [&](std::size_t i, library::Exchange& ex) {
          return ConvertEntry((*entries)[i], options, fallback_timestamp, polly, ex,
                              &dropped_encodings);
        },
        options, rep);
    detail::FinishReport(dropped_encodings, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(std::string("HAR import failed: ") + e.what(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
