// Detectors for credentials and personal data in text (DESIGN §5).
//
// A `DetectorSet` finds the spans of `text` that must be neutralised: credentials (bearer
// and basic tokens, JWTs, vendor API keys, PEM private keys, AWS keys, secret assignments
// such as `password=…`, passwords in URLs) and PII (emails, phone numbers, card numbers,
// US SSNs, UK NINOs, IBANs). Every pattern runs on RE2 (linear time) in Latin-1 mode, so
// any byte string is valid input: all patterns are ASCII, and bytes >= 0x80 only ever
// match where a pattern names them explicitly (inside emails). Checks that a regular
// expression cannot express (Luhn, IBAN mod-97, SSN ranges, reserved email domains) are
// plain code applied to RE2's candidates.
//
// Thread-safety: a DetectorSet is immutable after construction; `Default()` is built once
// and shared by every thread (RE2 matching is thread-safe).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace gostly::scrub {

// What a finding is, for the statistics an operator sees.
enum class Category { kCredential, kEmail, kPhone, kCard, kNationalId, kField };
std::string_view ToString(Category category);  // "credential", "email", …

// Which detector produced a finding. The order is the tie-break when two findings start
// at the same byte: the more specific detector wins.
enum class Detector {
  kPrivateKey,        // body of a PEM "-----BEGIN … PRIVATE KEY-----" block
  kJwt,               // eyJ….….… (JWS/JWE compact form)
  kStripeKey,         // sk_/rk_/pk_ live|test keys and whsec_ secrets: the part after the prefix
  kGithubToken,       // ghp_/gho_/ghu_/ghs_/ghr_/github_pat_: the part after the prefix
  kSlackToken,        // xox[abprs]-: the part after the prefix
  kGoogleApiKey,      // AIza…: the part after "AIza"
  kAwsAccessKeyId,    // AKIA/ASIA + 16: the 16 characters
  kAwsSecretKey,      // 40 characters next to an aws_secret_access_key name
  kUrlPassword,       // scheme://user:PASSWORD@host
  kBearer,            // Bearer TOKEN (the token; "Bearer " is kept)
  kBasicAuth,         // Basic BASE64 whose decoding holds "user:password"
  kSecretAssignment,  // password=…, "api_key": "…", token: … (the value)
  kCard,              // 13–19 digits, known IIN and length, Luhn-valid
  kIban,              // known country, its length, mod-97 == 1
  kSsn,               // US SSN, dashes or spaces, valid ranges only
  kNino,              // UK National Insurance number
  kEmail,             // local@domain.tld (also local%40domain.tld), reserved domains excepted
  kPhone,             // +E.164 (compact or grouped), NANP and trunk-0 national formats
};
std::string_view ToString(Detector detector);
Category CategoryOf(Detector detector);

// One span to neutralise: [begin, end) in the scanned text. Context that is not secret
// (the "Bearer " scheme, an API key's public prefix, PEM armour lines) is outside it.
struct Finding {
  Detector detector;
  std::size_t begin = 0;
  std::size_t end = 0;
  // True when overlapping findings of different detectors were merged into this span; the
  // scrubber then redacts it, since no single format describes it.
  bool merged = false;
};

class DetectorSet {
 public:
  // The built-in detectors, compiled on first use. Never fails: the patterns are fixed
  // and covered by tests (a pattern that does not compile is a broken invariant).
  static const DetectorSet& Default();

  // Non-overlapping findings in `text`, sorted by `begin`. Overlapping findings are merged
  // into one span; so is a rejected candidate that overlaps an accepted finding (its
  // verdict may rest on bytes the finding covers, and redacted output must be a fixed
  // point). Linear in text.size() for every detector.
  std::vector<Finding> Find(std::string_view text) const;

  // Findings whose match starts at `pos` or, counting the one byte of left context some
  // patterns consume, at `pos - 1`. The scrubber calls it right after a "[REDACTED]" it
  // wrote: the marker's ']' can give a neighbour the boundary it lacked before ("+1415555"
  // glued to "+14155552671"), and redacted output must be a fixed point.
  std::vector<Finding> FindAt(std::string_view text, std::size_t pos) const;

  ~DetectorSet();
  DetectorSet(const DetectorSet&) = delete;
  DetectorSet& operator=(const DetectorSet&) = delete;

 private:
  DetectorSet();
  struct Impl;
  std::unique_ptr<const Impl> impl_;
};

// The checks applied to candidates, exposed for tests and for JSON numbers.

// `digits` holds only ASCII digits; true when the Luhn checksum is 0.
bool LuhnValid(std::string_view digits);
// `digits` holds only ASCII digits: 13–19 of them, a known issuer prefix whose card
// lengths include this one, and a valid Luhn digit.
bool IsCardNumber(std::string_view digits);
// How many leading digits identify the issuer (1–4), or 0 when `digits` matches no known
// issuer range with a card length of digits.size().
int CardBrandPrefixLength(std::string_view digits);
// `iban` without spaces: a known country code, that country's length, mod-97 == 1.
bool IbanValid(std::string_view iban);
// The three SSN parts (3, 2 and 4 digits): not area 000, 666 or 9xx, not group 00, not
// serial 0000, and not one of the numbers published in advertising (078-05-1120, …).
bool SsnValid(std::string_view area, std::string_view group, std::string_view serial);
// True for domains reserved for documentation and testing (RFC 2606/6761): example.com,
// example.net, example.org and their subdomains, and the .example, .test, .invalid and
// .localhost top-level domains. Pseudonymised emails are always at one of them.
bool IsReservedEmailDomain(std::string_view domain);
// True for the shape of the pseudonymiser's email domains: one label under example.com
// ("acme.example.com"). Emails there are not flagged, which makes pseudonymised emails a
// fixed point; every other address is, reserved domains included (test fixtures and
// planted data use them, and a real mailbox can sit behind any name).
bool IsPseudonymEmailDomain(std::string_view domain);

}  // namespace gostly::scrub
