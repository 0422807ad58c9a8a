// The body scrubber on arbitrary bytes: as text, as a URI and as a JSON body, with a
// field path configured. Redacted output must be a fixed point (scrubbing it again changes
// nothing) and leave no finding behind; pseudonymised output must be deterministic.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scrub/scrubber.hpp"

namespace {

const gostly::scrub::Scrubber& Redactor() {
  static const auto* const kScrubber = [] {
    gostly::scrub::ScrubPolicy policy;
    policy.field_paths = {"user.ssn", "items[*].card.number", "$[0].email"};
    return new gostly::scrub::Scrubber(gostly::scrub::Scrubber::Create(policy).value());
  }();
  return *kScrubber;
}

const gostly::scrub::Scrubber& Pseudonymiser() {
  static const auto* const kScrubber = [] {
    gostly::scrub::ScrubPolicy policy;
    policy.replacement = gostly::scrub::Replacement::kPseudonym;
    policy.tenant_key = "fuzz-tenant";
    policy.field_paths = {"user.ssn"};
    return new gostly::scrub::Scrubber(gostly::scrub::Scrubber::Create(policy).value());
  }();
  return *kScrubber;
}

void CheckFixedPoint(const std::string& once, const std::string& twice) {
  if (once != twice) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& r = Redactor();

  std::string text = r.ScrubText(input);
  CheckFixedPoint(text, r.ScrubText(text));
  if (!r.Find(text).empty()) std::abort();

  std::string uri = r.ScrubUri(input);
  CheckFixedPoint(uri, r.ScrubUri(uri));

  std::string body = r.ScrubBody(input, "application/json");
  CheckFixedPoint(body, r.ScrubBody(body, "application/json"));

  std::string form = r.ScrubBody(input, "application/x-www-form-urlencoded");
  CheckFixedPoint(form, r.ScrubBody(form, "application/x-www-form-urlencoded"));

  const auto& p = Pseudonymiser();
  if (p.ScrubBody(input, "") != p.ScrubBody(input, "")) std::abort();
  return 0;
}
