#include "scrub/detectors.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>

#include "common/body_codec.hpp"
#include "scrub/sensitive_names.hpp"

namespace gostly::scrub {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAlpha(char c) { return IsUpper(c) || (c >= 'a' && c <= 'z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

// What the scrubber writes: "[REDACTED]", or "%5BREDACTED%5D" inside URIs. A candidate
// that is only the marker was scrubbed already.
bool IsRedactedMarker(std::string_view s) {
  return s == "[REDACTED]" || EqualsIgnoreCase(s, "%5BREDACTED%5D");
}

// A validator sees the whole text and the candidate span (RE2's capture group 1); it may
// narrow the span and returns false to reject the candidate.
using Validator = bool (*)(std::string_view text, std::size_t& begin, std::size_t& end);

// Drops whitespace and JSON-escaped line breaks ("\n", "\r") from both ends: a PEM body
// taken from raw JSON text carries them literally.
std::string_view TrimPemBody(std::string_view s) {
  auto strip_front = [&s] {
    if (s.empty()) return false;
    char c = s.front();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      s.remove_prefix(1);
      return true;
    }
    if (c == '\\' && s.size() >= 2 && (s[1] == 'n' || s[1] == 'r')) {
      s.remove_prefix(2);
      return true;
    }
    return false;
  };
  auto strip_back = [&s] {
    if (s.empty()) return false;
    char c = s.back();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      s.remove_suffix(1);
      return true;
    }
    if ((c == 'n' || c == 'r') && s.size() >= 2 && s[s.size() - 2] == '\\') {
      s.remove_suffix(2);
      return true;
    }
    return false;
  };
  while (strip_front()) {
  }
  while (strip_back()) {
  }
  return s;
}

bool ValidatePemBody(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto body = TrimPemBody(text.substr(begin, end - begin));
  return !body.empty() && !IsRedactedMarker(body);
}

// Opaque tokens: long, or holding a digit or a punctuation mark. Keeps prose such as
// "Bearer authentication" from being taken for a token.
bool ValidateBearer(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto token = text.substr(begin, end - begin);
  if (token.size() >= 20) return true;
  return std::any_of(token.begin(), token.end(), [](char c) { return !IsAlnum(c) && c != '_'; }) ||
         std::any_of(token.begin(), token.end(), IsDigit);
}

// Basic credentials are base64 of "user:password"; prose after the word "basic" is not.
bool ValidateBasic(std::string_view text, std::size_t& begin, std::size_t& end) {
  std::string token(text.substr(begin, end - begin));
  while (token.size() % 4 != 0) token.push_back('=');
  auto decoded = common::Base64Decode(token);
  if (!decoded.ok()) return false;
  const std::string& d = decoded.value();
  if (d.find(':') == std::string::npos) return false;
  return std::all_of(d.begin(), d.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f;
  });
}

bool ValidateNotRedacted(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto value = text.substr(begin, end - begin);
  return !value.empty() && !IsRedactedMarker(value);
}

// Heuristics that tell a secret from code or placeholders. Like every rejection, a value
// they reject is still redacted when another finding overlaps it (see Resolve).
bool PlausibleSecretValue(std::string_view text, std::size_t begin, std::size_t end) {
  auto value = text.substr(begin, end - begin);
  if (value == "true" || value == "false" || value == "null") return false;
  // A PEM block is the private-key detector's; it keeps the armour lines readable.
  if (value.substr(0, 10) == "-----BEGIN") return false;
  // Code rather than data: `token = pm.variables.get("x")`, `password=${DB_PASSWORD}`.
  if (value.back() == '(') return false;
  if (value == "$" && end < text.size() && text[end] == '{') return false;
  if (value.size() >= 2 && value[0] == '$') {
    auto name = value.substr(value[1] == '{' ? 2 : 1);
    if (!name.empty() && name.back() == '}') name.remove_suffix(1);
    bool env_name = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return IsUpper(c) || IsDigit(c) || c == '_';
    });
    if (env_name) return false;
  }
  return true;
}

// "Authorization: Basic [REDACTED]" or "Authorization: Bearer {{token}}": the candidate
// is then the scheme word itself, which is not a secret.
bool PlausibleAuthorization(std::string_view text, std::size_t begin, std::size_t end) {
  static constexpr std::array<std::string_view, 15> kSchemes = {
      "bearer", "basic",  "digest",    "token", "negotiate",
      "ntlm",   "bot",    "dpop",      "gnap",  "hoba",
      "mutual", "apikey", "sharedkey", "oauth", "aws4-hmac-sha256"};
  auto value = text.substr(begin, end - begin);
  for (auto scheme : kSchemes) {
    if (EqualsIgnoreCase(value, scheme)) return false;
  }
  // Any other word followed by a redacted credential was taken for the scheme last time.
  std::size_t next = end;
  while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
  if (next > end && text.substr(next, 10) == "[REDACTED]") return false;
  return PlausibleSecretValue(text, begin, end);
}

// File names such as "logo@2x.png" look like emails.
constexpr std::array<std::string_view, 21> kFileExtensions = {
    "png", "jpg",  "jpeg", "gif",  "svg", "webp", "ico",   "bmp", "avif", "css", "js",
    "mjs", "json", "map",  "html", "htm", "woff", "woff2", "ttf", "otf",  "eot",
};

bool IsUserinfoChar(char c) {
  return IsAlnum(c) || std::string_view("._~%!$&'()*+,;=-").find(c) != std::string_view::npos;
}

bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }

// "scheme://user:pass.word@host": the local part of the "email" is the tail of a URL
// password, which the URL-password detector redacts; the host is not an address. The check
// mirrors that detector's pattern exactly, so one of the two always covers the bytes.
bool InUrlPassword(std::string_view text, std::size_t begin, std::size_t at) {
  for (std::size_t k = begin; k < at; ++k) {
    if (!IsUserinfoChar(text[k])) return false;
  }
  std::size_t i = begin;
  std::size_t limit = begin > 1024 ? begin - 1024 : 0;
  bool colon = false;
  while (i > limit && (IsUserinfoChar(text[i - 1]) || text[i - 1] == ':')) {
    colon = colon || text[i - 1] == ':';
    --i;
  }
  if (!colon || i < 3 || text.substr(i - 3, 3) != "://") return false;
  // A scheme: a letter at a word boundary, then letters, digits, '+', '.' or '-'.
  std::size_t scheme_end = i - 3;
  std::size_t j = scheme_end;
  while (j > limit &&
         (IsAlnum(text[j - 1]) || text[j - 1] == '+' || text[j - 1] == '.' || text[j - 1] == '-')) {
    --j;
  }
  for (std::size_t k = j; k < scheme_end; ++k) {
    bool boundary = k == 0 || !IsWordChar(text[k - 1]);
    if (IsAlpha(text[k]) && boundary) return true;
  }
  return false;
}

// Not an address but the tail of a URL password ("scheme://user:pass@host"), which the
// URL-password detector covers: dropped outright, never merged with that finding. Only a
// literal '@' ends a URL's userinfo.
bool IsUrlPasswordTail(std::string_view text, std::size_t begin, std::size_t end) {
  std::size_t at = text.substr(begin, end - begin).find('@');
  return at != std::string_view::npos && InUrlPassword(text, begin, begin + at);
}

bool ValidateEmail(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto email = text.substr(begin, end - begin);
  std::size_t at = email.find('@');
  std::size_t sep = 1;
  if (at == std::string_view::npos) {
    at = email.find("%40");
    sep = 3;
  }
  if (at == std::string_view::npos) return false;
  if (IsUrlPasswordTail(text, begin, end)) return false;
  auto domain = email.substr(at + sep);
  if (IsPseudonymEmailDomain(domain)) return false;
  auto tld = domain.substr(domain.rfind('.') + 1);
  for (auto ext : kFileExtensions) {
    if (EqualsIgnoreCase(tld, ext)) return false;
  }
  return true;
}

std::size_t CountDigits(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), IsDigit));
}

bool ValidateE164(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto n = CountDigits(text.substr(begin, end - begin));
  return n >= 8 && n <= 15;
}

// Trunk-0 national numbers: no area code starts with 0 after the trunk prefix, which
// also keeps zero-padded ids ("0001 2345 6789") out.
bool ValidateTrunkPhone(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto phone = text.substr(begin, end - begin);
  auto n = CountDigits(phone);
  return n >= 9 && n <= 12 && phone.size() > 1 && phone[1] != '0';
}

// Card candidates are digits with at most one kind of separator. A grouped candidate may
// run into a following number ("4111 1111 1111 1111 2024"), so shorter prefixes ending
// at a group boundary are tried too, longest first.
bool ValidateCard(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto s = text.substr(begin, end - begin);
  char sep = 0;
  std::vector<std::size_t> group_ends;  // offsets in s where a group of digits ends
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (IsDigit(s[i])) continue;
    if (sep == 0) sep = s[i];
    if (s[i] != sep) return false;
    group_ends.push_back(i);
  }
  group_ends.push_back(s.size());
  for (std::size_t k = group_ends.size(); k >= 1; --k) {
    // Grouped cards use groups of 4 to 6 digits (4-4-4-4, 4-6-5, 4-4-4-4-3).
    bool groups_ok = true;
    std::size_t start = 0;
    for (std::size_t g = 0; g < k && k > 1; ++g) {
      std::size_t len = group_ends[g] - start;
      bool last = g + 1 == k;
      if (len > 6 || (!last && len < 4)) groups_ok = false;
      start = group_ends[g] + 1;
    }
    if (groups_ok) {
      auto prefix = s.substr(0, group_ends[k - 1]);
      std::string digits;
      for (char c : prefix) {
        if (IsDigit(c)) digits.push_back(c);
      }
      if (IsCardNumber(digits)) {
        end = begin + prefix.size();
        return true;
      }
    }
  }
  return false;
}

bool ValidateSsn(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto s = text.substr(begin, end - begin);
  if (s.size() != 11) return false;
  return SsnValid(s.substr(0, 3), s.substr(4, 2), s.substr(7, 4));
}

bool ValidateNino(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto s = text.substr(begin, end - begin);
  static constexpr std::array<std::string_view, 7> kUnallocated = {"BG", "GB", "KN", "NK",
                                                                   "NT", "TN", "ZZ"};
  auto prefix = s.substr(0, 2);
  for (auto bad : kUnallocated) {
    if (prefix == bad) return false;
  }
  // Spaced as "AB 12 34 56 C" or not at all.
  auto spaces = std::count(s.begin(), s.end(), ' ');
  return spaces == 0 || spaces == 4;
}

// ISO 13616 lengths for the countries that issue IBANs.
struct IbanCountry {
  char code[3];
  std::uint8_t length;
};
constexpr std::array<IbanCountry, 77> kIbanCountries = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
}};

std::size_t IbanLength(std::string_view country) {
  for (const auto& c : kIbanCountries) {
    if (country == std::string_view(c.code, 2)) return c.length;
  }
  return 0;
}

// The candidate may run into following upper-case words; it is cut at the country's
// length, which must end at a word boundary.
bool ValidateIban(std::string_view text, std::size_t& begin, std::size_t& end) {
  auto s = text.substr(begin, end - begin);
  std::size_t want = IbanLength(s.substr(0, 2));
  if (want == 0) return false;
  std::string compact;
  std::size_t i = 0;
  for (; i < s.size() && compact.size() < want; ++i) {
    if (s[i] != ' ') compact.push_back(s[i]);
  }
  if (compact.size() != want) return false;
  std::size_t stop = begin + i;
  if (stop < text.size() && IsAlnum(text[stop])) return false;
  if (!IbanValid(compact)) return false;
  end = stop;
  return true;
}

struct PatternSpec {
  Detector detector;
  std::string pattern;  // group 1 is the span to neutralise
  Validator validate;   // may be null
  // Bounded patterns match at most a few dozen bytes; after a rejected candidate the
  // search resumes one byte later (a shorter valid candidate may start inside it).
  // Unbounded ones resume after the candidate, which keeps hostile input linear.
  bool bounded;
  // Soft heuristics (may be null): see PlausibleSecretValue.
  bool (*plausible)(std::string_view text, std::size_t begin, std::size_t end) = nullptr;
  // Candidates that are some other detector's business (may be null): dropped, not kept
  // as rejected candidates (see Resolve).
  bool (*foreign)(std::string_view text, std::size_t begin, std::size_t end) = nullptr;
};

std::vector<PatternSpec> BuildPatterns() {
  // Secret-bearing names are shared with the JSON key rule (sensitive_names.cpp), so the
  // raw-text and JSON views of a body agree.
  const std::string words(SecretWordsPattern());
  return {
      {Detector::kPrivateKey,
       R"(-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----((?s:.*?))-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----)",
       ValidatePemBody, false},
      // A block cut short (truncated body, no END line): the base64 lines that follow,
      // including JSON-escaped line breaks.
      {Detector::kPrivateKey,
       R"(-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----((?:[A-Za-z0-9+/=\s]|\\[nr])*))",
       ValidatePemBody, false},
      {Detector::kJwt,
       R"(\b(eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}))",
       nullptr, false},
      {Detector::kStripeKey, R"(\b(?:sk|rk|pk)_(?:live|test)_([0-9A-Za-z]{10,}))", nullptr, false},
      {Detector::kStripeKey, R"(\bwhsec_([0-9A-Za-z+/=]{10,}))", nullptr, false},
      {Detector::kGithubToken, R"(\b(?:ghp|gho|ghu|ghs|ghr)_([A-Za-z0-9]{30,}))", nullptr, false},
      {Detector::kGithubToken, R"(\bgithub_pat_([A-Za-z0-9_]{20,}))", nullptr, false},
      {Detector::kSlackToken, R"(\bxox[abprs]-([A-Za-z0-9-]{10,}))", nullptr, false},
      {Detector::kGoogleApiKey, R"(\bAIza([0-9A-Za-z_-]{35,}))", nullptr, false},
      {Detector::kAwsAccessKeyId, R"(\b(?:AKIA|ASIA)([0-9A-Z]{16})\b)", nullptr, false},
      {Detector::kAwsSecretKey,
       R"((?i)aws[_-]?secret[_-]?(?:access[_-]?)?key["'\s:=,]{1,8}([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$))",
       nullptr, false},
      {Detector::kUrlPassword,
       R"(\b[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~%!$&'()*+,;=-]*:([A-Za-z0-9._~%!$&'()*+,;=:-]+)@)",
       ValidateNotRedacted, false},
      {Detector::kBearer, R"((?i)\bbearer[ \t]+([A-Za-z0-9._~+/=-]{8,}))", ValidateBearer, false},
      {Detector::kBasicAuth, R"((?i)\bbasic[ \t]+([A-Za-z0-9+/]{6,}={0,2}))", ValidateBasic, false},
      {Detector::kSecretAssignment,
       "(?i)(?:^|[^A-Za-z0-9])(?:" + words +
           R"()["']?[ \t]*[:=][ \t]*["']?([^\s"'&,;<>{}\[\]\\]+))",
       ValidateNotRedacted, false, PlausibleSecretValue},
      {Detector::kSecretAssignment, "(?i)<(?:" + words + R"()>([^<]+)</)", ValidateNotRedacted,
       false, PlausibleSecretValue},
      // "Authorization: Scheme credentials": the scheme word is kept.
      {Detector::kSecretAssignment,
       R"((?i)(?:^|[^A-Za-z0-9-])(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?(?:[A-Za-z][A-Za-z0-9_-]*[ \t]+)?([^\s"'&,;<>{}\[\]\\]+))",
       ValidateNotRedacted, false, PlausibleAuthorization},
      {Detector::kCard, R"((?:^|[^\w.+-])(\d(?:[ -]?\d){12,18})\b)", ValidateCard, true},
      {Detector::kIban, R"(\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30})\b)", ValidateIban, true},
      {Detector::kSsn, R"((?:^|[^\w-])(\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4})(?:[^\w-]|$))",
       ValidateSsn, true},
      {Detector::kNino, R"(\b([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?: ?\d{2}){3} ?[A-D])\b)",
       ValidateNino, true},
      {Detector::kEmail,
       R"(([A-Za-z0-9._+\x{80}-\x{ff}-]+(?:@|%40)[A-Za-z0-9\x{80}-\x{ff}-]+(?:\.[A-Za-z0-9\x{80}-\x{ff}-]+)*\.[A-Za-z\x{80}-\x{ff}]{2,}))",
       ValidateEmail, false, nullptr, IsUrlPasswordTail},
      {Detector::kPhone,
       R"((?:^|[^\w+/=])(\+[1-9]\d{0,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,6}){1,6})\b)", ValidateE164,
       true},
      {Detector::kPhone,
       R"((?:^|[^\w+.-])((?:1[ .-])?(?:\([2-9]\d{2}\)[ ]?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4})\b)",
       nullptr, true},
      {Detector::kPhone, R"((?:^|[^\w+.-])(0\d{1,4}[ -]\d{3,4}[ -]?\d{3,4}|0\d(?:[ .]\d{2}){4})\b)",
       ValidateTrunkPhone, true},
  };
}

const std::vector<PatternSpec>& Patterns() {
  static const auto* const kPatterns = new std::vector<PatternSpec>(BuildPatterns());
  return *kPatterns;
}

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(16 << 20);
  return options;
}

}  // namespace

struct DetectorSet::Impl {
  std::vector<std::unique_ptr<RE2>> regexes;  // parallel to Patterns()
  // All patterns at once: one pass tells which of them can match at all.
  std::unique_ptr<RE2::Set> prefilter;

  // Accepted findings go to `out`, rejected candidates to `soft` (see Resolve).
  void Run(std::size_t index, std::string_view text, std::vector<Finding>& out,
           std::vector<Finding>& soft) const {
    const RE2& re = *regexes[index];
    const PatternSpec& spec = Patterns()[index];
    re2::StringPiece input(text.data(), text.size());
    re2::StringPiece groups[2];
    std::size_t pos = 0;
    while (pos <= text.size() && re.Match(input, pos, text.size(), RE2::UNANCHORED, groups, 2)) {
      if (groups[1].data() == nullptr) {  // cannot happen: group 1 is not optional
        pos = static_cast<std::size_t>(groups[0].data() - text.data()) + groups[0].size() + 1;
        continue;
      }
      std::size_t begin = static_cast<std::size_t>(groups[1].data() - text.data());
      std::size_t end = begin + groups[1].size();
      std::size_t raw_begin = begin;
      std::size_t raw_end = end;
      bool ok = begin < end && (spec.validate == nullptr || spec.validate(text, begin, end));
      if (ok && spec.plausible != nullptr && !spec.plausible(text, begin, end)) ok = false;
      if (!ok && raw_begin < raw_end &&
          !IsRedactedMarker(text.substr(raw_begin, raw_end - raw_begin)) &&
          (spec.foreign == nullptr || !spec.foreign(text, raw_begin, raw_end))) {
        soft.push_back(Finding{spec.detector, raw_begin, raw_end, false});
      }
      if (ok && begin < end) {
        out.push_back(Finding{spec.detector, begin, end, false});
        pos = end;
      } else if (spec.bounded) {
        pos = begin + 1;
      } else if (spec.detector == Detector::kEmail) {
        // Another address may start in the rejected one's domain ("pw@host.io@x.com" in a
        // URL), never in its local part: resume after the '@'.
        auto candidate = text.substr(begin, groups[1].size());
        std::size_t at = candidate.find('@');
        if (at == std::string_view::npos) at = candidate.find("%40");
        pos = begin + (at == std::string_view::npos ? candidate.size() : at + 1);
        pos = std::max(pos, begin + 1);
      } else {
        // Past the candidate; an empty one still moves forward.
        std::size_t match_end =
            static_cast<std::size_t>(groups[0].data() - text.data()) + groups[0].size();
        pos = std::max(match_end, begin + 1);
      }
    }
  }
};

DetectorSet::DetectorSet() {
  auto impl = std::make_unique<Impl>();
  auto options = PatternOptions();
  RE2::Options set_options = options;
  set_options.set_max_mem(64 << 20);
  impl->prefilter = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
  for (const auto& spec : Patterns()) {
    auto re = std::make_unique<RE2>(spec.pattern, options);
    // Fixed patterns: failing to compile is a programming error caught by every test.
    if (!re->ok()) std::abort();
    assert(re->NumberOfCapturingGroups() == 1);
    impl->regexes.push_back(std::move(re));
    if (impl->prefilter->Add(spec.pattern, nullptr) < 0) std::abort();
  }
  if (!impl->prefilter->Compile()) std::abort();
  impl_ = std::move(impl);
}

DetectorSet::~DetectorSet() = default;

const DetectorSet& DetectorSet::Default() {
  static const DetectorSet* const kInstance = new DetectorSet();  // never destroyed
  return *kInstance;
}

namespace {

std::vector<Finding> MergeFindings(std::vector<Finding> raw) {
  if (raw.size() <= 1) return raw;
  std::sort(raw.begin(), raw.end(), [](const Finding& a, const Finding& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.detector != b.detector) return a.detector < b.detector;
    return a.end > b.end;
  });
  std::vector<Finding> merged;
  merged.reserve(raw.size());
  for (const auto& f : raw) {
    if (!merged.empty() && f.begin < merged.back().end) {
      Finding& last = merged.back();
      if (f.end > last.end) {
        last.end = f.end;
        if (f.detector != last.detector) last.merged = true;
      }
      continue;
    }
    merged.push_back(f);
  }
  return merged;
}

// Adds the rejected candidates that overlap an accepted finding, then merges. A rejection
// may rest on bytes that another finding covers (a digit count, a trailing character, a
// scheme seen through a URL); once those bytes are redacted the verdict could flip on the
// next pass, so such a candidate is redacted with its neighbour now. Redacted output stays
// a fixed point, at the price of over-redacting glued-together near misses.
std::vector<Finding> Resolve(std::vector<Finding> raw, const std::vector<Finding>& soft) {
  if (soft.empty() || raw.empty()) return MergeFindings(std::move(raw));
  // Connected components of overlapping spans, accepted and rejected alike, by a sweep in
  // begin order; a component is redacted when it holds an accepted finding.
  struct Span {
    Finding finding;
    bool accepted;
  };
  std::vector<Span> all;
  all.reserve(raw.size() + soft.size());
  for (const auto& f : raw) all.push_back(Span{f, true});
  for (const auto& f : soft) all.push_back(Span{f, false});
  std::sort(all.begin(), all.end(), [](const Span& a, const Span& b) {
    if (a.finding.begin != b.finding.begin) return a.finding.begin < b.finding.begin;
    if (a.accepted != b.accepted) return a.accepted;
    if (a.finding.detector != b.finding.detector) return a.finding.detector < b.finding.detector;
    return a.finding.end > b.finding.end;
  });
  std::vector<Finding> out;
  std::size_t i = 0;
  while (i < all.size()) {
    std::size_t begin = all[i].finding.begin;
    std::size_t end = all[i].finding.end;
    const Finding* first_accepted = nullptr;
    bool mixed = false;
    std::size_t j = i;
    for (; j < all.size() && (j == i || all[j].finding.begin < end); ++j) {
      end = std::max(end, all[j].finding.end);
      if (all[j].accepted && first_accepted == nullptr) first_accepted = &all[j].finding;
      mixed = mixed || all[j].finding.detector != all[i].finding.detector;
    }
    if (first_accepted != nullptr) {
      Finding f = *first_accepted;
      bool widened = f.begin != begin || f.end != end;
      f.begin = begin;
      f.end = end;
      f.merged = mixed || widened;
      out.push_back(f);
    }
    i = j;
  }
  return out;
}

}  // namespace

std::vector<Finding> DetectorSet::FindAt(std::string_view text, std::size_t pos) const {
  std::vector<Finding> raw;
  std::vector<Finding> soft;
  if (pos >= text.size()) return raw;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece groups[2];
  const auto& patterns = Patterns();
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    for (std::size_t start : {pos == 0 ? pos : pos - 1, pos}) {
      if (!impl_->regexes[i]->Match(input, start, text.size(), RE2::ANCHOR_START, groups, 2) ||
          groups[1].data() == nullptr) {
        continue;
      }
      std::size_t begin = static_cast<std::size_t>(groups[1].data() - text.data());
      std::size_t end = begin + groups[1].size();
      if (begin < pos || begin >= end) continue;
      Finding candidate{patterns[i].detector, begin, end, false};
      bool ok = patterns[i].validate == nullptr || patterns[i].validate(text, begin, end);
      if (ok && patterns[i].plausible != nullptr && !patterns[i].plausible(text, begin, end))
        ok = false;
      if (ok) {
        raw.push_back(Finding{patterns[i].detector, begin, end, false});
      } else if (!IsRedactedMarker(text.substr(candidate.begin, candidate.end - candidate.begin)) &&
                 (patterns[i].foreign == nullptr ||
                  !patterns[i].foreign(text, candidate.begin, candidate.end))) {
        soft.push_back(candidate);
      }
    }
  }
  return Resolve(std::move(raw), soft);
}

std::vector<Finding> DetectorSet::Find(std::string_view text) const {
  std::vector<Finding> raw;
  if (text.empty()) return raw;
  std::vector<int> hits;
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  bool any = impl_->prefilter->Match(re2::StringPiece(text.data(), text.size()), &hits, &info);
  if (!any && info.kind == RE2::Set::kNoError) return raw;
  if (!any) {
    // The prefilter's DFA ran out of memory: run every pattern rather than miss one.
    hits.clear();
    for (std::size_t i = 0; i < impl_->regexes.size(); ++i) hits.push_back(static_cast<int>(i));
  }
  std::vector<Finding> soft;
  for (int index : hits) impl_->Run(static_cast<std::size_t>(index), text, raw, soft);
  return Resolve(std::move(raw), soft);
}

std::string_view ToString(Category category) {
  switch (category) {
    case Category::kCredential:
      return "credential";
    case Category::kEmail:
      return "email";
    case Category::kPhone:
      return "phone";
    case Category::kCard:
      return "card";
    case Category::kNationalId:
      return "national_id";
    case Category::kField:
      return "field";
  }
  return "unknown";
}

std::string_view ToString(Detector detector) {
  switch (detector) {
    case Detector::kPrivateKey:
      return "private_key";
    case Detector::kJwt:
      return "jwt";
    case Detector::kStripeKey:
      return "stripe_key";
    case Detector::kGithubToken:
      return "github_token";
    case Detector::kSlackToken:
      return "slack_token";
    case Detector::kGoogleApiKey:
      return "google_api_key";
    case Detector::kAwsAccessKeyId:
      return "aws_access_key_id";
    case Detector::kAwsSecretKey:
      return "aws_secret_key";
    case Detector::kUrlPassword:
      return "url_password";
    case Detector::kBearer:
      return "bearer";
    case Detector::kBasicAuth:
      return "basic_auth";
    case Detector::kSecretAssignment:
      return "secret_assignment";
    case Detector::kCard:
      return "card";
    case Detector::kIban:
      return "iban";
    case Detector::kSsn:
      return "ssn";
    case Detector::kNino:
      return "nino";
    case Detector::kEmail:
      return "email";
    case Detector::kPhone:
      return "phone";
  }
  return "unknown";
}

Category CategoryOf(Detector detector) {
  switch (detector) {
    case Detector::kCard:
      return Category::kCard;
    case Detector::kIban:
    case Detector::kSsn:
    case Detector::kNino:
      return Category::kNationalId;
    case Detector::kEmail:
      return Category::kEmail;
    case Detector::kPhone:
      return Category::kPhone;
    default:
      return Category::kCredential;
  }
}

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (!IsDigit(*it)) return false;
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

namespace {

// Issuer ranges: the first `prefix_len` digits within [lo, hi], and the card lengths the
// issuer uses.
struct IinRange {
  int prefix_len;
  int lo;
  int hi;
  int min_len;
  int max_len;
  bool only_13_16_19;  // Visa
};
constexpr std::array<IinRange, 19> kIinRanges = {{
    {1, 4, 4, 13, 19, true},                                         // Visa
    {2, 51, 55, 16, 16, false},                                      // Mastercard
    {4, 2221, 2720, 16, 16, false},                                  // Mastercard 2-series
    {2, 34, 34, 15, 15, false},                                      // American Express
    {2, 37, 37, 15, 15, false},     {4, 6011, 6011, 16, 19, false},  // Discover
    {3, 644, 649, 16, 19, false},   {2, 65, 65, 16, 19, false},
    {2, 62, 62, 16, 19, false},      // UnionPay
    {4, 3528, 3589, 16, 19, false},  // JCB
    {3, 300, 305, 14, 19, false},    // Diners Club
    {4, 3095, 3095, 14, 19, false}, {2, 36, 36, 14, 19, false},
    {2, 38, 39, 16, 19, false},     {2, 50, 50, 13, 19, false},  // Maestro
    {2, 56, 58, 13, 19, false},     {2, 67, 67, 13, 19, false},
    {4, 2200, 2204, 16, 19, false},  // Mir
    {2, 60, 60, 16, 19, false},      // RuPay / Discover
}};

}  // namespace

int CardBrandPrefixLength(std::string_view digits) {
  for (const auto& r : kIinRanges) {
    if (static_cast<int>(digits.size()) < r.prefix_len) continue;
    int prefix = 0;
    for (int i = 0; i < r.prefix_len; ++i)
      prefix = prefix * 10 + (digits[static_cast<std::size_t>(i)] - '0');
    if (prefix < r.lo || prefix > r.hi) continue;
    int len = static_cast<int>(digits.size());
    if (len < r.min_len || len > r.max_len) continue;
    if (r.only_13_16_19 && len != 13 && len != 16 && len != 19) continue;
    return r.prefix_len;
  }
  return 0;
}

bool IsCardNumber(std::string_view digits) {
  if (digits.size() < 13 || digits.size() > 19) return false;
  if (!std::all_of(digits.begin(), digits.end(), IsDigit)) return false;
  return CardBrandPrefixLength(digits) > 0 && LuhnValid(digits);
}

bool IbanValid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (IbanLength(iban.substr(0, 2)) != iban.size()) return false;
  if (!IsDigit(iban[2]) || !IsDigit(iban[3])) return false;
  // mod 97 over BBAN + country + check digits, letters as 10..35, computed incrementally.
  int rem = 0;
  auto feed = [&rem](char c) {
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (IsUpper(c)) {
      int v = c - 'A' + 10;
      rem = (rem * 100 + v) % 97;
    } else {
      rem = -1000000;
    }
  };
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return rem == 1;
}

bool SsnValid(std::string_view area, std::string_view group, std::string_view serial) {
  auto all_digits = [](std::string_view s) { return std::all_of(s.begin(), s.end(), IsDigit); };
  if (area.size() != 3 || group.size() != 2 || serial.size() != 4) return false;
  if (!all_digits(area) || !all_digits(group) || !all_digits(serial)) return false;
  if (area == "000" || area == "666" || area[0] == '9') return false;
  if (group == "00" || serial == "0000") return false;
  // Numbers printed in advertising and widely reused as examples, never valid.
  if (area == "078" && group == "05" && serial == "1120") return false;
  if (area == "219" && group == "09" && serial == "9999") return false;
  return true;
}

bool IsPseudonymEmailDomain(std::string_view domain) {
  constexpr std::string_view kSuffix = ".example.com";
  if (domain.size() <= kSuffix.size() || !EndsWithIgnoreCase(domain, kSuffix)) return false;
  const auto label = domain.substr(0, domain.size() - kSuffix.size());
  return label.find('.') == std::string_view::npos;
}

bool IsReservedEmailDomain(std::string_view domain) {
  static constexpr std::array<std::string_view, 3> kSecondLevel = {"example.com", "example.net",
                                                                   "example.org"};
  static constexpr std::array<std::string_view, 4> kTopLevel = {"example", "test", "invalid",
                                                                "localhost"};
  for (auto d : kSecondLevel) {
    if (EqualsIgnoreCase(domain, d)) return true;
    if (domain.size() > d.size() && EndsWithIgnoreCase(domain, d) &&
        domain[domain.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  auto tld = domain.substr(domain.rfind('.') + 1);
  for (auto t : kTopLevel) {
    if (EqualsIgnoreCase(tld, t)) return true;
  }
  return false;
}

}  // namespace gostly::scrub
