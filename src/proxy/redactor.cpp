#include "proxy/redactor.hpp"

#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <functional>

#include "scrub/scrubber.hpp"

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

namespace {

bool FloorCovers(std::string_view lower) {
  for (auto floor : kFloorNames) {
    if (lower == floor) return true;
  }
  for (auto word : kFloorWords) {
    if (lower.find(word) != std::string_view::npos) return true;
  }
  return false;
}

// The floor's verdict per header name, remembered per thread: capture checks every header
// of every exchange, and the same few dozen names come back all the time. Direct-mapped;
// a slot holds the lower-case name itself, so a collision only costs a recomputation.
class FloorCache {
 public:
  bool Covers(std::string_view lower) {
    if (lower.size() > kMaxName) return FloorCovers(lower);
    Slot& slot = slots_[std::hash<std::string_view>{}(lower) % kSlots];
    if (slot.length == lower.size() && std::string_view(slot.name, slot.length) == lower) {
      return slot.covered;
    }
    slot.covered = FloorCovers(lower);
    slot.length = static_cast<std::uint8_t>(lower.size());
    std::memcpy(slot.name, lower.data(), lower.size());
    return slot.covered;
  }

 private:
  static constexpr std::size_t kMaxName = 46;
  static constexpr std::size_t kSlots = 256;
  struct Slot {
    std::uint8_t length = 0xff;  // never a cached length: empty slot
    bool covered = false;
    char name[kMaxName];
  };
  Slot slots_[kSlots];
};

}  // namespace

bool IsRedactedHeader(std::string_view name, const std::vector<std::string>& extra) {
  // Lower-case into a stack buffer: this runs for every captured header.
  char buf[128];
  if (name.size() > sizeof buf) return true;  // absurd names are redacted, not inspected
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
  }
  std::string_view lower(buf, name.size());
  thread_local FloorCache cache;
  if (cache.Covers(lower)) return true;
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

std::string_view RedactQueryCredentials(std::string_view target, std::string& scratch) {
  const std::size_t query = target.find('?');
  if (query == std::string_view::npos) return target;
  std::size_t copied = 0;  // target[0, copied) is in scratch; 0 until a value is redacted
  std::size_t start = query + 1;
  while (start <= target.size()) {
    std::size_t end = target.find('&', start);
    if (end == std::string_view::npos) end = target.size();
    const std::string_view param = target.substr(start, end - start);
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos &&
        scrub::IsCredentialQueryParameter(param.substr(0, eq), param.substr(eq + 1))) {
      if (copied == 0) scratch.clear();
      const std::size_t value_begin = start + eq + 1;
      scratch.append(target.substr(copied, value_begin - copied)).append(scrub::kRedactedInUri);
      copied = end;
    }
    start = end + 1;
  }
  if (copied == 0) return target;
  scratch.append(target.substr(copied));
  return scratch;
}

}  // namespace gostly::proxy
