// Hoverfly simulation importer (schema v1..v5.x): one exchange per data.pairs[] element whose
// request matchers are all literal. See README.md ("Hoverfly simulations").
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <exception>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"

namespace gostly::seed {
namespace json = boost::json;
using common::ErrorCode;
using common::HeaderList;
using common::MakeError;

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A request field in any schema version: a plain string (v1/v2), {"exactMatch": "..."} (v3/v4)
// or an array of {"matcher": .., "value": ..} (v5+). Sets *value to the concrete value and
// returns "" when the field is literal (or absent: *present = false); otherwise the reason.
std::string LiteralField(const json::value* field, bool body, std::string* value, bool* present) {
  *present = false;
  value->clear();
  if (field == nullptr || field->is_null()) return {};
  if (const auto* s = field->if_string()) {
    *present = true;
    *value = std::string(*s);
    return {};
  }
  if (const auto* o = field->if_object()) {
    if (o->empty()) return {};
    if (o->size() == 1) {
      if (const auto* exact = detail::GetString(*o, "exactMatch")) {
        *present = true;
        *value = std::string(*exact);
        return {};
      }
    }
    return "matcher " + std::string(o->begin()->key()) + " is not literal";
  }
  if (const auto* a = field->if_array()) {
    if (a->empty()) return {};
    for (const auto& item : *a) {
      const auto* m = item.if_object();
      if (m == nullptr) return "matcher is not a JSON object";
      const auto* kind = detail::GetString(*m, "matcher");
      std::string name = kind == nullptr ? std::string() : std::string(*kind);
      bool literal = EqualsIgnoreCase(name, "exact") ||
                     (body && (EqualsIgnoreCase(name, "json") || EqualsIgnoreCase(name, "xml")));
      if (!literal) return "matcher '" + name + "' is not literal";
      auto it = m->find("value");
      std::string v = detail::ScalarText(it == m->end() ? nullptr : &it->value());
      if (*present && v != *value) return "two exact matchers with different values";
      *present = true;
      *value = std::move(v);
    }
    return {};
  }
  return "matcher is neither a string, an object nor an array";
}

// v5.1+: "query": {"name": [matchers], ...}; v5.0: an array of matchers on the whole query
// string; v1-v4: a string or {"exactMatch": ".."}. Appends "?query" to *target when present.
std::string ReadQuery(const json::value* field, std::string* query) {
  query->clear();
  if (field == nullptr || field->is_null()) return {};
  const auto* o = field->if_object();
  if (o != nullptr && !o->contains("exactMatch") && !o->contains("globMatch") &&
      !o->contains("regexMatch")) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [key, matchers] : *o) {
      std::string value;
      bool present = false;
      auto why = LiteralField(&matchers, false, &value, &present);
      if (!why.empty()) return "query parameter '" + std::string(key) + "': " + why;
      pairs.emplace_back(std::string(key), std::move(value));
    }
    *query = detail::FormUrlEncode(pairs);
    return {};
  }
  bool present = false;
  auto why = LiteralField(field, false, query, &present);
  if (!why.empty()) return "query: " + why;
  if (!query->empty() && query->front() == '?') query->erase(0, 1);
  return {};
}

// {"Name": [..]} where the values are strings (v1-v4, responses) or matchers (v5 requests).
std::string ReadHeaders(const json::object* headers, bool matchers, HeaderList* out) {
  if (headers == nullptr) return {};
  for (const auto& [name, values] : *headers) {
    if (name.empty()) continue;
    if (const auto* list = values.if_array()) {
      bool is_matchers = matchers && !list->empty() && list->front().is_object();
      if (is_matchers) {
        std::string value;
        bool present = false;
        auto why = LiteralField(&values, false, &value, &present);
        if (!why.empty()) return "header '" + std::string(name) + "': " + why;
        if (present) out->emplace_back(std::string(name), std::move(value));
        continue;
      }
      for (const auto& v : *list) out->emplace_back(std::string(name), detail::ScalarText(&v));
    } else if (values.is_string()) {
      out->emplace_back(std::string(name), std::string(values.get_string()));
    }
  }
  return {};
}

std::string ConvertPair(const json::value& value, const ImportOptions& options,
                        const std::string& timestamp, library::Exchange& ex,
                        std::size_t* dropped_encodings) {
  const auto* pair = value.if_object();
  if (pair == nullptr) return "pair is not a JSON object";
  const auto* request = detail::GetObject(*pair, "request");
  if (request == nullptr) return "no request";
  const auto* response = detail::GetObject(*pair, "response");
  if (response == nullptr) return "no response";

  auto field = [&](std::string_view key) -> const json::value* {
    auto it = request->find(key);
    return it == request->end() ? nullptr : &it->value();
  };
  std::string method, path, destination, body, query;
  bool present = false;
  if (auto why = LiteralField(field("method"), false, &method, &present); !why.empty()) {
    return "method: " + why;
  }
  if (!present || method.empty()) return "request has no literal method";
  if (auto why = LiteralField(field("path"), false, &path, &present); !why.empty()) {
    return "path: " + why;
  }
  if (!present || path.empty()) return "request has no literal path";
  if (path.front() != '/') path.insert(path.begin(), '/');
  if (auto why = LiteralField(field("destination"), false, &destination, &present); !why.empty()) {
    return "destination: " + why;
  }
  if (auto why = LiteralField(field("body"), true, &body, &present); !why.empty()) {
    return "body: " + why;
  }
  if (auto why = ReadQuery(field("query"), &query); !why.empty()) return why;
  if (const auto* raw = field("rawQuery"); raw != nullptr && raw->is_string()) {
    query = std::string(raw->get_string());
  }
  if (const auto* state = detail::GetObject(*request, "requiresState");
      state != nullptr && !state->empty()) {
    return "request requires a simulation state (stateful pairs are not imported)";
  }
  HeaderList request_headers;
  if (auto why = ReadHeaders(detail::GetObject(*request, "headers"), true, &request_headers);
      !why.empty()) {
    return why;
  }

  auto templated = response->find("templated");
  if (templated != response->end() && templated->value().is_bool() &&
      templated->value().get_bool()) {
    return "response is a template (rendered per request by Hoverfly)";
  }
  auto status_it = response->find("status");
  std::int64_t status = 0;
  if (status_it != response->end()) {
    if (const auto* i = status_it->value().if_int64()) status = *i;
    if (const auto* u = status_it->value().if_uint64()) status = static_cast<std::int64_t>(*u);
  }
  if (status < 100 || status > 999) return "response status is missing or not an HTTP status";

  std::string target = path;
  auto split = detail::SplitUrl("http://h" + path + (query.empty() ? "" : "?" + query), false);
  if (!split) return "path: " + split.error();
  target = std::move(split->target);

  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.timestamp = timestamp;
  ex.method = std::move(method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(target);
  ex.request_headers = std::move(request_headers);
  detail::CleanRequestHeaders(ex.request_headers);
  if (!destination.empty() && !detail::HasHeader(ex.request_headers, "host")) {
    ex.request_headers.insert(ex.request_headers.begin(), {"Host", destination});
  }
  ex.request_body = std::move(body);

  ex.status = static_cast<int>(status);
  if (auto why = ReadHeaders(detail::GetObject(*response, "headers"), false, &ex.response_headers);
      !why.empty()) {
    return why;
  }
  if (const auto* text = detail::GetString(*response, "body")) {
    auto encoded = response->find("encodedBody");
    if (encoded != response->end() && encoded->value().is_bool() && encoded->value().get_bool()) {
      auto decoded = detail::DecodeBase64Lenient(*text);
      if (!decoded) return "response body is marked encodedBody but is not valid base64";
      ex.response_body = std::move(decoded).value();
    } else {
      ex.response_body = std::string(*text);
    }
  } else if (detail::GetString(*response, "bodyFile") != nullptr) {
    return "response body is in a separate file (bodyFile), not in the simulation";
  }
  *dropped_encodings += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
  auto delay = response->find("fixedDelay");
  if (delay != response->end() && delay->value().is_number()) {
    boost::system::error_code ec;
    double ms = delay->value().to_number<double>(ec);
    if (!ec && ms > 0) ex.latency_ms = ms;
  }
  return {};
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportHoverfly(std::string_view text,
                                                              const ImportOptions& options,
                                                              ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "hoverfly";
  try {
    auto doc = detail::ParseJsonInput(text, options);
    if (!doc) {
      return MakeError("cannot read Hoverfly simulation: " + doc.error(), doc.error_code());
    }
    const auto* root = doc->if_object();
    const auto* data = root == nullptr ? nullptr : detail::GetObject(*root, "data");
    const auto* pairs = data == nullptr ? nullptr : detail::GetArray(*data, "pairs");
    if (pairs == nullptr) {
      std::string hint;
      if (root != nullptr && detail::GetObject(*root, "log") != nullptr) {
        hint = " (this looks like a HAR file)";
      } else if (root != nullptr && root->contains("mappings")) {
        hint = " (this looks like WireMock mappings)";
      }
      return MakeError("not a Hoverfly simulation: no data.pairs array" + hint,
                       ErrorCode::kInvalidArgument);
    }
    std::string timestamp =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
    if (const auto* meta = detail::GetObject(*root, "meta")) {
      if (const auto* version = detail::GetString(*meta, "schemaVersion")) {
        rep.format += " " + std::string(*version);
      }
      if (const auto* exported = detail::GetString(*meta, "timeExported");
          exported != nullptr && !exported->empty()) {
        timestamp = detail::NormalizeTimestamp(*exported);
      }
    }
    std::size_t dropped_encodings = 0;
    auto out = detail::ConvertEach<library::Exchange>(
        pairs->size(), "pairs",
        [](std::size_t i) { return "data.pairs[" + std::to_string(i) + "]"; },
        [&](std::size_t i, library::Exchange& ex) {
          return ConvertPair((*pairs)[i], options, timestamp, ex, &dropped_encodings);
        },
        options, rep);
    detail::FinishReport(dropped_encodings, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(std::string("Hoverfly import failed: ") + e.what(),
                     ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
