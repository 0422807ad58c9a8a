// The body scrubber (DESIGN §5): neutralises credentials, PII and operator-configured JSON
// fields in recorded exchanges. It runs during LEARN→MOCK transitions and on every path
// into the store or out of the machine; the store's `scrubbed_at` seal is set after it.
//
// What is replaced:
//  - every finding of DetectorSet::Default() (see detectors.hpp) in text, in JSON string
//    values and object keys, in URI path segments, query names and values (percent-decoded
//    first), and in header values;
//  - JSON values under a sensitive key (sensitive_names.hpp: password, client_secret,
//    access_token, private_key, authorization, …) when they are strings or numbers; the
//    `value` of a name/value pair whose `name`/`key` is sensitive (HAR/Postman headers,
//    query strings, form fields) and of every pair in a HAR `cookies` array; query and form
//    parameters with a sensitive name; headers with a sensitive name;
//  - JSON integers that are card numbers;
//  - the value at each configured field path, whatever it is (null is left alone).
//
// Replacement styles:
//  - kRedact: the secret becomes "[REDACTED]"; context that is not secret stays
//    ("Bearer [REDACTED]", "sk_live_[REDACTED]", PEM armour lines). Redacted output is a
//    fixed point: scrubbing it again changes nothing.
//  - kPseudonym: deterministic, format-preserving pseudonyms keyed by the tenant key
//    (pseudonym.hpp) for emails, phones, cards, SSNs, NINOs, IBANs, API-key bodies and field
//    values. Credentials that have no useful pseudonym (bearer/basic tokens, JWTs, private
//    keys, AWS secret keys, passwords, values under sensitive names) are redacted in both
//    styles. Pseudonymised emails land at example.com and are a fixed point; the other
//    pseudonyms still look real, so scrubbing twice maps them again (deterministically).
//
// Bodies: JSON (by content type, or any body starting with '{' or '[' that parses) is
// parsed with Boost.JSON, scrubbed and re-serialised compactly only when something changed
// (otherwise the original bytes are returned). A JSON string value that is itself a JSON
// object/array is scrubbed as JSON; one that is an absolute URL is scrubbed as a URI.
// application/x-www-form-urlencoded bodies are scrubbed like a query string. Everything
// else, binary included, is scanned as bytes (RE2 in Latin-1 mode, so invalid UTF-8 is
// fine); a match inside a binary body is replaced too, because a secret must not leave
// the machine even inside a file upload. Compressed or base64-encoded content is not
// decoded.
//
// Thread-safety: a Scrubber is immutable after Create; every method is const and may be
// called from many threads at once. Copies are cheap enough to hand around by value.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "library/exchange.hpp"
#include "scrub/detectors.hpp"
#include "scrub/field_path.hpp"
#include "scrub/pseudonym.hpp"

namespace gostly::scrub {

inline constexpr std::string_view kRedacted = "[REDACTED]";
// The marker as written inside URIs.
inline constexpr std::string_view kRedactedInUri = "%5BREDACTED%5D";

// A query parameter whose value is a credential, as written in the URI (percent-encoded):
// its decoded name is credential-like (IsSensitiveHeaderName: tokens, keys, passwords,
// sessions, signatures, …) and its value is neither empty nor already the marker. ScrubUri
// replaces such values with kRedactedInUri; the proxy applies the same rule at capture.
bool IsCredentialQueryParameter(std::string_view raw_name, std::string_view raw_value);

enum class Replacement { kRedact, kPseudonym };

struct ScrubPolicy {
  Replacement replacement = Replacement::kRedact;
  // Per-tenant secret for kPseudonym (required there, ignored for kRedact).
  std::string tenant_key;
  // JSON field paths whose values are always replaced (field_path.hpp for the syntax).
  std::vector<std::string> field_paths;
};

// How many replacements were made, per category.
struct ScrubStats {
  std::size_t credential = 0;
  std::size_t email = 0;
  std::size_t phone = 0;
  std::size_t card = 0;
  std::size_t national_id = 0;
  std::size_t field = 0;

  std::size_t total() const { return credential + email + phone + card + national_id + field; }
  void Add(Category category, std::size_t n = 1);
  ScrubStats& operator+=(const ScrubStats& other);
};

class Scrubber {
 public:
  // Fails (kInvalidArgument) on a field path that does not parse, naming it, or on
  // kPseudonym without a tenant key.
  static common::Result<Scrubber> Create(ScrubPolicy policy);

  // `text` with every finding replaced. Any bytes are accepted.
  std::string ScrubText(std::string_view text, ScrubStats* stats = nullptr) const;

  // Scrubs `value` in place: string values and object keys, field paths, sensitive keys.
  void ScrubJson(boost::json::value& value, ScrubStats* stats = nullptr) const;

  // A request or response body; `content_type` is the header value (may be empty).
  std::string ScrubBody(std::string_view body, std::string_view content_type,
                        ScrubStats* stats = nullptr) const;

  // A request target or absolute URL: userinfo password, path segments, query names and
  // values, fragment. Each component is percent-decoded, scrubbed and, only when it
  // changed, re-encoded; unchanged components keep their original bytes. '+' is kept as
  // '+' (not read as a space), so "+14155550100" in a query is seen as a phone number.
  std::string ScrubUri(std::string_view uri, ScrubStats* stats = nullptr) const;

  // One header value: a sensitive name redacts it (keeping the scheme word of
  // Authorization-style headers), Location/Content-Location/Referer are scrubbed as URIs,
  // anything else as text.
  std::string ScrubHeaderValue(std::string_view name, std::string_view value,
                               ScrubStats* stats = nullptr) const;

  // The URI, every header value and both bodies (each with its own Content-Type).
  void ScrubExchange(library::Exchange& exchange, ScrubStats* stats = nullptr) const;

  // What ScrubText would replace in `text` (policy-independent).
  std::vector<Finding> Find(std::string_view text) const;

  const ScrubPolicy& policy() const { return policy_; }

 private:
  struct PathState;

  Scrubber(ScrubPolicy policy, std::vector<FieldPath> paths);

  bool ScrubTextInto(std::string_view text, std::string& out, ScrubStats* stats) const;
  bool ApplyFindings(std::string_view text, const std::vector<Finding>& findings, std::string& out,
                     ScrubStats* stats) const;
  bool RedactUnlockedNeighbours(std::string& out, std::vector<std::size_t>& marker_ends,
                                ScrubStats* stats) const;
  std::string ReplacementFor(const Finding& finding, std::string_view span) const;
  std::string PseudonymForValue(std::string_view value) const;
  bool ScrubJsonString(std::string_view in, std::string& out, ScrubStats* stats, int depth) const;
  bool ScrubQuery(std::string_view query, std::string& out, ScrubStats* stats) const;
  bool ScrubComponent(std::string_view component, bool in_query, std::string& out,
                      ScrubStats* stats) const;
  bool RedactCredentialValue(boost::json::value& value, bool keep_scheme, ScrubStats* stats) const;
  bool ReplaceField(boost::json::value& value, ScrubStats* stats) const;
  bool PseudonymiseTree(boost::json::value& value) const;
  bool WalkValue(boost::json::value& value, const std::vector<PathState>& states, bool cookie_pairs,
                 bool is_cookie, int depth, ScrubStats* stats) const;

  ScrubPolicy policy_;
  std::vector<FieldPath> paths_;
  std::optional<Pseudonymizer> pseudonymizer_;  // set for kPseudonym
  const DetectorSet* detectors_;
};

}  // namespace gostly::scrub
