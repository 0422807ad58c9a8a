#include "scrub/scrubber.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <utility>

#include "scrub/sensitive_names.hpp"

namespace gostly::scrub {

namespace json = boost::json;

namespace {

// Nesting bound for the JSON walk: Boost.JSON parses bodies to depth 256, and a JSON
// document inside a string value is only parsed while the walk is shallower than this, so
// recursion stays bounded. A caller-built value nested deeper is redacted wholesale.
constexpr int kMaxWalkDepth = 1024;
constexpr int kMaxNestedParseDepth = 512;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ParseJson(std::string_view text, json::value& out) {
  json::parse_options options;
  options.max_depth = 256;
  boost::system::error_code ec;
  out = json::parse(json::string_view(text.data(), text.size()), ec, json::storage_ptr(), options);
  return !ec;
}

// Position of "://" after a valid scheme, or npos.
std::size_t SchemeEnd(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return std::string_view::npos;
  std::size_t i = 1;
  while (i < s.size() &&
         (IsAlpha(s[i]) || IsDigit(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) {
    ++i;
  }
  return s.substr(i, 3) == "://" ? i : std::string_view::npos;
}

bool LooksLikeUrl(std::string_view s) {
  if (SchemeEnd(s) == std::string_view::npos) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes only; '+' stays '+', and a malformed escape stays as written.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string PercentEncode(std::string_view s, bool in_query) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string_view extra = in_query ? "/?" : "=&";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    bool safe = IsAlpha(c) || IsDigit(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
                std::string_view("!$'()*+,;:@").find(c) != std::string_view::npos ||
                extra.find(c) != std::string_view::npos;
    if (safe) {
      out.push_back(c);
    } else {
      auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

bool IsRedactedMarker(std::string_view s) {
  return s == kRedacted ||
         (s.size() == kRedactedInUri.size() && Lower(s) == Lower(kRedactedInUri));
}

// "Bearer abc" -> "Bearer [REDACTED]" for the schemes of Authorization-style headers; any
// other value is redacted whole (its first word may itself be the secret).
std::string RedactKeepingScheme(std::string_view value) {
  static constexpr std::array<std::string_view, 15> kSchemes = {
      "bearer", "basic",  "digest",    "token", "negotiate",
      "ntlm",   "bot",    "dpop",      "gnap",  "hoba",
      "mutual", "apikey", "sharedkey", "oauth", "aws4-hmac-sha256"};
  std::size_t space = value.find_first_of(" \t");
  if (space != std::string_view::npos) {
    std::string scheme = Lower(value.substr(0, space));
    std::size_t rest = value.find_first_not_of(" \t", space);
    for (auto s : kSchemes) {
      if (scheme == s && rest != std::string_view::npos) {
        return std::string(value.substr(0, space)) + " " + std::string(kRedacted);
      }
    }
  }
  return std::string(kRedacted);
}

const std::string* HeaderValue(const common::HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (Lower(n) == name) return &v;
  }
  return nullptr;
}

}  // namespace

void ScrubStats::Add(Category category, std::size_t n) {
  switch (category) {
    case Category::kCredential:
      credential += n;
      break;
    case Category::kEmail:
      email += n;
      break;
    case Category::kPhone:
      phone += n;
      break;
    case Category::kCard:
      card += n;
      break;
    case Category::kNationalId:
      national_id += n;
      break;
    case Category::kField:
      field += n;
      break;
  }
}

ScrubStats& ScrubStats::operator+=(const ScrubStats& other) {
  credential += other.credential;
  email += other.email;
  phone += other.phone;
  card += other.card;
  national_id += other.national_id;
  field += other.field;
  return *this;
}

struct Scrubber::PathState {
  std::uint32_t path;
  std::uint32_t step;
};

Scrubber::Scrubber(ScrubPolicy policy, std::vector<FieldPath> paths)
    : policy_(std::move(policy)), paths_(std::move(paths)), detectors_(&DetectorSet::Default()) {
  if (policy_.replacement == Replacement::kPseudonym) pseudonymizer_.emplace(policy_.tenant_key);
}

common::Result<Scrubber> Scrubber::Create(ScrubPolicy policy) {
  if (policy.replacement == Replacement::kPseudonym && policy.tenant_key.empty()) {
    return common::MakeError(
        "scrub policy: pseudonym replacement needs a per-tenant key (set tenant_key, or use "
        "redaction)",
        common::ErrorCode::kInvalidArgument);
  }
  std::vector<FieldPath> paths;
  paths.reserve(policy.field_paths.size());
  for (const auto& text : policy.field_paths) {
    auto path = FieldPath::Parse(text);
    if (!path.ok()) return path.error_value();
    paths.push_back(std::move(path).value());
  }
  return Scrubber(std::move(policy), std::move(paths));
}

std::vector<Finding> Scrubber::Find(std::string_view text) const { return detectors_->Find(text); }

std::string Scrubber::ReplacementFor(const Finding& finding, std::string_view span) const {
  if (!pseudonymizer_ || finding.merged) return std::string(kRedacted);
  switch (finding.detector) {
    case Detector::kEmail:
      return pseudonymizer_->Email(span);
    case Detector::kPhone:
      return pseudonymizer_->Phone(span);
    case Detector::kCard:
      return pseudonymizer_->Card(span);
    case Detector::kSsn:
      return pseudonymizer_->Ssn(span);
    case Detector::kNino:
      return pseudonymizer_->Nino(span);
    case Detector::kIban:
      return pseudonymizer_->Iban(span);
    case Detector::kStripeKey:
    case Detector::kGithubToken:
    case Detector::kSlackToken:
    case Detector::kGoogleApiKey:
    case Detector::kAwsAccessKeyId:
      return pseudonymizer_->Token(span);
    default:
      return std::string(kRedacted);  // credentials without a useful pseudonym
  }
}

bool Scrubber::ScrubTextInto(std::string_view text, std::string& out, ScrubStats* stats) const {
  auto findings = detectors_->Find(text);
  if (findings.empty()) return false;
  bool unlocked = ApplyFindings(text, findings, out, stats);
  // Rare: a neighbour redacted after a marker overlaps a candidate rejected in the first
  // scan. Rescan the whole output a bounded number of times (linear in the input) so that
  // such glued-together near misses are redacted in this pass, not the next one.
  constexpr int kMaxRescans = 3;
  for (int round = 0; unlocked && round < kMaxRescans; ++round) {
    auto more = detectors_->Find(out);
    if (more.empty()) break;
    std::string next;
    unlocked = ApplyFindings(out, more, next, stats);
    out = std::move(next);
  }
  return true;
}

bool Scrubber::ApplyFindings(std::string_view text, const std::vector<Finding>& findings,
                             std::string& out, ScrubStats* stats) const {
  out.clear();
  out.reserve(text.size());
  std::size_t pos = 0;
  std::vector<std::size_t> marker_ends;  // redact mode: where each "[REDACTED]" ends in out
  for (const auto& f : findings) {
    out.append(text.substr(pos, f.begin - pos));
    out.append(ReplacementFor(f, text.substr(f.begin, f.end - f.begin)));
    if (!pseudonymizer_) marker_ends.push_back(out.size());
    if (stats != nullptr) stats->Add(f.merged ? Category::kCredential : CategoryOf(f.detector));
    pos = f.end;
  }
  out.append(text.substr(pos));
  return !pseudonymizer_ && RedactUnlockedNeighbours(out, marker_ends, stats);
}

bool Scrubber::RedactUnlockedNeighbours(std::string& out, std::vector<std::size_t>& marker_ends,
                                        ScrubStats* stats) const {
  // A marker ends with ']', a boundary for every pattern. A neighbour that was rejected
  // only for want of a boundary on its left (a phone glued to a digit, a key glued to a
  // word) matches now; it is redacted here so that the output is a fixed point. Each new
  // marker is checked in turn, so a chain of such neighbours costs one anchored match per
  // link.
  static constexpr std::string_view kDelimiters = " \t\r\n\"',;<>{}[]";
  bool added = false;
  for (std::size_t k = 0; k < marker_ends.size(); ++k) {
    std::size_t at = marker_ends[k];
    if (at >= out.size() || kDelimiters.find(out[at]) != std::string_view::npos) continue;
    std::size_t limit =
        k + 1 < marker_ends.size() ? marker_ends[k + 1] - kRedacted.size() : out.size();
    auto extra = detectors_->FindAt(out, at);
    std::vector<std::size_t> fresh_ends;
    std::ptrdiff_t shift = 0;
    for (const auto& f : extra) {
      std::size_t begin = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(f.begin) + shift);
      std::size_t end = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(f.end) + shift);
      if (end > static_cast<std::size_t>(static_cast<std::ptrdiff_t>(limit) + shift)) break;
      out.replace(begin, end - begin, kRedacted);
      shift +=
          static_cast<std::ptrdiff_t>(kRedacted.size()) - static_cast<std::ptrdiff_t>(end - begin);
      fresh_ends.push_back(begin + kRedacted.size());
      if (stats != nullptr) stats->Add(f.merged ? Category::kCredential : CategoryOf(f.detector));
    }
    if (fresh_ends.empty()) continue;
    added = true;
    for (std::size_t j = k + 1; j < marker_ends.size(); ++j) {
      marker_ends[j] =
          static_cast<std::size_t>(static_cast<std::ptrdiff_t>(marker_ends[j]) + shift);
    }
    marker_ends.insert(marker_ends.begin() + static_cast<std::ptrdiff_t>(k) + 1, fresh_ends.begin(),
                       fresh_ends.end());
  }
  return added;
}

std::string Scrubber::ScrubText(std::string_view text, ScrubStats* stats) const {
  std::string out;
  if (!ScrubTextInto(text, out, stats)) return std::string(text);
  return out;
}

std::string Scrubber::PseudonymForValue(std::string_view value) const {
  auto findings = detectors_->Find(value);
  if (findings.size() == 1 && findings[0].begin == 0 && findings[0].end == value.size()) {
    return ReplacementFor(findings[0], value);
  }
  return pseudonymizer_->Value(value);
}

bool Scrubber::PseudonymiseTree(json::value& value) const {
  switch (value.kind()) {
    case json::kind::null:
      return false;
    case json::kind::bool_:
      // No format-preserving pseudonym can hide a single bit.
      value = json::string(kRedacted);
      return true;
    case json::kind::int64:
      value = pseudonymizer_->Int64(value.get_int64());
      return true;
    case json::kind::uint64:
      value = pseudonymizer_->Uint64(value.get_uint64());
      return true;
    case json::kind::double_:
      value = pseudonymizer_->Double(value.get_double());
      return true;
    case json::kind::string: {
      std::string_view s = value.get_string();
      if (s == kRedacted) return false;
      value = json::string(PseudonymForValue(s));
      return true;
    }
    case json::kind::array: {
      bool changed = false;
      for (auto& element : value.get_array()) changed = PseudonymiseTree(element) || changed;
      return changed;
    }
    case json::kind::object: {
      bool changed = false;
      for (auto& member : value.get_object()) changed = PseudonymiseTree(member.value()) || changed;
      return changed;
    }
  }
  return false;
}

bool Scrubber::ReplaceField(json::value& value, ScrubStats* stats) const {
  if (value.is_null()) return false;
  if (value.is_string() && value.get_string() == kRedacted) return false;
  bool changed = true;
  if (pseudonymizer_) {
    changed = PseudonymiseTree(value);
  } else {
    value = json::string(kRedacted);
  }
  if (changed && stats != nullptr) stats->Add(Category::kField);
  return changed;
}

bool Scrubber::RedactCredentialValue(json::value& value, bool keep_scheme,
                                     ScrubStats* stats) const {
  if (value.is_string()) {
    std::string_view s = value.get_string();
    if (s.empty()) return false;
    std::string redacted = keep_scheme ? RedactKeepingScheme(s) : std::string(kRedacted);
    if (redacted == s) return false;
    value = json::string(redacted);
  } else if (value.is_number()) {
    value = json::string(kRedacted);
  } else {
    return false;
  }
  if (stats != nullptr) stats->Add(Category::kCredential);
  return true;
}

bool Scrubber::ScrubJsonString(std::string_view in, std::string& out, ScrubStats* stats,
                               int depth) const {
  if (LooksLikeUrl(in)) {
    out = ScrubUri(in, stats);
    return out != in;
  }
  std::size_t first = in.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (in[first] == '{' || in[first] == '[') &&
      depth < kMaxNestedParseDepth) {
    json::value nested;
    if (ParseJson(in, nested)) {
      if (!WalkValue(nested, {}, false, false, depth + 1, stats)) return false;
      out = json::serialize(nested);
      return true;
    }
  }
  return ScrubTextInto(in, out, stats);
}

bool Scrubber::WalkValue(json::value& value, const std::vector<PathState>& states,
                         bool cookie_pairs, bool is_cookie, int depth, ScrubStats* stats) const {
  if (depth > kMaxWalkDepth) {
    if (value.is_string() && value.get_string() == kRedacted) return false;
    value = json::string(kRedacted);
    if (stats != nullptr) stats->Add(Category::kCredential);
    return true;
  }
  auto advance = [this, &states](auto&& matches, std::vector<PathState>& next) {
    bool full = false;
    next.clear();
    for (const auto& s : states) {
      const FieldPath& path = paths_[s.path];
      if (!matches(path, s.step)) continue;
      std::uint32_t step = s.step + 1;
      if (step == path.steps().size()) {
        full = true;
      } else {
        next.push_back(PathState{s.path, step});
      }
    }
    return full;
  };

  switch (value.kind()) {
    case json::kind::string: {
      std::string out;
      if (!ScrubJsonString(value.get_string(), out, stats, depth)) return false;
      value = json::string(out);
      return true;
    }
    case json::kind::int64:
    case json::kind::uint64: {
      // Card numbers sent as JSON numbers.
      bool negative = value.is_int64() && value.get_int64() < 0;
      std::uint64_t magnitude = value.is_uint64() ? value.get_uint64()
                                : negative        ? 0
                                                  : static_cast<std::uint64_t>(value.get_int64());
      if (negative) return false;
      std::string digits = std::to_string(magnitude);
      if (!IsCardNumber(digits)) return false;
      if (stats != nullptr) stats->Add(Category::kCard);
      if (!pseudonymizer_) {
        value = json::string(kRedacted);
        return true;
      }
      std::string fresh = pseudonymizer_->Card(digits);
      std::uint64_t number = 0;
      std::from_chars(fresh.data(), fresh.data() + fresh.size(), number);
      if (value.is_uint64()) {
        value = number;
      } else {
        value = static_cast<std::int64_t>(number);  // <= 19 digits, no overflow past int64
      }
      return true;
    }
    case json::kind::array: {
      bool changed = false;
      std::vector<PathState> next;
      auto& array = value.get_array();
      for (std::size_t i = 0; i < array.size(); ++i) {
        bool full =
            !states.empty() &&
            advance([i](const FieldPath& p, std::uint32_t step) { return p.MatchesIndex(step, i); },
                    next);
        if (full) {
          changed = ReplaceField(array[i], stats) || changed;
        } else {
          changed = WalkValue(array[i], next, false, cookie_pairs, depth + 1, stats) || changed;
        }
      }
      return changed;
    }
    case json::kind::object: {
      auto& object = value.get_object();
      // Name/value pairs (HAR and Postman headers, query strings, form fields, cookies).
      bool secret_pair = is_cookie;
      bool keep_scheme = false;
      for (std::string_view name_key : {"name", "key"}) {
        const json::value* name = object.if_contains(name_key);
        if (name != nullptr && name->is_string() && IsSensitiveHeaderName(name->get_string())) {
          secret_pair = true;
          keep_scheme = keep_scheme || IsAuthorizationHeaderName(name->get_string());
        }
      }
      bool changed = false;
      bool rename = false;
      std::vector<PathState> next;
      for (auto& member : object) {
        std::string_view key = member.key();
        json::value& child = member.value();
        bool full = !states.empty() &&
                    advance([key](const FieldPath& p,
                                  std::uint32_t step) { return p.MatchesMember(step, key); },
                            next);
        if (full) {
          changed = ReplaceField(child, stats) || changed;
        } else if (secret_pair && key == "value" && (child.is_string() || child.is_number())) {
          changed = RedactCredentialValue(child, keep_scheme, stats) || changed;
        } else if ((child.is_string() || child.is_number()) && IsSensitiveKeyName(key)) {
          changed = RedactCredentialValue(child, IsAuthorizationHeaderName(key), stats) || changed;
        } else {
          bool cookies = key == "cookies" && child.is_array();
          changed = WalkValue(child, next, cookies, false, depth + 1, stats) || changed;
        }
        rename = rename || !detectors_->Find(key).empty();
      }
      if (rename) {
        // Keys holding PII are scrubbed too; a scrubbed key that collides with another
        // gets a "~N" suffix so no member is lost.
        json::object fresh(object.storage());
        fresh.reserve(object.size());
        for (auto& member : object) {
          std::string key;
          if (ScrubTextInto(member.key(), key, stats)) {
            std::string base = key;
            for (int n = 2; fresh.contains(key) || object.contains(key); ++n) {
              key = base + "~" + std::to_string(n);
            }
          } else {
            key = std::string(member.key());
          }
          fresh.emplace(key, std::move(member.value()));
        }
        value = std::move(fresh);
        changed = true;
      }
      return changed;
    }
    default:
      return false;
  }
}

void Scrubber::ScrubJson(json::value& value, ScrubStats* stats) const {
  std::vector<PathState> states;
  for (std::uint32_t i = 0; i < paths_.size(); ++i) states.push_back(PathState{i, 0});
  WalkValue(value, states, false, false, 0, stats);
}

bool Scrubber::ScrubComponent(std::string_view component, bool in_query, std::string& out,
                              ScrubStats* stats) const {
  std::string decoded = PercentDecode(component);
  std::string scrubbed;
  if (!ScrubTextInto(decoded, scrubbed, stats)) return false;
  out = PercentEncode(scrubbed, in_query);
  return true;
}

bool IsCredentialQueryParameter(std::string_view raw_name, std::string_view raw_value) {
  // The proxy asks this of every query parameter it records or looks up: a name without
  // escapes is checked as it is, not decoded into a copy first.
  if (raw_value.empty()) return false;
  const bool sensitive = raw_name.find('%') == std::string_view::npos
                             ? IsSensitiveHeaderName(raw_name)
                             : IsSensitiveHeaderName(PercentDecode(raw_name));
  return sensitive && !IsRedactedMarker(raw_value);
}

bool Scrubber::ScrubQuery(std::string_view query, std::string& out, ScrubStats* stats) const {
  bool changed = false;
  std::string result;
  result.reserve(query.size());
  std::size_t pos = 0;
  while (true) {
    std::size_t amp = query.find('&', pos);
    auto param = query.substr(pos, amp == std::string_view::npos ? query.npos : amp - pos);
    std::size_t eq = param.find('=');
    auto name = param.substr(0, eq);
    std::string scrubbed;
    if (ScrubComponent(name, true, scrubbed, stats)) {
      result += scrubbed;
      changed = true;
    } else {
      result += name;
    }
    if (eq != std::string_view::npos) {
      result.push_back('=');
      auto raw_value = param.substr(eq + 1);
      if (IsCredentialQueryParameter(name, raw_value)) {
        result += kRedactedInUri;
        if (stats != nullptr) stats->Add(Category::kCredential);
        changed = true;
      } else if (ScrubComponent(raw_value, true, scrubbed, stats)) {
        result += scrubbed;
        changed = true;
      } else {
        result += raw_value;
      }
    }
    if (amp == std::string_view::npos) break;
    result.push_back('&');
    pos = amp + 1;
  }
  if (changed) out = std::move(result);
  return changed;
}

std::string Scrubber::ScrubUri(std::string_view uri, ScrubStats* stats) const {
  std::string out;
  out.reserve(uri.size());
  bool changed = false;
  std::string scrubbed;
  std::size_t pos = 0;

  std::size_t scheme_end = SchemeEnd(uri);
  if (scheme_end != std::string_view::npos) {
    std::size_t authority_begin = scheme_end + 3;
    std::size_t authority_end = uri.find_first_of("/?#", authority_begin);
    if (authority_end == std::string_view::npos) authority_end = uri.size();
    out.append(uri.substr(0, authority_begin));
    auto authority = uri.substr(authority_begin, authority_end - authority_begin);
    std::size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      auto userinfo = authority.substr(0, at);
      std::size_t colon = userinfo.find(':');
      auto user = userinfo.substr(0, colon);
      if (ScrubComponent(user, false, scrubbed, stats)) {
        out += scrubbed;
        changed = true;
      } else {
        out += user;
      }
      if (colon != std::string_view::npos) {
        auto password = userinfo.substr(colon + 1);
        out.push_back(':');
        if (!password.empty() && !IsRedactedMarker(password)) {
          out += kRedactedInUri;
          if (stats != nullptr) stats->Add(Category::kCredential);
          changed = true;
        } else {
          out += password;
        }
      }
      out.append(authority.substr(at));
    } else {
      out.append(authority);
    }
    pos = authority_end;
  }

  std::size_t path_end = uri.find_first_of("?#", pos);
  if (path_end == std::string_view::npos) path_end = uri.size();
  while (pos <= path_end) {
    std::size_t slash = uri.find('/', pos);
    std::size_t seg_end = (slash == std::string_view::npos || slash > path_end) ? path_end : slash;
    auto segment = uri.substr(pos, seg_end - pos);
    if (!segment.empty() && ScrubComponent(segment, false, scrubbed, stats)) {
      out += scrubbed;
      changed = true;
    } else {
      out += segment;
    }
    if (seg_end == path_end) break;
    out.push_back('/');
    pos = seg_end + 1;
  }
  pos = path_end;

  if (pos < uri.size() && uri[pos] == '?') {
    std::size_t query_end = uri.find('#', pos + 1);
    if (query_end == std::string_view::npos) query_end = uri.size();
    auto query = uri.substr(pos + 1, query_end - pos - 1);
    out.push_back('?');
    if (ScrubQuery(query, scrubbed, stats)) {
      out += scrubbed;
      changed = true;
    } else {
      out += query;
    }
    pos = query_end;
  }
  if (pos < uri.size() && uri[pos] == '#') {
    auto fragment = uri.substr(pos + 1);
    out.push_back('#');
    // OAuth implicit-flow fragments carry access_token=…: read "k=v" fragments as a query.
    bool pairs = fragment.find('=') != std::string_view::npos;
    bool fragment_changed = pairs ? ScrubQuery(fragment, scrubbed, stats)
                                  : ScrubComponent(fragment, true, scrubbed, stats);
    out += fragment_changed ? std::string_view(scrubbed) : fragment;
    changed = changed || fragment_changed;
  }
  return changed ? out : std::string(uri);
}

std::string Scrubber::ScrubHeaderValue(std::string_view name, std::string_view value,
                                       ScrubStats* stats) const {
  if (IsSensitiveHeaderName(name)) {
    if (value.empty()) return std::string();
    std::string redacted =
        IsAuthorizationHeaderName(name) ? RedactKeepingScheme(value) : std::string(kRedacted);
    if (redacted != value && stats != nullptr) stats->Add(Category::kCredential);
    return redacted;
  }
  std::string lower = Lower(name);
  if (lower == "location" || lower == "content-location" || lower == "referer") {
    return ScrubUri(value, stats);
  }
  return ScrubText(value, stats);
}

std::string Scrubber::ScrubBody(std::string_view body, std::string_view content_type,
                                ScrubStats* stats) const {
  if (body.empty()) return std::string();
  std::string type = Lower(content_type.substr(0, content_type.find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.erase(0, 1);
  if (type == "application/x-www-form-urlencoded") {
    std::string out;
    if (ScrubQuery(body, out, stats)) return out;
    return std::string(body);
  }
  bool json_type = type.find("json") != std::string::npos;
  std::vector<PathState> states;
  for (std::uint32_t i = 0; i < paths_.size(); ++i) states.push_back(PathState{i, 0});
  // Scrubs `text` as JSON when it is JSON; nullopt when it is not.
  auto as_json = [&](std::string_view text) -> std::optional<std::string> {
    std::size_t first = text.find_first_not_of(" \t\r\n");
    bool shape = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
    if (!json_type && !shape) return std::nullopt;
    json::value value;
    if (!ParseJson(text, value) || (!json_type && !value.is_object() && !value.is_array())) {
      return std::nullopt;
    }
    if (!WalkValue(value, states, false, false, 0, stats)) return std::string(text);
    return json::serialize(value);
  };
  if (auto out = as_json(body)) return std::move(*out);
  std::string out = ScrubText(body, stats);
  // Text scrubbing can turn broken JSON into JSON (a replaced span held the offending
  // bytes); scrub that as JSON too, so that a second pass finds nothing more.
  if (out != body) {
    if (auto again = as_json(out)) return std::move(*again);
  }
  return out;
}

void Scrubber::ScrubExchange(library::Exchange& exchange, ScrubStats* stats) const {
  exchange.uri = ScrubUri(exchange.uri, stats);
  for (auto& [name, value] : exchange.request_headers) value = ScrubHeaderValue(name, value, stats);
  for (auto& [name, value] : exchange.response_headers)
    value = ScrubHeaderValue(name, value, stats);
  const std::string* request_type = HeaderValue(exchange.request_headers, "content-type");
  const std::string* response_type = HeaderValue(exchange.response_headers, "content-type");
  exchange.request_body =
      ScrubBody(exchange.request_body, request_type ? *request_type : std::string_view(), stats);
  exchange.response_body =
      ScrubBody(exchange.response_body, response_type ? *response_type : std::string_view(), stats);
}

}  // namespace gostly::scrub
