#include "library/uri_template.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace gostly::library {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexLetter(char c) { return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsHex(char c) { return IsDigit(c) || IsHexLetter(c); }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }

bool IsInteger(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? s[i] != '-' : !IsHex(s[i])) return false;
  }
  return true;
}

// Both a digit and a letter are required: all-digit strings are integers, and all-letter
// words such as "deadbeef" or "facade" are far more often literal path words than ids.
bool IsHexId(std::string_view s) {
  if (s.size() < 8) return false;
  bool digit = false;
  bool letter = false;
  for (char c : s) {
    if (IsDigit(c)) {
      digit = true;
    } else if (IsHexLetter(c)) {
      letter = true;
    } else {
      return false;
    }
  }
  return digit && letter;
}

// Stripe-style ids: 1-12 letters, '_', then >= 6 of [A-Za-z0-9_] with a digit somewhere,
// so snake_case words ("user_profile") stay literal.
bool IsPrefixedId(std::string_view s) {
  std::size_t underscore = s.find('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore > 12) return false;
  for (std::size_t i = 0; i < underscore; ++i) {
    if (!IsAlpha(s[i])) return false;
  }
  std::string_view rest = s.substr(underscore + 1);
  if (rest.size() < 6) return false;
  bool digit = false;
  for (char c : rest) {
    if (!IsAlnum(c) && c != '_') return false;
    digit = digit || IsDigit(c);
  }
  return digit;
}

// Lower-case words joined by single dashes, with a digit somewhere, so "post-2024-recap"
// is a variable while "abc-def" or "sign-in" stay literal.
bool IsSlug(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  bool dash = false;
  bool digit = false;
  char previous = '\0';
  for (char c : s) {
    if (c == '-') {
      if (previous == '-') return false;
      dash = true;
    } else if (IsLowerAlnum(c)) {
      digit = digit || IsDigit(c);
    } else {
      return false;
    }
    previous = c;
  }
  return dash && digit;
}

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

struct QueryParam {
  std::string_view raw;  // re-emitted as sent, so "a" and "a=" stay distinct
  std::string_view key;
  std::string_view value;
  std::uint32_t position;  // tie-break that makes std::sort (allocation-free) stable
};

bool ParamLess(const QueryParam& a, const QueryParam& b) {
  if (a.key != b.key) return a.key < b.key;
  if (a.value != b.value) return a.value < b.value;
  return a.position < b.position;
}

}  // namespace

SegmentClass ClassifySegment(std::string_view segment) {
  if (IsInteger(segment)) return SegmentClass::kInteger;
  if (IsUuid(segment)) return SegmentClass::kUuid;
  if (IsHexId(segment)) return SegmentClass::kHex;
  if (IsPrefixedId(segment)) return SegmentClass::kPrefixedId;
  if (IsSlug(segment)) return SegmentClass::kSlug;
  return SegmentClass::kLiteral;
}

std::string_view PlaceholderName(SegmentClass cls) {
  switch (cls) {
    case SegmentClass::kInteger:
      return "{int}";
    case SegmentClass::kUuid:
      return "{uuid}";
    case SegmentClass::kHex:
      return "{hex}";
    case SegmentClass::kPrefixedId:
      return "{id}";
    case SegmentClass::kSlug:
      return "{slug}";
    case SegmentClass::kLiteral:
      break;
  }
  return {};
}

std::string TemplatePath(std::string_view target) {
  std::string_view path = PathOf(target);
  std::string out;
  out.reserve(path.size() + 8);
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string_view placeholder = PlaceholderName(ClassifySegment(segment));
    out += placeholder.empty() ? segment : placeholder;
    if (slash == std::string_view::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out;
}

std::string NormalizeTarget(std::string_view target) {
  std::string out;
  NormalizeTargetInto(target, out);
  return out;
}

void NormalizeTargetInto(std::string_view target, std::string& out) {
  out.clear();
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) {
    out.append(target);
    return;
  }
  std::string_view path = target.substr(0, question);
  std::string_view query = target.substr(question + 1);

  // Reused per thread so the exact tier does not allocate per request once warm.
  thread_local std::vector<QueryParam> params;
  params.clear();
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    std::size_t end = amp == std::string_view::npos ? query.size() : amp;
    std::string_view param = query.substr(start, end - start);
    if (!param.empty()) {
      std::size_t eq = param.find('=');
      std::string_view key = param.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
      params.push_back({param, key, value, static_cast<std::uint32_t>(params.size())});
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }

  out.reserve(target.size());
  out.append(path);
  if (params.empty()) return;
  if (params.size() > 1) std::sort(params.begin(), params.end(), ParamLess);
  out += '?';
  bool first = true;
  for (const QueryParam& p : params) {
    if (!first) out += '&';
    first = false;
    out.append(p.raw);
  }
}

}  // namespace gostly::library
