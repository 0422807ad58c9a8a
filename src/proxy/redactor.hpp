// Header redaction floor (DESIGN §5), applied at capture time before any I/O.
//
// A header is redacted when its lower-cased name is in the floor list, contains one of the
// floor's sensitive words, or is in the service's extra list. The value is replaced by
// "[REDACTED]", never dropped, so the shape of the exchange is kept. The floor cannot be
// lowered: extra names only add to it. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/body_codec.hpp"

namespace gostly::proxy {

inline constexpr std::string_view kRedacted = "[REDACTED]";

// `extra` holds lower-case header names.
bool IsRedactedHeader(std::string_view name, const std::vector<std::string>& extra);

// Replaces the value of every redacted header in place.
void RedactHeaders(common::HeaderList& headers, const std::vector<std::string>& extra);

// `target` with the value of every credential query parameter (`api_key`, `access_token`,
// `password`, …: scrub::IsCredentialQueryParameter, the rule the scrubber applies to URIs)
// replaced by scrub::kRedactedInUri. LEARN writes this form, and MOCK looks requests up by
// it, so `?api_key=anything` replays what `?api_key=the-real-one` recorded while the key
// itself never reaches disk, and seeded or edited entries (scrubbed by the same rule) match
// too. Returns `target` unchanged when nothing is redacted; otherwise the result lives in
// `scratch`.
std::string_view RedactQueryCredentials(std::string_view target, std::string& scratch);

}  // namespace gostly::proxy
