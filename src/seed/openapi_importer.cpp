// OpenAPI 3.0 / 3.1 and Swagger 2.0 importer (JSON or YAML). One exchange per
// (path, method, documented response); bodies come from explicit examples, else are
// synthesised deterministically from the schema. See README.md ("OpenAPI") for the decisions.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <optional>
#include <set>

#include "seed/importer.hpp"
#include "seed/json_input.hpp"
#include "seed/openapi_bundle.hpp"

namespace gostly::seed {
namespace json = boost::json;
using common::ErrorCode;
using common::MakeError;

namespace {

// ---------------------------------------------------------------- YAML → JSON

// Nodes the YAML → JSON conversion may produce, aliases expanded: proportional to the input
// (a node takes at least a couple of bytes to write without aliases), with a floor for small
// documents. An alias bomb hits it after work bounded by its own size.
std::size_t MaxYamlNodes(std::size_t input_bytes) {
  return std::max<std::size_t>(100'000, 8 * input_bytes);
}
constexpr int kMaxYamlDepth = 256;

bool IsPlainInt(std::string_view s) {
  std::size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i >= s.size()) return false;
  if (s[i] == '0') return i + 1 == s.size();
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsPlainFloat(std::string_view s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

class YamlConverter {
 public:
  explicit YamlConverter(std::size_t max_nodes) : max_nodes_(max_nodes) {}

  // Returns "" on success, else the reason.
  std::string Convert(const YAML::Node& node, json::value& out, int depth) {
    if (++nodes_ > max_nodes_) {
      return "YAML expands to more than " + std::to_string(max_nodes_) +
             " nodes (likely an alias bomb: aliases repeating large anchors); refused";
    }
    if (depth > kMaxYamlDepth) return "YAML nested deeper than 256 levels; refused";
    const std::string& tag = node.Tag();
    if (!TagAllowed(tag)) {
      auto mark = node.Mark();
      return "unsupported YAML tag '" + tag + "' at line " + std::to_string(mark.line + 1) +
             " (only plain JSON-compatible YAML is read; language-specific tags such as "
             "!!python/object are refused)";
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out = nullptr;
        return {};
      case YAML::NodeType::Scalar:
        out = Scalar(node.Scalar(), tag);
        return {};
      case YAML::NodeType::Sequence: {
        json::array arr;
        arr.reserve(node.size());
        for (const auto& child : node) {
          json::value v;
          if (auto err = Convert(child, v, depth + 1); !err.empty()) return err;
          arr.push_back(std::move(v));
        }
        out = std::move(arr);
        return {};
      }
      case YAML::NodeType::Map: {
        json::object obj;
        for (const auto& kv : node) {
          if (!kv.first.IsScalar()) {
            return "YAML mapping key at line " + std::to_string(kv.first.Mark().line + 1) +
                   " is not a scalar; refused";
          }
          if (++nodes_ > max_nodes_) {
            return "YAML expands to more than " + std::to_string(max_nodes_) +
                   " nodes (likely an alias bomb); refused";
          }
          json::value v;
          if (auto err = Convert(kv.second, v, depth + 1); !err.empty()) return err;
          obj[kv.first.Scalar()] = std::move(v);
        }
        out = std::move(obj);
        return {};
      }
    }
    out = nullptr;
    return {};
  }

 private:
  static bool TagAllowed(const std::string& tag) {
    if (tag.empty() || tag == "?" || tag == "!") return true;
    static const char* const kCore[] = {"str", "int", "float",     "bool",  "null",
                                        "map", "seq", "timestamp", "binary"};
    constexpr std::string_view kPrefix = "tag:yaml.org,2002:";
    if (!tag.starts_with(kPrefix)) return false;
    std::string_view rest = std::string_view(tag).substr(kPrefix.size());
    return std::any_of(std::begin(kCore), std::end(kCore),
                       [&](const char* c) { return rest == c; });
  }

  static json::value Scalar(const std::string& s, const std::string& tag) {
    if (tag == "!" || tag == "tag:yaml.org,2002:str" || tag == "tag:yaml.org,2002:binary" ||
        tag == "tag:yaml.org,2002:timestamp") {
      return json::string(s);
    }
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    if (IsPlainInt(s)) {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size()) return v;
      return std::strtod(s.c_str(), nullptr);
    }
    if (IsPlainFloat(s)) return std::strtod(s.c_str(), nullptr);
    return json::string(s);
  }

  std::size_t max_nodes_;
  std::size_t nodes_ = 0;
};

common::Result<json::value> ParseYaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return MakeError("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + " (byte " +
                         std::to_string(e.mark.pos) + "): " + e.msg,
                     ErrorCode::kInvalidArgument);
  } catch (const std::exception& e) {
    return MakeError(std::string("invalid YAML: ") + e.what(), ErrorCode::kInvalidArgument);
  }
  json::value out;
  try {
    YamlConverter converter(MaxYamlNodes(text.size()));
    if (auto err = converter.Convert(root, out, 0); !err.empty()) {
      return MakeError(err, ErrorCode::kInvalidArgument);
    }
  } catch (const std::exception& e) {
    return MakeError(std::string("invalid YAML: ") + e.what(), ErrorCode::kInvalidArgument);
  }
  return out;
}

// ---------------------------------------------------------------- helpers

std::string PercentEncodeSegment(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Appends path[i] to `out`, percent-encoding bytes that may not appear in a path (spaces,
// non-ASCII, controls, a '%' that does not start an escape).
void AppendPathByte(std::string_view path, std::size_t i, std::string& out) {
  static const char* const kHex = "0123456789ABCDEF";
  auto c = static_cast<unsigned char>(path[i]);
  bool ok = std::isalnum(c) || std::string_view("-._~!$&'()*+,;=:@/").find(static_cast<char>(c)) !=
                                   std::string_view::npos;
  if (c == '%' && i + 2 < path.size() && std::isxdigit(static_cast<unsigned char>(path[i + 1])) &&
      std::isxdigit(static_cast<unsigned char>(path[i + 2]))) {
    ok = true;
  }
  if (ok) {
    out += static_cast<char>(c);
  } else {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsJsonMedia(std::string_view media) {
  std::string m = Lower(media.substr(0, media.find(';')));
  return m == "application/json" || m.ends_with("+json") || m == "*/*" || m == "application/*" ||
         m == "text/json";
}

bool IsTextMedia(std::string_view media) {
  std::string m = Lower(media);
  return m.starts_with("text/") || m.find("xml") != std::string::npos;
}

constexpr const char* kMethods[] = {"get",     "put",  "post",  "delete",
                                    "options", "head", "patch", "trace"};

constexpr int kMaxDepth = 8;
constexpr std::size_t kBodyBudget = 3000;  // values per synthesised body
constexpr std::size_t kMaxArrayItems = 3;
constexpr const char* kFixedUuid = "3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c";
constexpr const char* kFixedDateTime = "2024-01-02T03:04:05Z";

// ---------------------------------------------------------------- importer

class Importer {
 public:
  Importer(const json::object& root, bool swagger2, const ImportOptions& options,
           ImportReport& report, std::string timestamp)
      : root_(root),
        swagger2_(swagger2),
        options_(options),
        report_(report),
        timestamp_(std::move(timestamp)) {}

  void Run() {
    const auto* paths = detail::GetObject(root_, "paths");
    if (paths == nullptr) {
      report_.warnings.push_back("document has no 'paths' object");
      return;
    }
    for (const auto& [path_key, path_value] : *paths) {
      if (full_) return;
      const auto* item = path_value.if_object();
      if (item == nullptr) continue;
      std::string path(path_key);
      if (const auto* ref = detail::GetString(*item, "$ref")) {
        const json::value* target = Resolve(*ref);
        if (target == nullptr || !target->is_object()) {
          report_.skipped.push_back(
              {path, ref_error_.empty() ? "unresolvable path item" : ref_error_});
          ref_error_.clear();
          continue;
        }
        item = &target->get_object();
      }
      for (const char* method : kMethods) {
        if (full_) return;
        const auto* op = detail::GetObject(*item, method);
        if (op == nullptr) continue;
        ImportOperation(path, *item, method, *op);
      }
    }
  }

  std::vector<library::Exchange>& exchanges() { return out_; }

  void Finish() {
    if (default_responses_ > 0) {
      report_.warnings.push_back(std::to_string(default_responses_) +
                                 " 'default' responses not imported (no status code)");
    }
  }

 private:
  // -------- $ref

  // Follows `ref` (a chain of refs too). Null when unresolvable; ref_error_ says why.
  const json::value* Resolve(std::string_view ref) {
    for (int hops = 0; hops < 32; ++hops) {
      if (!ref.starts_with("#")) {
        // A bundle (openapi_bundle.hpp) says why it left the ref as it was.
        const auto* why = detail::GetObject(root_, "x-gostly-unresolved");
        const auto* reason = why == nullptr ? nullptr : detail::GetString(*why, ref);
        ref_error_ = "external $ref '" + std::string(ref) + "' not resolved (" +
                     (reason != nullptr ? std::string(*reason)
                                        : std::string("one document was sent: `gostly seed "
                                                      "FILE` reads the relative files a spec "
                                                      "refers to")) +
                     ")";
        return nullptr;
      }
      const json::value* cur = nullptr;
      std::string_view pointer = ref.substr(1);
      if (pointer.empty() || pointer == "/") {
        ref_error_ = "$ref '" + std::string(ref) + "' points at the whole document";
        return nullptr;
      }
      const json::object* obj = &root_;
      std::size_t pos = 1;
      while (true) {
        std::size_t next = pointer.find('/', pos);
        std::string token = Unescape(pointer.substr(
            pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
        const json::value* child = nullptr;
        if (obj != nullptr) {
          child = obj->if_contains(token);
        } else if (cur != nullptr && cur->is_array()) {
          std::size_t idx = 0;
          auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), idx);
          if (ec == std::errc() && p == token.data() + token.size() &&
              idx < cur->get_array().size()) {
            child = &cur->get_array()[idx];
          }
        }
        if (child == nullptr) {
          ref_error_ = "unknown $ref '" + std::string(ref) + "'";
          return nullptr;
        }
        cur = child;
        obj = cur->if_object();
        if (next == std::string_view::npos) break;
        pos = next + 1;
      }
      const auto* o = cur->if_object();
      const json::string* again = o == nullptr ? nullptr : detail::GetString(*o, "$ref");
      if (again == nullptr) return cur;
      ref = *again;
    }
    ref_error_ = "$ref chain longer than 32 hops at '" + std::string(ref) + "'";
    return nullptr;
  }

  static std::string Unescape(std::string_view token) {
    std::string out;
    for (std::size_t i = 0; i < token.size(); ++i) {
      char c = token[i];
      if (c == '~' && i + 1 < token.size()) {
        out += token[i + 1] == '1' ? '/' : '~';
        ++i;
      } else if (c == '%' && i + 2 < token.size() &&
                 std::isxdigit(static_cast<unsigned char>(token[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(token[i + 2]))) {
        out += static_cast<char>(std::stoi(std::string(token.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += c;
      }
    }
    return out;
  }

  // An object that may be a $ref: the target object, or null (ref_error_ set).
  const json::object* Deref(const json::value& v) {
    const auto* o = v.if_object();
    if (o == nullptr) return nullptr;
    if (const auto* ref = detail::GetString(*o, "$ref")) {
      const json::value* t = Resolve(*ref);
      return t == nullptr ? nullptr : t->if_object();
    }
    return o;
  }

  // -------- schema synthesis

  json::value Synth(const json::value& schema_value, int depth) {
    const auto* schema = schema_value.if_object();
    if (schema == nullptr) return json::object();
    if (++budget_used_ > kBodyBudget) return nullptr;
    if (const auto* ref = detail::GetString(*schema, "$ref")) {
      std::string key(*ref);
      if (std::find(ref_stack_.begin(), ref_stack_.end(), key) != ref_stack_.end()) {
        return json::object();  // a cycle: stop here
      }
      const json::value* target = Resolve(key);
      if (target == nullptr) {
        failed_ = true;
        return nullptr;
      }
      ref_stack_.push_back(key);
      json::value v = Synth(*target, depth);
      ref_stack_.pop_back();
      return v;
    }
    if (const auto* ex = schema->if_contains("example")) return *ex;
    if (const auto* exs = detail::GetArray(*schema, "examples"); exs != nullptr && !exs->empty()) {
      return exs->front();
    }
    if (const auto* c = schema->if_contains("const")) return *c;
    if (const auto* d = schema->if_contains("default")) return *d;
    if (const auto* en = detail::GetArray(*schema, "enum"); en != nullptr && !en->empty()) {
      for (const auto& e : *en) {
        if (!e.is_null()) return e;
      }
      return en->front();
    }
    if (const auto* all = detail::GetArray(*schema, "allOf"); all != nullptr && !all->empty()) {
      json::value merged;
      for (const auto& sub : *all) {
        json::value part = Synth(sub, depth);
        if (merged.is_object() && part.is_object()) {
          for (auto& [k, v] : part.get_object()) merged.get_object()[k] = std::move(v);
        } else if (merged.is_null() || !part.is_null()) {
          if (!(merged.is_object() && part.is_object() && part.get_object().empty())) {
            merged = std::move(part);
          }
        }
      }
      // Properties written beside allOf belong to the merge too.
      if (merged.is_object() && detail::GetObject(*schema, "properties") != nullptr) {
        json::value own = SynthObject(*schema, depth);
        for (auto& [k, v] : own.get_object()) merged.get_object()[k] = std::move(v);
      }
      return merged;
    }
    for (const char* key : {"oneOf", "anyOf"}) {
      if (const auto* alts = detail::GetArray(*schema, key); alts != nullptr && !alts->empty()) {
        // The first alternative that is not just {type: null}.
        for (const auto& alt : *alts) {
          const auto* ao = alt.if_object();
          const auto* t = ao == nullptr ? nullptr : detail::GetString(*ao, "type");
          if (t != nullptr && *t == "null" && alts->size() > 1) continue;
          return Synth(alt, depth);
        }
        return Synth(alts->front(), depth);
      }
    }
    std::string type;
    if (const auto* t = detail::GetString(*schema, "type")) {
      type = std::string(*t);
    } else if (const auto* ts = detail::GetArray(*schema, "type")) {
      // 3.1: type: ["string", "null"] — the first non-null type.
      for (const auto& t2 : *ts) {
        if (t2.is_string() && t2.get_string() != "null") {
          type = std::string(t2.get_string());
          break;
        }
      }
      if (type.empty()) type = "null";
    } else if (schema->contains("properties") || schema->contains("additionalProperties")) {
      type = "object";
    } else if (schema->contains("items")) {
      type = "array";
    }
    if (type == "object") return SynthObject(*schema, depth);
    if (type == "array") {
      json::array arr;
      if (depth >= kMaxDepth) return arr;
      std::size_t n = 1;
      if (const auto* mi = schema->if_contains("minItems"); mi != nullptr && mi->is_number()) {
        boost::system::error_code ec;
        auto m = mi->to_number<std::int64_t>(ec);
        if (!ec && m > 1) n = std::min<std::size_t>(static_cast<std::size_t>(m), kMaxArrayItems);
      }
      const json::value* items = schema->if_contains("items");
      for (std::size_t i = 0; i < n; ++i) {
        arr.push_back(items == nullptr ? json::value("string") : Synth(*items, depth + 1));
      }
      return arr;
    }
    if (type == "string") return SynthString(*schema);
    if (type == "integer" || type == "number") return SynthNumber(*schema, type == "integer");
    if (type == "boolean") return true;
    if (type == "null") return nullptr;
    return json::object();
  }

  json::value SynthObject(const json::object& schema, int depth) {
    json::object obj;
    if (depth >= kMaxDepth) return obj;
    if (const auto* props = detail::GetObject(schema, "properties")) {
      for (const auto& [k, v] : *props) {
        if (budget_used_ > kBodyBudget) break;
        obj[k] = Synth(v, depth + 1);
      }
    }
    if (obj.empty()) {
      if (const auto* ap = schema.if_contains("additionalProperties");
          ap != nullptr && ap->is_object()) {
        obj["key"] = Synth(*ap, depth + 1);
      }
    }
    return obj;
  }

  static std::int64_t IntField(const json::object& s, std::string_view key, std::int64_t dflt) {
    const auto* v = s.if_contains(key);
    if (v == nullptr || !v->is_number()) return dflt;
    boost::system::error_code ec;
    double d = v->to_number<double>(ec);
    if (ec || d > 1e15 || d < -1e15) return dflt;
    return static_cast<std::int64_t>(d);
  }

  static json::value SynthString(const json::object& schema) {
    std::string format;
    if (const auto* f = detail::GetString(schema, "format")) format = std::string(*f);
    std::string s;
    if (format == "date-time")
      s = kFixedDateTime;
    else if (format == "date")
      s = "2024-01-02";
    else if (format == "time")
      s = "03:04:05Z";
    else if (format == "uuid")
      s = kFixedUuid;
    else if (format == "email")
      s = "user@example.com";
    else if (format == "uri" || format == "url" || format == "uri-reference")
      s = "https://example.com/";
    else if (format == "hostname")
      s = "example.com";
    else if (format == "ipv4")
      s = "192.0.2.1";
    else if (format == "ipv6")
      s = "2001:db8::1";
    else if (format == "byte")
      s = "c3RyaW5n";
    else if (format == "password")
      s = "password";
    else
      s = "string";
    std::int64_t min_len = std::min<std::int64_t>(IntField(schema, "minLength", 0), 256);
    std::int64_t max_len = IntField(schema, "maxLength", -1);
    while (static_cast<std::int64_t>(s.size()) < min_len) s += 'x';
    if (max_len >= 0 && static_cast<std::int64_t>(s.size()) > max_len && format.empty()) {
      s.resize(static_cast<std::size_t>(max_len));
    }
    return json::string(s);
  }

  static json::value SynthNumber(const json::object& schema, bool integer) {
    std::int64_t v = 1;
    if (schema.contains("minimum")) {
      v = IntField(schema, "minimum", 1);
      if (const auto* em = schema.if_contains("exclusiveMinimum");
          em != nullptr && em->is_bool() && em->get_bool())
        ++v;
    } else if (const auto* em = schema.if_contains("exclusiveMinimum");
               em != nullptr && em->is_number()) {
      v = IntField(schema, "exclusiveMinimum", 0) + 1;
    }
    if (schema.contains("maximum") && v > IntField(schema, "maximum", v)) {
      v = IntField(schema, "maximum", v);
    }
    (void)integer;  // numbers are synthesised as integers too: valid for both types
    return v;
  }

  // -------- parameters

  // Text for a path or query parameter (its example, else one synthesised from its type).
  std::string ParamValue(const json::object& param) {
    const json::value* ex = param.if_contains("example");
    if (ex == nullptr) {
      if (const auto* exs = detail::GetObject(param, "examples"); exs != nullptr && !exs->empty()) {
        if (const auto* e = Deref(exs->begin()->value())) ex = e->if_contains("value");
      }
    }
    const json::object* schema = param.if_contains("schema") != nullptr
                                     ? Deref(*param.if_contains("schema"))
                                     : &param;  // Swagger 2.0: type/format on the parameter
    if (ex == nullptr && schema != nullptr) {
      ex = schema->if_contains("example");
      if (ex == nullptr) {
        if (const auto* en = detail::GetArray(*schema, "enum"); en != nullptr && !en->empty())
          ex = &en->front();
      }
      if (ex == nullptr) ex = schema->if_contains("default");
    }
    if (ex != nullptr && (ex->is_string() || ex->is_number() || ex->is_bool())) {
      return detail::ScalarText(ex);
    }
    std::string type;
    std::string format;
    if (schema != nullptr) {
      if (const auto* t = detail::GetString(*schema, "type")) type = std::string(*t);
      if (const auto* ts = detail::GetArray(*schema, "type")) {
        for (const auto& t2 : *ts) {
          if (t2.is_string() && t2.get_string() != "null") {
            type = std::string(t2.get_string());
            break;
          }
        }
      }
      if (const auto* f = detail::GetString(*schema, "format")) format = std::string(*f);
    }
    if (type == "integer" || type == "number") {
      if (schema == nullptr) return "1";
      json::value n = SynthNumber(*schema, true);
      return detail::ScalarText(&n);
    }
    if (type == "boolean") return "true";
    if (format == "uuid") return kFixedUuid;
    if (format == "date-time") return kFixedDateTime;
    if (format == "date") return "2024-01-02";
    if (format == "email") return "user@example.com";
    // A string id: digits when its pattern only admits digits (Discord snowflakes), else 8
    // hex characters with a digit, which smart swap templates as {hex}.
    if (schema != nullptr) {
      if (const auto* pat = detail::GetString(*schema, "pattern")) {
        std::string_view pv = *pat;
        if (pv.starts_with("^(0|[1-9][0-9]*)") || pv.starts_with("^[0-9]") ||
            pv.starts_with("^\\d")) {
          return "1";
        }
      }
    }
    return "a1b2c3d4";
  }

  // Path-level parameters, overridden by operation-level ones with the same (name, in).
  std::vector<const json::object*> Parameters(const json::object& item, const json::object& op) {
    std::vector<const json::object*> out;
    auto add = [&](const json::array* list) {
      if (list == nullptr) return;
      for (const auto& p : *list) {
        const auto* po = Deref(p);
        if (po == nullptr) {
          failed_ = failed_ || !ref_error_.empty();
          continue;
        }
        const auto* name = detail::GetString(*po, "name");
        const auto* in = detail::GetString(*po, "in");
        if (name == nullptr || in == nullptr) continue;
        auto same = std::find_if(out.begin(), out.end(), [&](const json::object* o) {
          return *detail::GetString(*o, "name") == *name && *detail::GetString(*o, "in") == *in;
        });
        if (same != out.end())
          *same = po;
        else
          out.push_back(po);
      }
    };
    add(detail::GetArray(item, "parameters"));
    add(detail::GetArray(op, "parameters"));
    return out;
  }

  // -------- bodies

  struct Body {
    std::string media;
    std::string text;
    bool explicit_example = false;
  };

  // Serialises `v` for `media`: a string stays raw for text media, else JSON.
  // A string example under a JSON media type that is itself a JSON object or array (a YAML
  // block holding the JSON text) is used as written.
  static std::string Render(const json::value& v, std::string_view media) {
    if (v.is_string() && !IsJsonMedia(media)) return std::string(v.get_string());
    if (v.is_string()) {
      std::string_view sv = v.get_string();
      std::size_t f = sv.find_first_not_of(" \t\r\n");
      if (f != std::string_view::npos && (sv[f] == '{' || sv[f] == '[')) {
        boost::system::error_code ec;
        json::value parsed = json::parse(sv, ec);
        if (!ec) return std::string(sv);
      }
    }
    return json::serialize(v);
  }

  // From a media type object (3.x): example, examples (first), schema.
  std::optional<Body> FromMediaType(std::string_view media, const json::object& mt) {
    Body b;
    b.media = std::string(media);
    if (const auto* ex = mt.if_contains("example")) {
      b.text = Render(*ex, media);
      b.explicit_example = true;
      return b;
    }
    if (const auto* exs = detail::GetObject(mt, "examples")) {
      for (const auto& [name, e] : *exs) {
        const auto* eo = Deref(e);
        if (eo == nullptr) {
          if (!ref_error_.empty()) failed_ = true;
          continue;
        }
        if (const auto* value = eo->if_contains("value")) {
          b.text = Render(*value, media);
          b.explicit_example = true;
          return b;
        }
      }
    }
    if (const auto* schema = mt.if_contains("schema")) {
      budget_used_ = 0;
      ref_stack_.clear();
      json::value v = Synth(*schema, 0);
      const auto* so = Deref(*schema);
      b.explicit_example = so != nullptr && so->contains("example");
      b.text = Render(v, media);
      return b;
    }
    return std::nullopt;
  }

  // Picks JSON first, then text; nullopt when neither can be produced.
  std::optional<Body> FromContent(const json::object& content) {
    const json::object* chosen = nullptr;
    std::string media;
    for (const auto& [k, v] : content) {
      if (IsJsonMedia(k) && v.is_object()) {
        chosen = &v.get_object();
        media = std::string(k);
        break;
      }
    }
    if (chosen == nullptr) {
      for (const auto& [k, v] : content) {
        if ((IsTextMedia(k) || Lower(k) == "application/x-www-form-urlencoded") && v.is_object()) {
          chosen = &v.get_object();
          media = std::string(k);
          break;
        }
      }
    }
    if (chosen == nullptr) return std::nullopt;
    if (media == "*/*") media = "application/json";
    auto body = FromMediaType(media, *chosen);
    if (!body) return std::nullopt;
    if (!IsJsonMedia(media) && Lower(media) != "application/x-www-form-urlencoded" &&
        !body->explicit_example && !chosen->contains("example") && !chosen->contains("examples")) {
      // A text/XML media type without an example: a synthesised JSON value would lie.
      if (!body->text.empty() && (body->text.front() == '{' || body->text.front() == '[')) {
        return std::nullopt;
      }
    }
    return body;
  }

  // A request body as application/x-www-form-urlencoded when the media type says so.
  static std::string FormEncode(const std::string& json_text) {
    boost::system::error_code ec;
    json::value v = json::parse(json_text, ec);
    if (ec || !v.is_object()) return json_text;
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& [k, val] : v.get_object()) {
      pairs.emplace_back(std::string(k), val.is_string() || val.is_number() || val.is_bool()
                                             ? detail::ScalarText(&val)
                                             : json::serialize(val));
    }
    return detail::FormUrlEncode(pairs);
  }

  std::vector<std::string> Produces(const json::object& op) {
    std::vector<std::string> out;
    const json::array* p = detail::GetArray(op, "produces");
    if (p == nullptr) p = detail::GetArray(root_, "produces");
    if (p != nullptr) {
      for (const auto& m : *p) {
        if (m.is_string()) out.emplace_back(m.get_string());
      }
    }
    return out;
  }

  // Swagger 2.0 response: examples{media: value}, schema.
  std::optional<Body> FromSwagger2Response(const json::object& response, const json::object& op) {
    auto produces = Produces(op);
    std::string media = "application/json";
    for (const auto& m : produces) {
      if (IsJsonMedia(m)) {
        media = m;
        break;
      }
    }
    if (!produces.empty() && !IsJsonMedia(media)) media = produces.front();
    if (const auto* exs = detail::GetObject(response, "examples")) {
      for (const auto& [k, v] : *exs) {
        if (IsJsonMedia(k)) return Body{std::string(k), Render(v, k), true};
      }
      if (!exs->empty()) {
        return Body{std::string(exs->begin()->key()),
                    Render(exs->begin()->value(), exs->begin()->key()), true};
      }
    }
    if (const auto* schema = response.if_contains("schema")) {
      if (!IsJsonMedia(media)) return std::nullopt;
      budget_used_ = 0;
      ref_stack_.clear();
      json::value v = Synth(*schema, 0);
      const auto* so = Deref(*schema);
      return Body{media, Render(v, media), so != nullptr && so->contains("example")};
    }
    return Body{};  // no body
  }

  // -------- operations

  void ImportOperation(const std::string& path, const json::object& item, const char* method,
                       const json::object& op) {
    std::string where = Upper(method) + " " + path;
    failed_ = false;
    ref_error_.clear();
    auto params = Parameters(item, op);

    // Target: path with path parameters filled in, plus required query parameters.
    std::string uri;
    std::size_t i = 0;
    while (i < path.size()) {
      if (path[i] == '{') {
        std::size_t close = path.find('}', i);
        if (close == std::string::npos) break;
        std::string name = path.substr(i + 1, close - i - 1);
        std::string value = "1";
        for (const auto* p : params) {
          if (*detail::GetString(*p, "in") == "path" && *detail::GetString(*p, "name") == name) {
            value = ParamValue(*p);
          }
        }
        uri += PercentEncodeSegment(value);
        i = close + 1;
      } else {
        AppendPathByte(path, i, uri);
        ++i;
      }
    }
    if (uri.empty() || uri.front() != '/') uri.insert(uri.begin(), '/');
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> form;
    const json::object* body_param = nullptr;
    for (const auto* p : params) {
      std::string in(*detail::GetString(*p, "in"));
      const auto* req = p->if_contains("required");
      bool required = req != nullptr && req->is_bool() && req->get_bool();
      if (in == "query" && required) {
        query.emplace_back(std::string(*detail::GetString(*p, "name")), ParamValue(*p));
      } else if (in == "formData" && required) {
        form.emplace_back(std::string(*detail::GetString(*p, "name")), ParamValue(*p));
      } else if (in == "body") {
        body_param = p;
      }
    }
    if (!query.empty()) uri += "?" + detail::FormUrlEncode(query);

    // Request body.
    std::string upper = Upper(method);
    bool has_body_method = upper == "POST" || upper == "PUT" || upper == "PATCH";
    std::optional<Body> request;
    if (has_body_method) {
      if (swagger2_) {
        if (body_param != nullptr) {
          if (const auto* schema = body_param->if_contains("schema")) {
            budget_used_ = 0;
            ref_stack_.clear();
            request = Body{"application/json", json::serialize(Synth(*schema, 0)), false};
          }
        } else if (!form.empty()) {
          request = Body{"application/x-www-form-urlencoded", detail::FormUrlEncode(form), false};
        }
      } else if (const auto* rb = op.if_contains("requestBody")) {
        const auto* rbo = Deref(*rb);
        if (rbo == nullptr && !ref_error_.empty()) failed_ = true;
        if (rbo != nullptr) {
          if (const auto* content = detail::GetObject(*rbo, "content")) {
            request = FromContent(*content);
            if (request && Lower(request->media) == "application/x-www-form-urlencoded") {
              request->text = FormEncode(request->text);
            }
          }
        }
      }
    }

    // Responses.
    const auto* responses = detail::GetObject(op, "responses");
    std::vector<library::Exchange> made;
    std::vector<Skipped> skipped_here;
    if (responses != nullptr) {
      for (const auto& [status_key, response_value] : *responses) {
        if (failed_) break;
        std::string key(status_key);
        if (key == "default") {
          ++default_responses_;
          continue;
        }
        int status = 0;
        if (key.size() == 3 && std::isdigit(static_cast<unsigned char>(key[0]))) {
          if (key[1] == 'X' || key[1] == 'x')
            status = (key[0] - '0') * 100;
          else {
            auto [p, ec] = std::from_chars(key.data(), key.data() + 3, status);
            if (ec != std::errc() || p != key.data() + 3) status = 0;
          }
        }
        if (status < 100 || status > 599) {
          skipped_here.push_back({where + " " + key, "response key is not an HTTP status"});
          continue;
        }
        const auto* response = Deref(response_value);
        if (response == nullptr) {
          if (!ref_error_.empty()) failed_ = true;
          continue;
        }
        std::optional<Body> body;
        if (swagger2_) {
          body = FromSwagger2Response(*response, op);
        } else if (const auto* content = detail::GetObject(*response, "content");
                   content != nullptr && !content->empty()) {
          body = FromContent(*content);
        } else {
          body = Body{};  // documented without a body (204, 201 with Location...)
        }
        if (failed_) break;
        bool success = status >= 200 && status < 300;
        if (!body) {
          skipped_here.push_back(
              {where + " " + key, "no JSON or text body can be produced for its media types"});
          continue;
        }
        if (!success && !body->explicit_example) continue;  // only 2xx are synthesised
        library::Exchange ex;
        ex.timestamp = timestamp_;
        ex.service = options_.service;
        ex.recording_session_id = options_.recording_session_id;
        ex.method = upper;
        ex.uri = uri;
        if (request) {
          ex.request_headers.emplace_back("Content-Type", request->media);
          ex.request_body = request->text;
        }
        ex.status = status;
        if (!body->media.empty()) ex.response_headers.emplace_back("Content-Type", body->media);
        ex.response_body = body->text;
        made.push_back(std::move(ex));
      }
    }
    if (failed_) {
      report_.skipped.push_back({where, ref_error_.empty() ? "unresolvable $ref" : ref_error_});
      return;
    }
    for (auto& s : skipped_here) report_.skipped.push_back(std::move(s));
    if (made.empty()) {
      report_.skipped.push_back({where, "no response with a status and a body to import"});
      return;
    }
    for (auto& ex : made) {
      if (out_.size() >= options_.max_entries) {
        report_.skipped.push_back({where, "over the limit of " +
                                              std::to_string(options_.max_entries) +
                                              " exchanges (max_entries); import stopped"});
        full_ = true;
        return;
      }
      out_.push_back(std::move(ex));
    }
  }

  static std::string Upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
  }

  const json::object& root_;
  bool swagger2_;
  const ImportOptions& options_;
  ImportReport& report_;
  std::string timestamp_;
  std::vector<library::Exchange> out_;
  std::vector<std::string> ref_stack_;
  std::string ref_error_;
  std::size_t budget_used_ = 0;
  bool failed_ = false;
  bool full_ = false;
  std::size_t default_responses_ = 0;
};

}  // namespace

namespace detail {

common::Result<json::value> ParseSpecText(std::string_view text, const ImportOptions& options) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  std::size_t first = text.find_first_not_of(" \t\r\n");
  try {
    if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
      return detail::ParseJsonInput(text, options);
    }
    return ParseYaml(text);
  } catch (const std::exception& e) {
    return MakeError(e.what(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace detail

common::Result<std::vector<library::Exchange>> ImportOpenApi(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report) {
  ImportReport local;
  ImportReport& rep = report != nullptr ? *report : local;
  rep = ImportReport{};
  if (text.size() > options.max_bytes) {
    return MakeError("input is " + std::to_string(text.size()) + " bytes, over the limit of " +
                         std::to_string(options.max_bytes) + " (max_bytes)",
                     ErrorCode::kInvalidArgument);
  }
  auto doc = detail::ParseSpecText(text, options);
  if (!doc)
    return MakeError("cannot read OpenAPI document: " + doc.error(), ErrorCode::kInvalidArgument);
  const auto* root = doc->if_object();
  if (root == nullptr) {
    return MakeError("not an OpenAPI document: the top level is not an object",
                     ErrorCode::kInvalidArgument);
  }
  bool swagger2 = false;
  if (const auto* v = root->if_contains("openapi")) {
    std::string version = detail::ScalarText(v);
    if (!version.starts_with("3.")) {
      return MakeError("unsupported OpenAPI version '" + version + "' (3.0 and 3.1 are read)",
                       ErrorCode::kInvalidArgument);
    }
    rep.format = "openapi " + version;
  } else if (const auto* s = root->if_contains("swagger")) {
    std::string version = detail::ScalarText(s);
    if (!version.starts_with("2")) {
      return MakeError("unsupported Swagger version '" + version + "' (2.0 is read)",
                       ErrorCode::kInvalidArgument);
    }
    rep.format = "swagger " + version;
    swagger2 = true;
  } else {
    return MakeError("not an OpenAPI document: no top-level 'openapi' or 'swagger' key",
                     ErrorCode::kInvalidArgument);
  }
  std::string timestamp =
      options.default_timestamp.empty() ? detail::NowRfc3339() : options.default_timestamp;
  try {
    Importer importer(*root, swagger2, options, rep, std::move(timestamp));
    importer.Run();
    importer.Finish();
    rep.created = importer.exchanges().size();
    return std::move(importer.exchanges());
  } catch (const std::exception& e) {
    return MakeError(std::string("OpenAPI import failed: ") + e.what(),
                     ErrorCode::kInvalidArgument);
  }
}

}  // namespace gostly::seed
