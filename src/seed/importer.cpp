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

}  // namespace

Format DetectFormat(std::string_view text) {
  std::size_t first = 0;
  while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
  if (first == text.size()) return Format::kUnknown;
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
  return Format::kUnknown;
}

}  // namespace gostly::seed
