// YAML input for the peer importers (VCR.py, go-vcr, Keploy; internal to src/seed): bounded,
// tag-checked loading on yaml-cpp, positioned errors, typed scalar access without throwing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "seed/importer.hpp"

namespace gostly::seed::detail {

// Loads every document of `text` (a stream of "---"-separated documents). Refuses input over
// options.max_bytes; a syntax error names line and column ("invalid YAML at line 3, column
// 7: ..."). Every node must carry a core-schema tag (str, int, float, bool, null, binary,
// map, seq, timestamp, merge) or none: language-specific tags such as !!python/object and
// local tags (!foo) are refused with their position, as they ask a loader to build objects.
// The walk counts every node reached, aliases included, and fails past `max_nodes` (an
// alias "billion laughs" would otherwise expand exponentially for any later reader).
common::Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text,
                                                          const ImportOptions& options,
                                                          std::size_t max_nodes);

// Child of a map, or an undefined/null node; never throws.
YAML::Node YamlChild(const YAML::Node& node, const char* key);
// The scalar's text when `node` is a scalar (any tag except binary), "" otherwise.
std::string YamlText(const YAML::Node& node);
bool YamlIsScalar(const YAML::Node& node);
bool YamlIsBinary(const YAML::Node& node);
// A scalar tagged !!binary, decoded; Error when it is not valid base64.
common::Result<std::string> YamlBinary(const YAML::Node& node);
// Integer value of a scalar ("200"); false when it is not an integer.
bool YamlInt(const YAML::Node& node, long long* out);
// 1-based line of a node, for "where" strings.
std::size_t YamlLine(const YAML::Node& node);

// Headers as {name: [v, ...]} or {name: v}; values rendered as text.
common::HeaderList YamlHeaders(const YAML::Node& node);

// The node budget for LoadYamlDocuments: generous for real files, tiny next to an alias
// bomb's expansion (defined in vcr_importer.cpp, with ParseGoDuration).
std::size_t PeerYamlNodeBudget(std::string_view text);
// Go time.Duration text ("460.639208ms", "1m2.5s") in milliseconds; < 0 when unreadable.
double ParseGoDuration(std::string_view text);

}  // namespace gostly::seed::detail
