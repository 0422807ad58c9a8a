// WireMock stub mapping importer: a single mapping, {"mappings": [...]} or a JSON array of
// mappings. One exchange per mapping with a literal request URL and an inline response body.
// Scenario mappings are ordered by scenario state. See README.md ("WireMock mappings").
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <exception>
#include <map>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"

namespace gostly::seed {
namespace json = boost::json;
using common::ErrorCode;
using common::HeaderList;
using common::MakeError;

namespace {

// A header/query matcher that names one concrete value: {"equalTo": "v"} (case-sensitive
// or not) or a plain string. Returns false when it is a pattern.
bool LiteralMatcher(const json::value& v, std::string* out) {
  if (const auto* s = v.if_string()) {
    *out = std::string(*s);
    return true;
  }
  const auto* o = v.if_object();
  if (o == nullptr) return false;
  const auto* eq = detail::GetString(*o, "equalTo");
  if (eq == nullptr) return false;
  for (const auto& [key, value] : *o) {
    (void)value;
    if (key != "equalTo" && key != "caseInsensitive") return false;
  }
  *out = std::string(*eq);
  return true;
}

struct Mapping {
  std::size_t index = 0;
  std::string scenario;
  std::string required_state;
  std::string new_state;
  library::Exchange ex;
};

std::string ConvertMapping(const json::value& value, const ImportOptions& options,
                           const std::string& timestamp, Mapping& m, std::size_t* dropped,
                           std::vector<std::string>* warnings) {
  const auto* mapping = value.if_object();
  if (mapping == nullptr) return "mapping is not a JSON object";
  const auto* request = detail::GetObject(*mapping, "request");
  if (request == nullptr) return "no request";
  const auto* response = detail::GetObject(*mapping, "response");
  if (response == nullptr) return "no response";
  library::Exchange& ex = m.ex;

  const auto* method = detail::GetString(*request, "method");
  if (method == nullptr || method->empty() || *method == "ANY") {
    return "request method is absent or ANY (no concrete method)";
  }
  std::string target;
  if (const auto* url = detail::GetString(*request, "url")) {
    target = std::string(*url);
  } else if (const auto* path = detail::GetString(*request, "urlPath")) {
    target = std::string(*path);
    std::vector<std::pair<std::string, std::string>> params;
    if (const auto* query = detail::GetObject(*request, "queryParameters")) {
      for (const auto& [name, matcher] : *query) {
        std::string v;
        if (!LiteralMatcher(matcher, &v)) {
          return "query parameter '" + std::string(name) + "' is a pattern, not a literal value";
        }
        params.emplace_back(std::string(name), std::move(v));
      }
    }
    if (!params.empty()) target += "?" + detail::FormUrlEncode(params);
  } else if (request->contains("urlPattern") || request->contains("urlPathPattern")) {
    return "request URL is a regular expression (urlPattern/urlPathPattern), not a literal path";
  } else {
    return "request has no url or urlPath";
  }
  if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
  auto split = detail::SplitUrl("http://h" + target, false);
  if (!split) return "url: " + split.error();

  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.timestamp = timestamp;
  ex.method = std::string(*method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(split->target);
  if (const auto* headers = detail::GetObject(*request, "headers")) {
    for (const auto& [name, matcher] : *headers) {
      std::string v;
      if (!LiteralMatcher(matcher, &v)) {
        return "request header '" + std::string(name) + "' is a pattern, not a literal value";
      }
      ex.request_headers.emplace_back(std::string(name), std::move(v));
    }
    detail::CleanRequestHeaders(ex.request_headers);
  }
  if (const auto* patterns = detail::GetArray(*request, "bodyPatterns")) {
    bool literal = false;
    for (const auto& p : *patterns) {
      const auto* o = p.if_object();
      if (o == nullptr) continue;
      if (const auto* eq = detail::GetString(*o, "equalTo")) {
        ex.request_body = std::string(*eq);
        literal = true;
      } else if (const auto* bin = detail::GetString(*o, "binaryEqualTo")) {
        auto decoded = detail::DecodeBase64Lenient(*bin);
        if (!decoded) return "request binaryEqualTo is not valid base64";
        ex.request_body = std::move(decoded).value();
        literal = true;
      } else if (auto it = o->find("equalToJson"); it != o->end()) {
        ex.request_body = it->value().is_string() ? std::string(it->value().get_string())
                                                  : json::serialize(it->value());
        literal = true;
      }
    }
    if (!literal && !patterns->empty()) {
      warnings->push_back(
          "mapping " + std::to_string(m.index) +
          ": request body patterns are not literal; the request body is left empty");
    }
  }

  auto status_it = response->find("status");
  std::int64_t status = 200;  // WireMock's default
  if (status_it != response->end()) {
    if (const auto* i = status_it->value().if_int64())
      status = *i;
    else if (const auto* u = status_it->value().if_uint64())
      status = static_cast<std::int64_t>(*u);
    else
      return "response status is not a number";
  }
  if (status < 100 || status > 999) return "response status is not an HTTP status";
  if (response->contains("fault")) return "response is a simulated fault, not an HTTP response";
  if (response->contains("proxyBaseUrl")) return "response is proxied, not recorded";
  if (const auto* file = detail::GetString(*response, "bodyFileName")) {
    return "response body is in a separate file (bodyFileName '" + std::string(*file) +
           "'), not in the mapping";
  }
  if (const auto* transformers = detail::GetArray(*response, "transformers");
      transformers != nullptr && !transformers->empty()) {
    return "response uses transformers (rendered per request by WireMock)";
  }
  ex.status = static_cast<int>(status);
  if (const auto* headers = detail::GetObject(*response, "headers")) {
    for (const auto& [name, v] : *headers) {
      if (const auto* list = v.if_array()) {
        for (const auto& item : *list) {
          ex.response_headers.emplace_back(std::string(name), detail::ScalarText(&item));
        }
      } else {
        ex.response_headers.emplace_back(std::string(name), detail::ScalarText(&v));
      }
    }
  }
  if (const auto* b64 = detail::GetString(*response, "base64Body")) {
    auto decoded = detail::DecodeBase64Lenient(*b64);
    if (!decoded) return "response base64Body is not valid base64";
    ex.response_body = std::move(decoded).value();
  } else if (auto it = response->find("jsonBody"); it != response->end()) {
    ex.response_body = json::serialize(it->value());
  } else if (const auto* body = detail::GetString(*response, "body")) {
    ex.response_body = std::string(*body);
  }
  *dropped += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
  auto delay = response->find("fixedDelayMilliseconds");
  if (delay != response->end() && delay->value().is_number()) {
    boost::system::error_code ec;
    double ms = delay->value().to_number<double>(ec);
    if (!ec && ms > 0) ex.latency_ms = ms;
  }

  if (const auto* s = detail::GetString(*mapping, "scenarioName")) m.scenario = std::string(*s);
  if (const auto* s = detail::GetString(*mapping, "requiredScenarioState")) {
    m.required_state = std::string(*s);
  }
  if (const auto* s = detail::GetString(*mapping, "newScenarioState")) {
    m.new_state = std::string(*s);
  }
  return {};
}

// Orders the mappings of each scenario by state: "Started" first, then each state reached by
// a newScenarioState transition (breadth-first, in file order); states never reached come
// last. Within a state, file order. A scenario's mappings take the place of its first one.
void OrderScenarios(std::vector<Mapping>& mappings) {
  std::map<std::string, std::vector<std::string>> order;  // scenario -> states in order
  for (const auto& m : mappings) {
    if (m.scenario.empty() || order.contains(m.scenario)) continue;
    std::vector<std::string> states{"Started"};
    for (std::size_t head = 0; head < states.size(); ++head) {
      for (const auto& n : mappings) {
        if (n.scenario != m.scenario || n.new_state.empty()) continue;
        std::string from = n.required_state.empty() ? "Started" : n.required_state;
        if (from != states[head]) continue;
        if (std::find(states.begin(), states.end(), n.new_state) == states.end()) {
          states.push_back(n.new_state);
        }
      }
    }
    order[m.scenario] = std::move(states);
  }
  auto rank = [&](const Mapping& m) -> std::size_t {
    const auto& states = order[m.scenario];
    std::string state = m.required_state.empty() ? "Started" : m.required_state;
    auto it = std::find(states.begin(), states.end(), state);
    return static_cast<std::size_t>(it - states.begin());
  };
  std::map<std::string, std::size_t> first;  // scenario -> index of its first mapping
  for (const auto& m : mappings) {
    if (!m.scenario.empty() && !first.contains(m.scenario)) first[m.scenario] = m.index;
  }
  std::stable_sort(mappings.begin(), mappings.end(), [&](const Mapping& a, const Mapping& b) {
    std::size_t ga = a.scenario.empty() ? a.index : first[a.scenario];
    std::size_t gb = b.scenario.empty() ? b.index : first[b.scenario];
    if (ga != gb) return ga < gb;
    if (a.scenario.empty() || b.scenario.empty()) return a.index < b.index;
    std::size_t ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb;
    return a.index < b.index;
  });
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportWireMock(std::string_view text,
                                                              const ImportOptions& options,
                                                              ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "wiremock";
  try {
    auto doc = detail::ParseJsonInput(text, options);
    if (!doc) return MakeError("cannot read WireMock mappings: " + doc.error(), doc.error_code());
    std::vector<const json::value*> items;
    std::string prefix = "mappings";
    if (const auto* array = doc->if_array()) {
      prefix = "";
      for (const auto& v : *array) items.push_back(&v);
    } else if (const auto* root = doc->if_object()) {
      if (const auto* list = detail::GetArray(*root, "mappings")) {
        for (const auto& v : *list) items.push_back(&v);
      } else if (detail::GetObject(*root, "request") != nullptr &&
                 detail::GetObject(*root, "response") != nullptr) {
        prefix = "mapping";
        items.push_back(&*doc);
      } else {
        std::string hint;
        if (detail::GetObject(*root, "log") != nullptr) hint = " (this looks like a HAR file)";
        if (detail::GetObject(*root, "data") != nullptr) {
          hint = " (this looks like a Hoverfly simulation)";
        }
        return MakeError(
            "not WireMock mappings: expected a mapping (request + response), a \"mappings\" "
            "array or a JSON array of mappings" +
                hint,
            ErrorCode::kInvalidArgument);
      }
    } else {
      return MakeError("not WireMock mappings: the top level is neither an object nor an array",
                       ErrorCode::kInvalidArgument);
    }
    const std::string timestamp =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
    std::vector<Mapping> mappings;
    std::size_t dropped = 0;
    auto where = [&](std::size_t i) {
      return prefix == "mapping" ? prefix : prefix + "[" + std::to_string(i) + "]";
    };
    mappings = detail::ConvertEach<Mapping>(
        items.size(), "mappings", where,
        [&](std::size_t i, Mapping& m) {
          m.index = i;
          return ConvertMapping(*items[i], options, timestamp, m, &dropped, &rep.warnings);
        },
        options, rep);
    OrderScenarios(mappings);
    std::vector<library::Exchange> out;
    out.reserve(mappings.size());
    for (auto& m : mappings) out.push_back(std::move(m.ex));
    detail::FinishReport(dropped, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(std::string("WireMock import failed: ") + e.what(),
                     ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
