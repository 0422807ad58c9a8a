#include "seed/peer_yaml.hpp"

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "seed/json_input.hpp"

namespace gostly::seed::detail {
using common::ErrorCode;
using common::MakeError;

namespace {

constexpr std::string_view kCorePrefix = "tag:yaml.org,2002:";

bool AllowedTag(const std::string& tag) {
  if (tag.empty() || tag == "?" || tag == "!") return true;
  if (!tag.starts_with(kCorePrefix)) return false;
  std::string_view rest = std::string_view(tag).substr(kCorePrefix.size());
  for (std::string_view ok : {"str", "int", "float", "bool", "null", "binary", "map", "seq",
                              "timestamp", "merge", "omap", "set"}) {
    if (rest == ok) return true;
  }
  return false;
}

std::string Position(const YAML::Node& node) {
  const auto mark = node.Mark();
  if (mark.is_null()) return "";
  return " at line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1);
}

std::string DisplayTag(const std::string& tag) {
  if (tag.starts_with(kCorePrefix)) return "!!" + tag.substr(kCorePrefix.size());
  return tag;
}

// Iterative walk: checks tags and counts nodes (aliases are counted every time they are
// reached, which is what bounds an alias bomb).
std::string Check(const YAML::Node& root, std::size_t max_nodes, std::size_t* count) {
  std::vector<YAML::Node> stack{root};
  while (!stack.empty()) {
    YAML::Node node = stack.back();
    stack.pop_back();
    if (++*count > max_nodes) {
      return "YAML document expands to more than " + std::to_string(max_nodes) +
             " nodes (aliases included): refused";
    }
    if (!node.IsDefined()) continue;
    if (!AllowedTag(node.Tag())) {
      return "unsafe or unsupported YAML tag '" + DisplayTag(node.Tag()) + "'" + Position(node) +
             " (only core-schema tags such as !!str and !!binary are accepted)";
    }
    if (node.IsSequence()) {
      for (const auto& child : node) stack.push_back(child);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        stack.push_back(kv.first);
        stack.push_back(kv.second);
      }
    }
  }
  return {};
}

// Records where each document starts and nothing else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 never consumes a ',' that stands outside any collection: YAML::LoadAll then
// yields empty documents at that one position until memory runs out. One event pass (no nodes built) finds such a token first. Throws YAML::Exception
// for a syntax error, like LoadAll.
std::string StuckToken(std::string_view text) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentStarts starts;
  bool first = true;
  YAML::Mark previous;
  while (parser.HandleNextDocument(starts)) {
    if (!first && starts.start.pos == previous.pos) {
      std::string token = starts.start.pos >= 0 &&
                                  static_cast<std::size_t>(starts.start.pos) < text.size()
                              ? std::string(1, text[static_cast<std::size_t>(starts.start.pos)])
                              : std::string("token");
      return "invalid YAML at line " + std::to_string(starts.start.line + 1) + ", column " +
             std::to_string(starts.start.column + 1) + ": unexpected '" + token +
             "' outside a flow collection";
    }
    first = false;
    previous = starts.start;
  }
  return {};
}

}  // namespace

common::Result<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text,
                                                          const ImportOptions& options,
                                                          std::size_t max_nodes) {
  if (text.size() > options.max_bytes) {
    return MakeError("input is " + std::to_string(text.size()) + " bytes, over the limit of " +
                         std::to_string(options.max_bytes) + " (max_bytes)",
                     ErrorCode::kInvalidArgument);
  }
  std::vector<YAML::Node> docs;
  try {
    if (auto why = StuckToken(text); !why.empty()) {
      return MakeError(why, ErrorCode::kInvalidArgument);
    }
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return MakeError("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + ": " + e.msg,
                     ErrorCode::kInvalidArgument);
  } catch (const std::exception& e) {
    return MakeError(std::string("invalid YAML: ") + e.what(), ErrorCode::kInvalidArgument);
  }
  std::size_t count = 0;
  for (const auto& doc : docs) {
    if (auto why = Check(doc, max_nodes, &count); !why.empty()) {
      return MakeError(why, ErrorCode::kInvalidArgument);
    }
  }
  return docs;
}

YAML::Node YamlChild(const YAML::Node& node, const char* key) {
  if (!node.IsDefined() || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

bool YamlIsScalar(const YAML::Node& node) { return node.IsDefined() && node.IsScalar(); }

bool YamlIsBinary(const YAML::Node& node) {
  return YamlIsScalar(node) && node.Tag() == std::string(kCorePrefix) + "binary";
}

std::string YamlText(const YAML::Node& node) {
  if (!YamlIsScalar(node) || YamlIsBinary(node)) return {};
  return node.Scalar();
}

common::Result<std::string> YamlBinary(const YAML::Node& node) {
  auto decoded = DecodeBase64Lenient(node.Scalar());
  if (!decoded) {
    return MakeError("!!binary value" + Position(node) + " is not valid base64",
                     ErrorCode::kInvalidArgument);
  }
  return decoded;
}

bool YamlInt(const YAML::Node& node, long long* out) {
  if (!YamlIsScalar(node)) return false;
  const std::string& s = node.Scalar();
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return false;
  *out = v;
  return true;
}

std::size_t YamlLine(const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.is_null() ? 0 : static_cast<std::size_t>(mark.line) + 1;
}

common::HeaderList YamlHeaders(const YAML::Node& node) {
  common::HeaderList out;
  if (!node.IsDefined() || !node.IsMap()) return out;
  for (const auto& kv : node) {
    std::string name = YamlText(kv.first);
    if (name.empty()) continue;
    if (kv.second.IsSequence()) {
      for (const auto& v : kv.second) out.emplace_back(name, YamlText(v));
    } else if (YamlIsScalar(kv.second)) {
      out.emplace_back(name, YamlText(kv.second));
    }
  }
  return out;
}

}  // namespace gostly::seed::detail
