#include "common/clock.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace gostly::common {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  if (t < secs) secs -= std::chrono::seconds(1);  // floor, for times before the epoch
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  // Every captured exchange is stamped: format the date and time once per second per
  // thread and only the milliseconds per call.
  thread_local std::int64_t cached_second = INT64_MIN;
  thread_local char prefix[32];
  thread_local std::size_t prefix_len = 0;
  const std::int64_t second = secs.time_since_epoch().count();
  if (second != cached_second) {
    std::time_t tt = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    auto end = fmt::format_to_n(prefix, sizeof prefix - 1, "{:%Y-%m-%dT%H:%M:%S}", tm);
    prefix_len = static_cast<std::size_t>(end.out - prefix);
    cached_second = second;
  }
  std::string out;
  out.reserve(prefix_len + 5);
  out.append(prefix, prefix_len);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
  return out;
}

}  // namespace gostly::common
