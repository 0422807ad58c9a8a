#include "common/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace gostly::common {

void InitLogging(std::string_view level, std::string_view format) {
  // Logs go to stderr so stdout stays free for machine-readable output (ports, reports).
  auto logger = spdlog::stderr_color_mt("gostly");
  if (format == "json") {
    logger->set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"msg":"%v"})",
        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  }
  auto lvl = spdlog::level::from_str(std::string(level.empty() ? "info" : level));
  logger->set_level(lvl == spdlog::level::off && level != "off" ? spdlog::level::info : lvl);
  spdlog::set_default_logger(logger);
}

}  // namespace gostly::common
