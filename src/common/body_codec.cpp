#include "common/body_codec.hpp"

#include <openssl/evp.h>
// Inlined: the capture path hashes every JSON key of a body, most of them a few bytes long,
// where a call into the shared library costs more than the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <vector>

namespace gostly::common {

namespace json = boost::json;

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return MakeError("base64 length is not a multiple of 4");
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return MakeError("invalid base64");
  // EVP_DecodeBlock counts padding bytes as output; remove them.
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII runs, the common case, eight bytes at a time.
    while (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = c & (0xff >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Reject overlong encodings, surrogates and out-of-range code points.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool IsPrintableUtf8(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
  }
  return IsValidUtf8(s);
}

std::string_view ToString(BodyEncoding encoding) {
  switch (encoding) {
    case BodyEncoding::kJson:
      return "json";
    case BodyEncoding::kText:
      return "text";
    case BodyEncoding::kBase64:
      return "base64";
  }
  return "base64";
}

namespace {

// Length of `s` as Boost.JSON's serializer writes it inside quotes: '"' and '\\' and the
// short escapes (\b \t \n \f \r) take two bytes, other control characters six
// (\u00xx), everything else (UTF-8 included) is copied.
// Extra bytes the serializer writes for each byte value: 1 for a two-byte escape, 5 for
// \u00xx, 0 for a byte copied as is.
constexpr std::array<std::uint8_t, 256> kEscapeExtra = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 5;
  for (int c : {'\b', '\t', '\n', '\f', '\r', '"', '\\'}) t[c] = 1;
  return t;
}();

// True when one of the eight bytes is below 0x20, a '"' or a '\\' (exact: the "has a byte
// below n" and "has a zero byte" word tricks).
bool HasEscapedByte(std::uint64_t w) {
  constexpr std::uint64_t k01 = 0x0101010101010101ULL;
  constexpr std::uint64_t k80 = 0x8080808080808080ULL;
  const std::uint64_t quote = w ^ (k01 * '"');
  const std::uint64_t backslash = w ^ (k01 * '\\');
  return ((((w - k01 * 0x20) & ~w) | ((quote - k01) & ~quote) |
           ((backslash - k01) & ~backslash)) &
          k80) != 0;
}

std::size_t EscapedLength(std::string_view s) {
  std::size_t n = s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {  // most strings escape nothing: eight bytes at a time
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof word);
    if (!HasEscapedByte(word)) continue;
    for (std::size_t k = i; k < i + 8; ++k) n += kEscapeExtra[static_cast<unsigned char>(s[k])];
  }
  for (; i < s.size(); ++i) n += kEscapeExtra[static_cast<unsigned char>(s[i])];
  return n;
}

// A basic_parser handler that builds nothing: it adds up the length of the document's
// compact serialisation and refuses what that serialisation would not reproduce (a number
// written differently, a duplicate key). Equal lengths then mean equal bytes: whitespace
// only adds length, and every other way of writing a string is longer than the serializer's
// except upper-case hex in \u00XX, which the caller rules out.
//
// In a body without a backslash no string has an escape, so each string's serialisation is
// its bytes as sent (a valid document has no raw control character, quote or backslash in
// a string) and its length needs no scan: `escapes` false says so.
class CanonicalLength {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  // The key hashes and the partial key or number, kept per thread so that classifying a
  // body allocates nothing once the buffers have grown.
  struct Scratch {
    std::vector<std::uint64_t> keys;  // key hashes of the open objects, separated by marks
    std::string part;
  };
  CanonicalLength(Scratch& scratch, bool escapes)
      : keys_(scratch.keys), part_(scratch.part), escapes_(escapes) {
    keys_.clear();
    part_.clear();
  }

  std::size_t length = 0;
  bool canonical = true;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys_.push_back(kObjectMark);
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    length += 2 + (n > 0 ? n - 1 : 0);  // braces and commas
    while (!keys_.empty() && keys_.back() != kObjectMark) keys_.pop_back();
    if (!keys_.empty()) keys_.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    length += 2 + (n > 0 ? n - 1 : 0);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    // The key arrives whole unless the parser was suspended inside it.
    std::string_view key(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      key = part_;
    }
    length += Escaped(key) + 3;  // quotes and colon
    // A duplicate key would be dropped by the DOM: not reproducible.
    std::uint64_t h = XXH3_64bits(key.data(), key.size());
    if (h == kObjectMark) h = 1;
    for (std::size_t i = keys_.size(); i-- > 0 && keys_[i] != kObjectMark;) {
      if (keys_[i] == h) canonical = false;
    }
    keys_.push_back(h);
    part_.clear();
    return canonical;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    length += Escaped(std::string_view(s.data(), s.size()));
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    length += Escaped(std::string_view(s.data(), s.size())) + 2;
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t v, json::string_view s, json::error_code&) {
    return Integer(v, s);
  }
  bool on_uint64(std::uint64_t v, json::string_view s, json::error_code&) {
    return Integer(v, s);
  }
  bool on_double(double v, json::string_view s, json::error_code&) {
    // Rare in practice and the serializer's double format is its own: ask it.
    part_.append(s.data(), s.size());
    canonical = json::serialize(json::value(v)) == part_;
    length += part_.size();
    part_.clear();
    return canonical;
  }
  bool on_bool(bool v, json::error_code&) {
    length += v ? 4 : 5;
    return true;
  }
  bool on_null(json::error_code&) {
    length += 4;
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return false; }
  bool on_comment(json::string_view, json::error_code&) { return false; }

 private:
  std::size_t Escaped(std::string_view s) const { return escapes_ ? EscapedLength(s) : s.size(); }

  // The serializer writes an integer as to_chars does; that must be the text that was sent
  // (the whole of it arrives here, or its start in part_ when the parser was suspended).
  template <typename Int>
  bool Integer(Int v, json::string_view s) {
    std::string_view sent(s.data(), s.size());
    if (!part_.empty()) {
      part_.append(s.data(), s.size());
      sent = part_;
    }
    char buf[24];
    const auto n = static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf);
    canonical = std::string_view(buf, n) == sent;
    length += sent.size();
    part_.clear();
    return canonical;
  }

  static constexpr std::uint64_t kObjectMark = 0;  // a key hashing to 0 only costs a false "duplicate"
  std::vector<std::uint64_t>& keys_;
  std::string& part_;
  const bool escapes_;
};

}  // namespace

BodyEncoding ClassifyBody(std::string_view body) {
  if (!body.empty() && (body.front() == '{' || body.front() == '[')) {
    thread_local CanonicalLength::Scratch scratch;
    const bool escapes = body.find('\\') != std::string_view::npos;
    json::basic_parser<CanonicalLength> parser{json::parse_options{}, scratch, escapes};
    json::error_code ec;
    parser.write_some(false, body.data(), body.size(), ec);
    const CanonicalLength& h = parser.handler();
    if (!ec && h.canonical && h.length == body.size()) {
      // \u00XX escapes are the one equal-length spelling the length cannot tell apart
      // (upper- vs lower-case hex): decide those few bodies the slow way.
      if (!escapes || body.find("\\u") == std::string_view::npos) return BodyEncoding::kJson;
      return detail::ClassifyBodyByDom(body);
    }
  }
  return IsPrintableUtf8(body) ? BodyEncoding::kText : BodyEncoding::kBase64;
}

namespace detail {

BodyEncoding ClassifyBodyByDom(std::string_view body) {
  if (!body.empty() && (body.front() == '{' || body.front() == '[')) {
    // A stack arena: classifying a typical body costs no heap allocation per JSON node.
    unsigned char arena[4096];
    json::monotonic_resource resource(arena, sizeof arena);
    json::error_code ec;
    json::value v = json::parse(body, ec, &resource);
    if (!ec && json::serialize(v) == body) return BodyEncoding::kJson;
  }
  return IsPrintableUtf8(body) ? BodyEncoding::kText : BodyEncoding::kBase64;
}

}  // namespace detail

namespace {

// Plain printable ASCII without '"' or '\\': the common case for header names and values,
// timestamps and URIs, which then need no escaping and no UTF-8 check.
bool IsPlainAscii(std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof word);
    if (HasEscapedByte(word) || (word & 0x8080808080808080ULL) != 0) return false;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  AppendJsonEscaped(out, text);
  out += '"';
}

void AppendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (IsPlainAscii(text)) {
    out += text;
    return;
  }
  std::string latin1;
  if (!IsValidUtf8(text)) {
    // Each byte becomes the code point of the same value, written as UTF-8.
    latin1.reserve(text.size() * 2);
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      if (c < 0x80) {
        latin1 += ch;
      } else {
        latin1 += static_cast<char>(0xc0 | (c >> 6));
        latin1 += static_cast<char>(0x80 | (c & 0x3f));
      }
    }
    text = latin1;
  }
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.substr(run));
}

void EncodeBody(json::object& record, std::string_view field, std::string_view body) {
  std::string enc_field = std::string(field) + "_encoding";
  BodyEncoding encoding = ClassifyBody(body);
  record[enc_field] = ToString(encoding);
  switch (encoding) {
    case BodyEncoding::kJson:
      record[field] = json::parse(body);
      return;
    case BodyEncoding::kText:
      record[field] = body;
      return;
    case BodyEncoding::kBase64:
      record[field] = Base64Encode(body);
      return;
  }
}

Result<std::string> DecodeBody(const json::object& record, std::string_view field) {
  const json::value* v = record.if_contains(field);
  if (v == nullptr || v->is_null()) return std::string();
  std::string enc = "text";
  if (const json::value* e = record.if_contains(std::string(field) + "_encoding")) {
    if (!e->is_string()) return MakeError(std::string(field) + "_encoding is not a string");
    enc = std::string(e->as_string());
  }
  if (enc == "json") return json::serialize(*v);
  if (!v->is_string()) {
    // Tolerate hand-written files that embed JSON without declaring it.
    if (v->is_object() || v->is_array()) return json::serialize(*v);
    return MakeError(std::string(field) + " is not a string");
  }
  if (enc == "text") return std::string(v->as_string());
  if (enc == "base64") {
    auto decoded = Base64Decode(v->as_string());
    if (!decoded) return MakeError(std::string(field) + ": " + decoded.error());
    return std::move(decoded).value();
  }
  return MakeError(std::string(field) + "_encoding '" + enc + "' is unknown");
}

json::object EncodeHeaders(const HeaderList& headers) {
  json::object obj;
  for (const auto& [name, value] : headers) {
    auto it = obj.find(name);
    if (it == obj.end()) {
      obj[name] = value;
    } else if (it->value().is_array()) {
      it->value().as_array().emplace_back(value);
    } else {
      json::array arr;
      arr.emplace_back(it->value());
      arr.emplace_back(value);
      it->value() = std::move(arr);
    }
  }
  return obj;
}

Result<HeaderList> DecodeHeaders(const json::value& value) {
  HeaderList out;
  if (value.is_null()) return out;
  if (!value.is_object()) return MakeError("headers are not a JSON object");
  for (const auto& kv : value.as_object()) {
    std::string name(kv.key());
    if (kv.value().is_string()) {
      out.emplace_back(name, std::string(kv.value().as_string()));
    } else if (kv.value().is_array()) {
      for (const auto& item : kv.value().as_array()) {
        if (!item.is_string()) return MakeError("header '" + name + "' has a non-string value");
        out.emplace_back(name, std::string(item.as_string()));
      }
    } else {
      return MakeError("header '" + name + "' has a non-string value");
    }
  }
  return out;
}

namespace {

void Canonicalize(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const auto& obj = v.as_object();
      std::vector<const json::key_value_pair*> items;
      items.reserve(obj.size());
      for (const auto& kv : obj) items.push_back(&kv);
      std::sort(items.begin(), items.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      bool first = true;
      for (auto* kv : items) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::value(kv->key()));
        out += ':';
        Canonicalize(kv->value(), out);
      }
      out += '}';
      break;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.as_array()) {
        if (!first) out += ',';
        first = false;
        Canonicalize(item, out);
      }
      out += ']';
      break;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string CanonicalJson(const json::value& value) {
  std::string out;
  Canonicalize(value, out);
  return out;
}

std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::uint64_t BodyHash(std::string_view body) {
  if (body.empty()) return 0;
  std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (body[first] == '{' || body[first] == '[')) {
    json::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec) return Hash64(CanonicalJson(v), 1);
  }
  return Hash64(body, 2);
}

}  // namespace gostly::common
