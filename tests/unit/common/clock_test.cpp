#include "common/clock.hpp"

#include <gtest/gtest.h>

namespace gostly::common {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point At(std::int64_t ms) { return system_clock::time_point(milliseconds(ms)); }

TEST(FormatRfc3339, WritesUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(At(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(At(1795375491123)), "2026-11-22T19:24:51.123Z");
  EXPECT_EQ(FormatRfc3339(At(1795375491007)), "2026-11-22T19:24:51.007Z");
}

TEST(FormatRfc3339, TheCachedSecondFollowsTheClock) {
  // Same second twice, then the next second, then back: each must be formatted afresh.
  EXPECT_EQ(FormatRfc3339(At(1795375491999)), "2026-11-22T19:24:51.999Z");
  EXPECT_EQ(FormatRfc3339(At(1795375491000)), "2026-11-22T19:24:51.000Z");
  EXPECT_EQ(FormatRfc3339(At(1795375492000)), "2026-11-22T19:24:52.000Z");
  EXPECT_EQ(FormatRfc3339(At(1795375491500)), "2026-11-22T19:24:51.500Z");
  EXPECT_EQ(FormatRfc3339(At(1798761600000)), "2027-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339, TimesBeforeTheEpochFloorToTheirSecond) {
  EXPECT_EQ(FormatRfc3339(At(-1)), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace gostly::common
