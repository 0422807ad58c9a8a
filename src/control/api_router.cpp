#include "control/api_router.hpp"

#include <boost/json.hpp>

#include <cctype>

namespace gostly::control {

namespace json = boost::json;

namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

const char* AccessName(Access a) {
  switch (a) {
    case Access::kPublic: return "public";
    case Access::kViewer: return "viewer";
    case Access::kEditor: return "editor";
    case Access::kAdmin: return "admin";
  }
  return "viewer";
}

}  // namespace

std::string ApiRequest::Header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

std::string ApiRequest::Query(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    std::size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    std::size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    if (key == name) {
      return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return {};
}

void ApiRouter::Add(Operation operation, Handler handler) {
  Route route{std::move(operation), {}, std::move(handler)};
  route.segments = Split(route.operation.pattern);
  routes_.push_back(std::move(route));
}

ApiRouter::Match ApiRouter::Find(ApiRequest& request) const {
  Match match;
  const auto segments = Split(request.path);
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      if (IsParam(route.segments[i])) {
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] =
            PercentDecode(segments[i]);
      } else {
        ok = route.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    match.path_known = true;
    if (route.operation.method != request.method) continue;
    request.params = std::move(params);
    match.operation = &route.operation;
    match.handler = &route.handler;
    return match;
  }
  return match;
}

json::object ApiRouter::OpenApi(const std::string& title, const std::string& version) const {
  json::object error_schema{
      {"type", "object"},
      {"required", json::array{"detail", "error_code"}},
      {"properties", json::object{{"detail", json::object{{"type", "string"}}},
                                  {"error_code", json::object{{"type", "string"}}}}}};
  json::object paths;
  for (const Route& route : routes_) {
    const Operation& op = route.operation;
    json::object operation;
    operation["summary"] = op.summary;
    operation["x-gostly-access"] = AccessName(op.access);
    json::array parameters;
    for (const std::string& seg : route.segments) {
      if (!IsParam(seg)) continue;
      parameters.push_back(json::object{{"name", seg.substr(1, seg.size() - 2)},
                                        {"in", "path"},
                                        {"required", true},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    if (op.paginated) {
      parameters.push_back(json::object{{"name", "cursor"}, {"in", "query"},
                                        {"schema", json::object{{"type", "string"}}}});
      parameters.push_back(json::object{
          {"name", "limit"}, {"in", "query"},
          {"schema", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}}});
    }
    for (const std::string& q : op.query_params) {
      parameters.push_back(json::object{{"name", q}, {"in", "query"},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    if (op.method == "POST") {
      parameters.push_back(json::object{{"name", "Idempotency-Key"}, {"in", "header"},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (!op.request_schema.is_null()) {
      operation["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json",
                                    json::object{{"schema", op.request_schema}}}}}};
    }
    json::object responses;
    json::value ok_schema =
        op.response_schema.is_null() ? json::value(json::object{{"type", "object"}})
                                     : op.response_schema;
    responses[std::to_string(op.success_status)] = json::object{
        {"description", "success"},
        {"content", json::object{{"application/json", json::object{{"schema", ok_schema}}}}}};
    responses["default"] = json::object{
        {"description", "error"},
        {"content", json::object{{"application/json",
                                  json::object{{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
    operation["responses"] = std::move(responses);
    if (op.access != Access::kPublic) {
      operation["security"] = json::array{json::object{{"ApiKey", json::array{}}}};
    }
    std::string lower = op.method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& path_item = paths[op.pattern];
    if (!path_item.is_object()) path_item = json::object{};
    path_item.as_object()[lower] = std::move(operation);
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", title}, {"version", version}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"schemas", json::object{{"Error", std::move(error_schema)}}},
                    {"securitySchemes",
                     json::object{{"ApiKey", json::object{{"type", "apiKey"},
                                                          {"in", "header"},
                                                          {"name", "X-API-Key"}}}}}}}};
}

}  // namespace gostly::control
