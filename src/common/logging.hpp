// Process-wide logging set-up on spdlog: LOG_LEVEL (trace..critical, default info) and
// LOG_FORMAT=json for one JSON object per line. Call once from main() before threads start.
#pragma once

#include <string_view>

namespace gostly::common {

void InitLogging(std::string_view level, std::string_view format);

}  // namespace gostly::common
