#include "seed/importer.hpp"

#include <boost/json.hpp>
#include <cctype>

#include "seed/json_input.hpp"

namespace gostly::seed {
namespace json = boost::json;

std::string_view ToString(Format format) {
  switch (format) {
    case Format::kHar:
      return "har";
    case Format::kPostman:
      return "postman";
    case Format::kOpenApi:
      return "openapi";
    case Format::kHoverfly:
      return "hoverfly";
    case Format::kWireMock:
      return "wiremock";
    case Format::kVcr:
      return "vcr";
    case Format::kGoVcr:
      return "go-vcr";
    case Format::kKeploy:
      return "keploy";
    case Format::kBetamax:
      return "betamax";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

namespace {

// YAML OpenAPI documents: a top-level (unindented) "openapi:" or "swagger:" key. Only the
// first 64 KiB are looked at; specs put the version key at the top.
bool LooksLikeYamlOpenApi(std::string_view text) {
  text = text.substr(0, 64 * 1024);
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    if (line.starts_with("openapi:") || line.starts_with("swagger:") ||
        line.starts_with("\"openapi\":") || line.starts_with("\"swagger\":")) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

// VCR.py / go-vcr cassettes (a top-level "interactions:" key; the first indented "uri:" or
// "url:" line decides) and Keploy files (a top-level "version: api.keploy.io/..." line).
// Only the first 64 KiB are looked at.
Format LooksLikeYamlPeer(std::string_view text) {
  text = text.substr(0, 64 * 1024);
  bool interactions = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.starts_with("version: api.keploy.io/")) return Format::kKeploy;
    if (line.starts_with("interactions:")) {
      interactions = true;
      continue;
    }
    if (!interactions) continue;
    auto key = line.find_first_not_of(" -");
    if (key == std::string_view::npos || key == 0) continue;
    auto rest = line.substr(key);
    if (rest.starts_with("uri:")) return Format::kVcr;
    if (rest.starts_with("url:")) return Format::kGoVcr;
  }
  return Format::kUnknown;
}

// A JSON array whose first element is a WireMock mapping (request + response objects).
Format LooksLikeWireMockArray(std::string_view text) {
  ImportOptions options;
  options.max_bytes = text.size();
  auto doc = detail::ParseJsonInput(text, options);
  const auto* array = doc ? doc->if_array() : nullptr;
  if (array == nullptr || array->empty()) return Format::kUnknown;
  const auto* first = array->front().if_object();
  if (first != nullptr && detail::GetObject(*first, "request") != nullptr &&
      detail::GetObject(*first, "response") != nullptr) {
    return Format::kWireMock;
  }
  return Format::kUnknown;
}

}  // namespace

Format DetectFormat(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first == text.size()) return Format::kUnknown;
  if (text[first] == '[') return LooksLikeWireMockArray(text);
  if (text[first] != '{') {
    if (auto peer = LooksLikeYamlPeer(text); peer != Format::kUnknown) return peer;
  }
  if (text[first] != '{') return LooksLikeYamlOpenApi(text) ? Format::kOpenApi : Format::kUnknown;
  ImportOptions options;
  options.max_bytes = text.size();
  auto doc = detail::ParseJsonInput(text, options);
  if (!doc) return Format::kUnknown;
  const auto* root = doc->if_object();
  if (root == nullptr) return Format::kUnknown;
  if (const auto* log = detail::GetObject(*root, "log")) {
    if (detail::GetArray(*log, "entries") != nullptr) return Format::kHar;
  }
  if (const auto* info = detail::GetObject(*root, "info")) {
    if (const auto* schema = detail::GetString(*info, "schema")) {
      std::string_view s = *schema;
      if (s.find("schema.getpostman.com") != std::string_view::npos ||
          s.find("collection/v2") != std::string_view::npos) {
        return Format::kPostman;
      }
    }
  }
  if (root->contains("openapi") || root->contains("swagger")) return Format::kOpenApi;
  // Peer tools: Hoverfly has data.pairs; WireMock a "mappings" array or one mapping.
  if (const auto* data = detail::GetObject(*root, "data")) {
    if (detail::GetArray(*data, "pairs") != nullptr) return Format::kHoverfly;
  }
  if (detail::GetArray(*root, "mappings") != nullptr ||
      (detail::GetObject(*root, "request") != nullptr &&
       detail::GetObject(*root, "response") != nullptr)) {
    return Format::kWireMock;
  }
  if (detail::GetArray(*root, "http_interactions") != nullptr) return Format::kBetamax;
  return Format::kUnknown;
}

const std::vector<Format>& ImportableFormats() {
  static const std::vector<Format> formats = {
      Format::kHar,      Format::kPostman, Format::kOpenApi, Format::kHoverfly, Format::kWireMock,
      Format::kVcr,      Format::kGoVcr,   Format::kKeploy,  Format::kBetamax};
  return formats;
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (Format f : ImportableFormats()) {
    if (ToString(f) == name) return f;
  }
  return std::nullopt;
}

common::Result<std::vector<library::Exchange>> Import(Format format, std::string_view text,
                                                      const ImportOptions& options,
                                                      ImportReport* report) {
  switch (format) {
    case Format::kHar: return ImportHar(text, options, report);
    case Format::kPostman: return ImportPostman(text, options, report);
    case Format::kOpenApi: return ImportOpenApi(text, options, report);
    case Format::kHoverfly: return ImportHoverfly(text, options, report);
    case Format::kWireMock: return ImportWireMock(text, options, report);
    case Format::kVcr: return ImportVcr(text, options, report);
    case Format::kGoVcr: return ImportGoVcr(text, options, report);
    case Format::kKeploy: return ImportKeploy(text, options, report);
    case Format::kBetamax: return ImportBetamax(text, options, report);
    case Format::kUnknown: break;
  }
  return common::MakeError("unknown import format", common::ErrorCode::kInvalidArgument);
}

}  // namespace gostly::seed
