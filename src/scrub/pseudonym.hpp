// Deterministic, format-preserving pseudonyms for the kPseudonym scrub policy (DESIGN §5).
//
// Every output is drawn from HMAC-SHA256(tenant key, kind || input || block counter), so
// the same input always gives the same pseudonym for one tenant, and different tenants get
// unrelated ones. Formats are kept: digits stay digits, upper-case letters upper-case,
// lower-case letters lower-case, punctuation and separators stay where they were.
//
// Thread-safety: immutable after construction; all methods are const and may be called
// from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gostly::scrub {

class Pseudonymizer {
 public:
  // `tenant_key` must not be empty (checked by Scrubber::Create).
  explicit Pseudonymizer(std::string tenant_key);

  // Each character class kept per position; a multi-byte UTF-8 character (or any other
  // byte >= 0x80) becomes one lower-case ASCII letter. Used for API-key bodies (after
  // their public prefix) and as the fallback for field values.
  std::string Token(std::string_view token) const;

  // local@domain (or local%40domain) -> pseudo-local@label.example.com, where pseudo-local
  // keeps the local part's shape and label replaces the domain's first label. Emails at
  // example.com are never flagged, so the result is a fixed point.
  std::string Email(std::string_view email) const;

  // Digits with optional separators: the issuer prefix, length and separators are kept,
  // the other digits are replaced and the last one is a valid Luhn check digit.
  std::string Card(std::string_view card) const;

  // Layout (+, parentheses, separators) and the first digit kept; a digit that opens a
  // group and is 2–9 stays 2–9, so national formats stay valid.
  std::string Phone(std::string_view phone) const;

  // US SSN with its separators: a number in the valid ranges.
  std::string Ssn(std::string_view ssn) const;

  // UK NINO with its spacing: an allocated prefix, six digits, suffix A–D.
  std::string Nino(std::string_view nino) const;

  // IBAN with its spacing: country kept, account characters replaced per class, check
  // digits recomputed so the result passes mod-97.
  std::string Iban(std::string_view iban) const;

  // A value at an operator-configured field path: a UUID stays a UUID (hex digits, version
  // and variant kept), an all-hex id stays hex of the same case, anything else as Token.
  std::string Value(std::string_view value) const;

  // Numbers at field paths: same sign and number of digits.
  std::int64_t Int64(std::int64_t value) const;
  std::uint64_t Uint64(std::uint64_t value) const;
  double Double(double value) const;

 private:
  std::string key_;
};

}  // namespace gostly::scrub
