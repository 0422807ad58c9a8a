#include "scrub/sensitive_names.hpp"

#include <re2/re2.h>

#include <array>
#include <cstdlib>
#include <string>

namespace gostly::scrub {

namespace {

constexpr std::string_view kSecretWords =
    "password|passwd|pwd|passphrase|secret|token|api[_-]?key|private[_-]?key|"
    "secret[_-]?(?:access[_-]?)?key|"
    "(?:access|refresh|id|auth|session|bearer|oauth|client|app|webhook|signing|api)[_-]?"
    "(?:token|secret|key)";

const RE2& KeyNamePattern() {
  static const RE2* const kPattern = [] {
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    std::string pattern = "(?:.*[^A-Za-z0-9])?(?:";
    pattern += kSecretWords;
    pattern +=
        "|authorization|proxy[_-]?authorization|cookie|set[_-]?cookie|cvv2?|cvc2?|"
        "credentials?)";
    auto* re = new RE2(pattern, options);
    // A fixed pattern: failing to compile is a programming error every test would catch.
    if (!re->ok()) std::abort();
    return re;
  }();
  return *kPattern;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr std::array<std::string_view, 11> kHeaderNames = {
    "x-amz-security-token",
    "x-goog-iap-jwt-assertion",
    "ocp-apim-subscription-key",
    "x-forwarded-client-cert",
    "x-ms-client-principal",
    "cf-access-jwt-assertion",
    "x-client-cert",
    "set-cookie2",
    "www-authenticate",
    "proxy-authenticate",
    "x-api-key",
};

constexpr std::array<std::string_view, 14> kHeaderWords = {
    "authoriz", "authenticat", "token", "secret",  "api-key",   "apikey",     "api_key",
    "passw",    "csrf",        "xsrf",  "session", "signature", "credential", "cookie",
};

}  // namespace

std::string_view SecretWordsPattern() { return kSecretWords; }

bool IsSensitiveKeyName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  return RE2::FullMatch(re2::StringPiece(name.data(), name.size()), KeyNamePattern());
}

bool IsSensitiveHeaderName(std::string_view name) {
  if (name.empty()) return false;
  if (IsSensitiveKeyName(name)) return true;
  std::string lower = Lower(name);
  for (auto n : kHeaderNames) {
    if (lower == n) return true;
  }
  for (auto w : kHeaderWords) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

bool IsAuthorizationHeaderName(std::string_view name) {
  std::string lower = Lower(name);
  return lower == "authorization" || lower == "proxy-authorization";
}

}  // namespace gostly::scrub
