// Wall-clock formatting shared by records and logs.
#pragma once

#include <chrono>
#include <string>

namespace gostly::common {

// RFC 3339 UTC with millisecond precision: "2026-11-22T19:44:51.123Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
inline std::string NowRfc3339() { return FormatRfc3339(std::chrono::system_clock::now()); }

}  // namespace gostly::common
