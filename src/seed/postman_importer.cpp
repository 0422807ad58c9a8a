// Postman collection v2.0 / v2.1 importer
// (https://schema.getpostman.com/json/collection/v2.1.0/collection.json). Saved example
// responses are the only source of responses: requests without one are reported, never
// invented. See README.md for the decisions.
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

using Variables = std::map<std::string, std::string, std::less<>>;

bool Enabled(const json::object& o) {
  auto it = o.find("disabled");
  if (it != o.end() && it->value().is_bool() && it->value().get_bool()) return false;
  it = o.find("enabled");
  return !(it != o.end() && it->value().is_bool() && !it->value().get_bool());
}

// Collection, folder and environment variables: [{key|id, value, disabled}].
void AddVariables(const json::array* list, Variables& vars) {
  if (list == nullptr) return;
  for (const auto& item : *list) {
    const auto* o = item.if_object();
    if (o == nullptr || !Enabled(*o)) continue;
    const auto* key = detail::GetString(*o, "key");
    if (key == nullptr) key = detail::GetString(*o, "id");
    if (key == nullptr || key->empty()) continue;
    auto it = o->find("value");
    vars[std::string(*key)] = detail::ScalarText(it == o->end() ? nullptr : &it->value());
  }
}

class Importer {
 public:
  Importer(const ImportOptions& options, ImportReport& report, std::string timestamp)
      : options_(options), report_(report), timestamp_(std::move(timestamp)) {}

  void Walk(const json::array& items, const Variables& vars, const std::string& where) {
    for (const auto& value : items) {
      if (full_) return;
      const auto* item = value.if_object();
      if (item == nullptr) continue;
      std::string name = "(unnamed)";
      if (const auto* n = detail::GetString(*item, "name")) name = std::string(*n);
      std::string here = (where.empty() ? "item '" : where + " > '") + name + "'";
      if (const auto* children = detail::GetArray(*item, "item")) {
        // A folder; it may carry its own variables, visible to its descendants.
        if (const auto* folder_vars = detail::GetArray(*item, "variable")) {
          Variables scoped = vars;
          AddVariables(folder_vars, scoped);
          Walk(*children, scoped, here);
        } else {
          Walk(*children, vars, here);
        }
        continue;
      }
      ImportItem(*item, vars, here);
    }
  }

  std::vector<library::Exchange>& exchanges() { return out_; }

  void Finish() {
    for (const auto& [name, count] : unresolved_) {
      report_.warnings.push_back("unresolved variable {{" + name + "}} left as is (" +
                                 std::to_string(count) + " occurrences)");
    }
    detail::FinishReport(dropped_encodings_, out_.size(), report_);
  }

 private:
  std::string Substitute(std::string_view text, const Variables& vars) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
      auto open = text.find("{{", pos);
      if (open == std::string_view::npos) break;
      auto close = text.find("}}", open + 2);
      if (close == std::string_view::npos) break;
      out.append(text.substr(pos, open - pos));
      auto name = text.substr(open + 2, close - open - 2);
      if (auto it = vars.find(name); it != vars.end()) {
        out += it->second;
      } else {
        ++unresolved_[std::string(name)];
        out.append(text.substr(open, close + 2 - open));
      }
      pos = close + 2;
    }
    out.append(text.substr(pos));
    return out;
  }

  HeaderList ReadHeaders(const json::value* value, const Variables& vars) {
    HeaderList out;
    if (value == nullptr) return out;
    if (const auto* s = value->if_string()) {
      // v2.0 allows headers as one "Name: value\n..." string.
      std::string_view rest = *s;
      while (!rest.empty()) {
        auto end = rest.find('\n');
        auto line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        auto val = line.substr(colon + 1);
        while (!val.empty() && val.front() == ' ') val.remove_prefix(1);
        out.emplace_back(Substitute(line.substr(0, colon), vars), Substitute(val, vars));
      }
      return out;
    }
    const auto* list = value->if_array();
    if (list == nullptr) return out;
    for (const auto& item : *list) {
      const auto* o = item.if_object();
      if (o == nullptr || !Enabled(*o)) continue;
      const auto* key = detail::GetString(*o, "key");
      if (key == nullptr) key = detail::GetString(*o, "name");
      if (key == nullptr || key->empty()) continue;
      auto it = o->find("value");
      out.emplace_back(
          Substitute(*key, vars),
          Substitute(detail::ScalarText(it == o->end() ? nullptr : &it->value()), vars));
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> ReadPairs(const json::array* list,
                                                             const Variables& vars) {
    std::vector<std::pair<std::string, std::string>> out;
    if (list == nullptr) return out;
    for (const auto& item : *list) {
      const auto* o = item.if_object();
      if (o == nullptr || !Enabled(*o)) continue;
      const auto* key = detail::GetString(*o, "key");
      if (key == nullptr) continue;
      auto it = o->find("value");
      out.emplace_back(
          Substitute(*key, vars),
          Substitute(detail::ScalarText(it == o->end() ? nullptr : &it->value()), vars));
    }
    return out;
  }

  std::string ReadBody(const json::object* body, const Variables& vars, const std::string& where) {
    if (body == nullptr || !Enabled(*body)) return {};
    const auto* mode = detail::GetString(*body, "mode");
    if (mode == nullptr) return {};
    if (*mode == "raw") {
      const auto* raw = detail::GetString(*body, "raw");
      return raw == nullptr ? std::string() : Substitute(*raw, vars);
    }
    if (*mode == "urlencoded") {
      return detail::FormUrlEncode(ReadPairs(detail::GetArray(*body, "urlencoded"), vars));
    }
    if (*mode == "graphql") {
      const auto* graphql = detail::GetObject(*body, "graphql");
      if (graphql == nullptr) return {};
      json::object doc;
      doc["query"] = Substitute(detail::ScalarText(graphql->if_contains("query")), vars);
      if (const auto* v = graphql->if_contains("variables"); v != nullptr && v->is_string()) {
        auto text = Substitute(v->get_string(), vars);
        boost::system::error_code ec;
        auto parsed = json::parse(text, ec);
        doc["variables"] = ec ? json::value(text) : parsed;
      }
      return json::serialize(doc);
    }
    // An empty form (Postman's default body on a GET) is simply no body.
    if (const auto* fields = detail::GetArray(*body, *mode);
        fields != nullptr &&
        std::none_of(fields->begin(), fields->end(), [](const json::value& field) {
          return field.is_object() && Enabled(field.get_object());
        })) {
      return {};
    }
    report_.warnings.push_back(where + ": '" + std::string(*mode) +
                               "' request body not reproduced (the exchange has no request body)");
    return {};
  }

  // Replaces ":name" path segments with the URL's path variables (url.variable).
  static void ApplyPathVariables(std::string& url, const json::array* list, Importer& self,
                                 const Variables& vars) {
    if (list == nullptr) return;
    for (const auto& item : *list) {
      const auto* o = item.if_object();
      if (o == nullptr) continue;
      const auto* key = detail::GetString(*o, "key");
      auto value = self.Substitute(detail::ScalarText(o->if_contains("value")), vars);
      if (key == nullptr || key->empty() || value.empty()) continue;
      std::string needle = "/:" + std::string(*key);
      std::size_t pos = 0;
      while ((pos = url.find(needle, pos)) != std::string::npos) {
        std::size_t end = pos + needle.size();
        if (end == url.size() || url[end] == '/' || url[end] == '?' || url[end] == '#') {
          url.replace(pos + 1, needle.size() - 1, value);
          pos += 1 + value.size();
        } else {
          pos = end;
        }
      }
    }
  }

  // The request URL as text: `raw` when present (what the user typed), else rebuilt from
  // protocol, host, port, path and query.
  std::string ReadUrl(const json::value* url, const Variables& vars) {
    if (url == nullptr) return {};
    if (const auto* s = url->if_string()) return Substitute(*s, vars);
    const auto* o = url->if_object();
    if (o == nullptr) return {};
    std::string text;
    if (const auto* raw = detail::GetString(*o, "raw")) {
      text = Substitute(*raw, vars);
    } else {
      if (const auto* protocol = detail::GetString(*o, "protocol")) {
        text += std::string(*protocol) + "://";
      }
      auto join = [](const json::value* v, char sep) {
        std::string s;
        if (v == nullptr) return s;
        if (const auto* str = v->if_string()) return std::string(*str);
        if (const auto* arr = v->if_array()) {
          for (const auto& part : *arr) {
            if (!s.empty() || sep == '/') s += sep;
            if (const auto* po = part.if_object()) {
              s += detail::ScalarText(po->if_contains("value"));
            } else {
              s += detail::ScalarText(&part);
            }
          }
        }
        return s;
      };
      text += join(o->if_contains("host"), '.');
      if (const auto* port = o->if_contains("port")) text += ":" + detail::ScalarText(port);
      std::string path = join(o->if_contains("path"), '/');
      if (!path.empty() && path.front() != '/') path.insert(0, "/");
      text += path;
      auto query = ReadPairs(detail::GetArray(*o, "query"), {});
      for (std::size_t i = 0; i < query.size(); ++i) {
        text += (i == 0 ? "?" : "&") + query[i].first;
        if (!query[i].second.empty()) text += "=" + query[i].second;
      }
      text = Substitute(text, vars);
    }
    ApplyPathVariables(text, detail::GetArray(*o, "variable"), *this, vars);
    return text;
  }

  void ImportItem(const json::object& item, const Variables& vars, const std::string& where) {
    const auto* responses = detail::GetArray(item, "response");
    if (responses == nullptr || responses->empty()) {
      report_.skipped.push_back({where, "no saved response"});
      return;
    }
    const json::value* item_request = item.if_contains("request");
    for (std::size_t i = 0; i < responses->size(); ++i) {
      if (out_.size() >= options_.max_entries) {
        report_.skipped.push_back({where, "over the limit of " +
                                              std::to_string(options_.max_entries) +
                                              " exchanges (max_entries); import stopped"});
        full_ = true;
        return;
      }
      const auto* response = (*responses)[i].if_object();
      std::string example = where + " > example ";
      if (response != nullptr && detail::GetString(*response, "name") != nullptr) {
        example += "'" + std::string(*detail::GetString(*response, "name")) + "'";
      } else {
        example += std::to_string(i);
      }
      if (response == nullptr) {
        report_.skipped.push_back({example, "saved response is not a JSON object"});
        continue;
      }
      const json::value* request = response->if_contains("originalRequest");
      if (request == nullptr || request->is_null()) request = item_request;
      library::Exchange ex;
      std::string reason = Convert(request, *response, vars, example, ex);
      if (!reason.empty()) {
        report_.skipped.push_back({example, std::move(reason)});
        continue;
      }
      out_.push_back(std::move(ex));
    }
  }

  // Returns the reason the example is skipped, or "" on success.
  std::string Convert(const json::value* request, const json::object& response,
                      const Variables& vars, const std::string& where, library::Exchange& ex) {
    const json::object* req = request == nullptr ? nullptr : request->if_object();
    std::string url;
    std::string method = "GET";
    if (request != nullptr && request->is_string()) {
      url = Substitute(request->get_string(), vars);
    } else if (req != nullptr) {
      url = ReadUrl(req->if_contains("url"), vars);
      if (const auto* m = detail::GetString(*req, "method"); m != nullptr && !m->empty()) {
        method = std::string(*m);
      }
    } else {
      return "no request";
    }
    if (url.empty()) return "request has no URL";
    auto target = detail::SplitUrl(url, true);
    if (!target) return target.error();

    const auto* code = response.if_contains("code");
    if (code == nullptr || !code->is_number()) return "saved response has no status code";
    boost::system::error_code ec;
    double status = code->to_number<double>(ec);
    if (ec || status < 100 || status > 999) return "saved response status is not an HTTP status";

    ex.service = options_.service;
    ex.recording_session_id = options_.recording_session_id;
    ex.timestamp = timestamp_;
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    ex.method = std::move(method);
    ex.uri = std::move(target->target);
    if (req != nullptr) {
      ex.request_headers = ReadHeaders(req->if_contains("header"), vars);
      ex.request_body = ReadBody(detail::GetObject(*req, "body"), vars, where);
    }
    detail::CleanRequestHeaders(ex.request_headers);
    // An unresolved {{host}} is not a host name: leave Host out rather than send it.
    if (!detail::HasHeader(ex.request_headers, "host") && !target->host.empty() &&
        target->host.find("%7B%7B") == std::string::npos) {
      ex.request_headers.insert(ex.request_headers.begin(), {"Host", target->host});
    }
    ex.status = static_cast<int>(status);
    ex.response_headers = ReadHeaders(response.if_contains("header"), {});
    ex.response_body = detail::ScalarText(response.if_contains("body"));
    dropped_encodings_ += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
    if (const auto* rt = response.if_contains("responseTime"); rt != nullptr && rt->is_number()) {
      double ms = rt->to_number<double>(ec);
      if (!ec && ms > 0) ex.latency_ms = ms;
    }
    return {};
  }

  const ImportOptions& options_;
  ImportReport& report_;
  std::string timestamp_;
  std::vector<library::Exchange> out_;
  std::map<std::string, std::size_t> unresolved_;
  std::size_t dropped_encodings_ = 0;
  bool full_ = false;
};

common::Result<Variables> ReadEnvironment(std::string_view text, const ImportOptions& options) {
  Variables vars;
  if (text.empty()) return vars;
  auto doc = detail::ParseJsonInput(text, options);
  if (!doc) return MakeError("environment: " + doc.error(), ErrorCode::kInvalidArgument);
  const auto* root = doc->if_object();
  if (root == nullptr) {
    return MakeError("environment: expected a JSON object ({\"values\":[...]} or a map)",
                     ErrorCode::kInvalidArgument);
  }
  if (const auto* values = detail::GetArray(*root, "values")) {
    AddVariables(values, vars);
    return vars;
  }
  for (const auto& [key, value] : *root) vars[std::string(key)] = detail::ScalarText(&value);
  return vars;
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportPostman(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "postman";
  try {
    auto doc = detail::ParseJsonInput(text, options);
    if (!doc) return MakeError("cannot read Postman collection: " + doc.error(), doc.error_code());
    const auto* root = doc->if_object();
    if (root == nullptr) {
      return MakeError("not a Postman collection: the top level is not a JSON object",
                       ErrorCode::kInvalidArgument);
    }
    const auto* info = detail::GetObject(*root, "info");
    const auto* schema = info == nullptr ? nullptr : detail::GetString(*info, "schema");
    std::string_view s = schema == nullptr ? std::string_view() : std::string_view(*schema);
    if (s.find("schema.getpostman.com") == std::string_view::npos &&
        s.find("collection/v2") == std::string_view::npos) {
      std::string hint;
      if (const auto* log = detail::GetObject(*root, "log");
          log != nullptr && log->contains("entries")) {
        hint = " (this is a HAR file: import it as HAR)";
      } else if (root->contains("openapi") || root->contains("swagger")) {
        hint = " (this is an OpenAPI document)";
      } else if (root->contains("requests")) {
        hint = " (Postman v1 collections are not supported: re-export as v2.1)";
      }
      return MakeError("not a Postman collection: no info.schema naming a v2 collection" + hint,
                       ErrorCode::kInvalidArgument);
    }
    if (auto v = s.find("/v2"); v != std::string_view::npos) {
      auto end = s.find('/', v + 1);
      rep.format +=
          " " + std::string(s.substr(
                    v + 1, end == std::string_view::npos ? std::string_view::npos : end - v - 1));
    }
    Variables vars;
    AddVariables(detail::GetArray(*root, "variable"), vars);
    auto env = ReadEnvironment(options.environment, options);
    if (!env) return env.error_value();
    for (auto& [key, value] : env.value()) vars[key] = value;  // environment wins

    Importer importer(
        options, rep,
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp);
    if (const auto* items = detail::GetArray(*root, "item")) importer.Walk(*items, vars, "");
    importer.Finish();
    return std::move(importer.exchanges());
  } catch (const std::exception& e) {
    return MakeError(std::string("Postman import failed: ") + e.what(),
                     ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
