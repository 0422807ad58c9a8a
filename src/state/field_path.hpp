// How this module's readers name the field at fault. Handed a document directly, they quote
// a top-level key ("'rules' must be an array") and write deeper fields as a path
// ("rules[0].errors.rate must be …"). A caller that holds the document under a key of its
// own passes that key as `root`, and every message names the field from there
// ("chaos.rules must be an array", "routes[1].statecharts[0].name must be …").
#pragma once

#include <string>
#include <string_view>

namespace gostly::state {

// A key of the document: 'key', or root.key.
inline std::string FieldName(std::string_view root, std::string_view key) {
  if (root.empty()) return "'" + std::string(key) + "'";
  return std::string(root) + "." + std::string(key);
}

// A path into the document ("rules[0]", "transitions['a']"): as is, or root.path.
inline std::string FieldPath(std::string_view root, std::string_view path) {
  if (root.empty()) return std::string(path);
  return std::string(root) + "." + std::string(path);
}

// A message about the document as a whole: as is, or "root: message".
inline std::string AboutDocument(std::string_view root, std::string_view message) {
  if (root.empty()) return std::string(message);
  return std::string(root) + ": " + std::string(message);
}

}  // namespace gostly::state
