#include "proxy/redactor.hpp"

#include <array>
#include <cctype>

namespace gostly::proxy {

namespace {

// Exact names of the floor: credentials and the security headers of common gateways and
// clouds whose names do not contain one of the words below.
constexpr std::array<std::string_view, 12> kFloorNames = {
    "authorization",       "proxy-authorization", "cookie",
    "set-cookie",          "set-cookie2",         "x-amz-security-token",
    "x-goog-iap-jwt-assertion", "ocp-apim-subscription-key", "x-forwarded-client-cert",
    "x-ms-client-principal",    "cf-access-jwt-assertion",   "x-client-cert",
};

// Any header whose name contains one of these words carries a credential in practice
// (X-Api-Key, X-Auth-Token, X-Vault-Token, X-CSRF-Token, X-Hub-Signature-256, …).
constexpr std::array<std::string_view, 12> kFloorWords = {
    "auth",   "token",  "secret",  "api-key", "apikey", "api_key",
    "passw",  "csrf",   "xsrf",    "session", "signature", "credential",
};

bool EqualsLower(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != lower[i]) return false;
  }
  return true;
}

}  // namespace

bool IsRedactedHeader(std::string_view name, const std::vector<std::string>& extra) {
  // Lower-case into a stack buffer: this runs for every captured header.
  char buf[128];
  if (name.size() > sizeof buf) return true;  // absurd names are redacted, not inspected
  for (std::size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  std::string_view lower(buf, name.size());
  for (auto floor : kFloorNames) {
    if (lower == floor) return true;
  }
  for (auto word : kFloorWords) {
    if (lower.find(word) != std::string_view::npos) return true;
  }
  for (const auto& e : extra) {
    if (EqualsLower(name, e)) return true;
  }
  return false;
}

void RedactHeaders(common::HeaderList& headers, const std::vector<std::string>& extra) {
  for (auto& [name, value] : headers) {
    if (IsRedactedHeader(name, extra)) value = std::string(kRedacted);
  }
}

}  // namespace gostly::proxy
