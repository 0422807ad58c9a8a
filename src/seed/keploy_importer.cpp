// Keploy mock/test file importer (YAML documents "version/kind/name/spec"): one exchange per
// document of kind Http. See README.md ("Keploy mocks").
#include <algorithm>
#include <cctype>
#include <exception>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"
#include "seed/peer_yaml.hpp"

namespace gostly::seed {
using common::ErrorCode;
using common::MakeError;

namespace {

std::string ConvertMock(const YAML::Node& doc, const ImportOptions& options,
                        const std::string& fallback_timestamp, library::Exchange& ex,
                        std::size_t* dropped) {
  auto spec = detail::YamlChild(doc, "spec");
  auto request = detail::YamlChild(spec, "req");
  auto response = detail::YamlChild(spec, "resp");
  if (!request.IsDefined() || !request.IsMap()) return "no spec.req";
  if (!response.IsDefined() || !response.IsMap()) return "no spec.resp";
  std::string method = detail::YamlText(detail::YamlChild(request, "method"));
  if (method.empty()) return "spec.req has no method";
  std::string url = detail::YamlText(detail::YamlChild(request, "url"));
  if (url.empty()) return "spec.req has no url";
  // Keploy writes absolute URLs for outgoing calls and bare paths for some clients.
  const bool relative = url.front() == '/';
  auto target = detail::SplitUrl(relative ? "http://h" + url : url, false);
  if (!target) return target.error();
  long long status = 0;
  if (!detail::YamlInt(detail::YamlChild(response, "status_code"), &status) || status < 100 ||
      status > 999) {
    return "spec.resp has no HTTP status_code";
  }

  ex.service = options.service;
  ex.recording_session_id = options.recording_session_id;
  ex.method = std::move(method);
  std::transform(ex.method.begin(), ex.method.end(), ex.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  ex.uri = std::move(target->target);
  ex.request_headers = detail::YamlHeaders(detail::YamlChild(request, "header"));
  detail::CleanRequestHeaders(ex.request_headers);
  if (!relative && !target->host.empty() && !detail::HasHeader(ex.request_headers, "host")) {
    ex.request_headers.insert(ex.request_headers.begin(), {"Host", target->host});
  }
  ex.request_body = detail::YamlText(detail::YamlChild(request, "body"));
  ex.status = static_cast<int>(status);
  ex.response_headers = detail::YamlHeaders(detail::YamlChild(response, "header"));
  ex.response_body = detail::YamlText(detail::YamlChild(response, "body"));
  *dropped += detail::CleanResponseHeaders(ex.response_headers, ex.response_body);
  std::string when = detail::YamlText(detail::YamlChild(spec, "reqTimestampMock"));
  ex.timestamp = when.empty() ? fallback_timestamp : detail::NormalizeTimestamp(when);
  return {};
}

}  // namespace

common::Result<std::vector<library::Exchange>> ImportKeploy(std::string_view text,
                                                            const ImportOptions& options,
                                                            ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  rep.format = "keploy";
  try {
    auto docs = detail::LoadYamlDocuments(text, options, detail::PeerYamlNodeBudget(text));
    if (!docs) return MakeError("cannot read Keploy file: " + docs.error(), docs.error_code());
    bool any_kind = false;
    for (const auto& doc : *docs) {
      if (detail::YamlChild(doc, "kind").IsDefined()) any_kind = true;
    }
    if (!any_kind) {
      std::string hint;
      if (!docs->empty() && detail::YamlChild(docs->front(), "interactions").IsDefined()) {
        hint = " (this looks like a VCR cassette)";
      }
      return MakeError("not a Keploy file: no document has a 'kind'" + hint,
                       ErrorCode::kInvalidArgument);
    }
    if (!docs->empty()) {
      std::string version = detail::YamlText(detail::YamlChild(docs->front(), "version"));
      if (!version.empty()) rep.format += " " + version;
    }
    const std::string fallback =
        options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
    std::vector<library::Exchange> out;
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < docs->size(); ++i) {
      const auto& doc = (*docs)[i];
      if (doc.IsNull() || !doc.IsDefined()) continue;  // an empty document (trailing "---")
      std::string name = detail::YamlText(detail::YamlChild(doc, "name"));
      std::string where =
          "document " + std::to_string(i + 1) + (name.empty() ? std::string() : " '" + name + "'");
      if (detail::StopAtEntryLimit(out.size(), docs->size(), i, where, "documents", options,
                                   rep)) {
        break;
      }
      std::string kind = detail::YamlText(detail::YamlChild(doc, "kind"));
      if (kind != "Http" && kind != "HTTP") {
        rep.skipped.push_back({std::move(where), "kind '" + kind + "' is not an HTTP mock"});
        continue;
      }
      library::Exchange ex;
      auto why = ConvertMock(doc, options, fallback, ex, &dropped);
      if (!why.empty()) {
        rep.skipped.push_back({std::move(where), std::move(why)});
        continue;
      }
      out.push_back(std::move(ex));
    }
    detail::FinishReport(dropped, out.size(), rep);
    return out;
  } catch (const std::exception& e) {
    return MakeError(std::string("Keploy import failed: ") + e.what(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
