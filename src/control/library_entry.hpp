// The one way a scrubbed exchange becomes a store row: exact-tier key, URI template, the
// JSON Lines record, the seal. Used by transitions and by API edits, so both key and seal
// entries identically.
#pragma once

#include <string>

#include "library/exchange.hpp"
#include "store/store.hpp"

namespace gostly::control {

// The exact tier's key: method, normalised URI (query order-free), canonical body hash.
std::string MatchKey(const library::Exchange& exchange);

// A sealed row for an exchange the scrubber has already run over (scrubbed_at = now).
store::LibraryEntry SealedEntry(const library::Exchange& scrubbed, int seq, std::string source);

}  // namespace gostly::control
