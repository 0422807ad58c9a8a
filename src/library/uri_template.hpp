// URI normalisation and template inference for matching (DESIGN §3).
//
// A path segment is a variable when it looks like an id:
//   integer      "42"                                  -> {int}
//   UUID         "3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c" -> {uuid}
//   hex          >= 8 hex chars with a digit            -> {hex}
//   prefixed id  "cus_9sKd2LmQ", "ch_3Nx…" (letters, '_', >= 6 alnum with a digit) -> {id}
//   slug         lower-case words joined by '-' containing a digit ("post-2024-recap") -> {slug}
// Everything else ("v1", "users", "me") is literal. Placeholders are typed, so
// /users/{int} never answers /users/abc.
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gostly::library {

enum class SegmentClass { kLiteral, kInteger, kUuid, kHex, kPrefixedId, kSlug };

SegmentClass ClassifySegment(std::string_view segment);

// "{int}", "{uuid}", "{hex}", "{id}", "{slug}"; empty for kLiteral.
std::string_view PlaceholderName(SegmentClass cls);

// Path of `target` (query dropped) with variable segments replaced by their placeholder:
// "/users/42/orders/ord_8sKd9aQ1?x=1" -> "/users/{int}/orders/{id}".
std::string TemplatePath(std::string_view target);

// Path plus query parameters sorted by key then value (byte order); "?" dropped when the
// query is empty. "/a?b=2&a=1" -> "/a?a=1&b=2". Percent-encoding is left as sent.
std::string NormalizeTarget(std::string_view target);

// As NormalizeTarget, writing into `out` (cleared first) so a caller can reuse a buffer.
void NormalizeTargetInto(std::string_view target, std::string& out);

}  // namespace gostly::library
