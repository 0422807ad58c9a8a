#include "proxy/redactor.hpp"

#include <gtest/gtest.h>

namespace gostly::proxy {
namespace {

TEST(RedactionFloor, CredentialHeadersAreReplacedNotDropped) {
  common::HeaderList h = {{"Authorization", "Bearer abc"}, {"cookie", "a=b"},
                          {"Set-Cookie", "sid=1"},         {"X-Api-Key", "k"},
                          {"X-Auth-Token", "t"},           {"X-Amz-Security-Token", "s"},
                          {"Content-Type", "text/plain"}};
  RedactHeaders(h, {});
  ASSERT_EQ(h.size(), 7u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(h[i].second, kRedacted) << h[i].first;
  EXPECT_EQ(h[6].second, "text/plain");
}

TEST(RedactionFloor, MatchingIsCaseInsensitive) {
  EXPECT_TRUE(IsRedactedHeader("AUTHORIZATION", {}));
  EXPECT_TRUE(IsRedactedHeader("x-CSRF-token", {}));
  EXPECT_TRUE(IsRedactedHeader("X-Hub-Signature-256", {}));
}

TEST(RedactionFloor, ServiceExtrasAddToTheFloorButCannotLowerIt) {
  std::vector<std::string> extra = {"x-internal-id"};
  EXPECT_TRUE(IsRedactedHeader("X-Internal-Id", extra));
  EXPECT_TRUE(IsRedactedHeader("Authorization", extra));
  EXPECT_FALSE(IsRedactedHeader("Accept", extra));
}

}  // namespace
}  // namespace gostly::proxy
