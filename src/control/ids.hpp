// Small helpers shared by the control plane: random ids and secrets, SHA-256, wall time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gostly::control {

// prefix + 24 random hex characters (OpenSSL's CSPRNG), e.g. "tj_3f9c…".
std::string NewId(std::string_view prefix);
// A new raw API key: "gst_" + 43 base64url characters (256 random bits).
std::string NewApiKeySecret();
std::string Sha256Hex(std::string_view data);
std::int64_t NowMs();
// RFC 3339 UTC with milliseconds for a millisecond timestamp; empty for 0.
std::string FormatMs(std::int64_t ms);

}  // namespace gostly::control
