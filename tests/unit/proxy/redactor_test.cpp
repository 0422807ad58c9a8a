#include "proxy/redactor.hpp"

#include <gtest/gtest.h>

#include "scrub/scrubber.hpp"

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

TEST(QueryCredentials, ValuesOfCredentialNamedParametersAreRedacted) {
  std::string scratch;
  auto redact = [&](std::string_view target) {
    return std::string(RedactQueryCredentials(target, scratch));
  };
  // The scrubber's rule for URIs: any name with token, key, secret, session, … in it.
  EXPECT_EQ(redact("/v1/items?page=2&api_key=s3cr3t&token_type=bearer&access_token=abc"),
            "/v1/items?page=2&api_key=%5BREDACTED%5D&token_type=%5BREDACTED%5D"
            "&access_token=%5BREDACTED%5D");
  EXPECT_EQ(redact("/x?client%5Fsecret=a+b&Password=&next=/y?token=z"),
            "/x?client%5Fsecret=%5BREDACTED%5D&Password=&next=/y?token=z")
      << "names are decoded; an empty value hides nothing; a value containing '?' is a value";
  EXPECT_EQ(redact("/x?PASSWORD=hunter2"), "/x?PASSWORD=%5BREDACTED%5D") << "case-insensitive";
  EXPECT_EQ(redact("/x?password"), "/x?password") << "a bare name has no value to hide";
}

TEST(QueryCredentials, NothingToRedactReturnsTheTargetItself) {
  std::string scratch = "untouched";
  for (std::string_view target : {"/plain", "/q?page=1&sort=name", "/q?", "/q?&&="}) {
    std::string_view out = RedactQueryCredentials(target, scratch);
    EXPECT_EQ(out.data(), target.data()) << target;
  }
  EXPECT_EQ(scratch, "untouched");
}

TEST(QueryCredentials, RedactedTargetsAreAFixedPoint) {
  std::string first;
  std::string second;
  auto once = std::string(RedactQueryCredentials("/a?apikey=1&b=2&secret=3", first));
  EXPECT_EQ(once, "/a?apikey=%5BREDACTED%5D&b=2&secret=%5BREDACTED%5D");
  EXPECT_EQ(RedactQueryCredentials(once, second), once);
}

// Capture and the scrubber apply one rule, so what LEARN wrote, what a transition stores and
// what seeding or an API edit pushes to the library all key a request the same way.
TEST(QueryCredentials, AgreeWithTheScrubbersUriRule) {
  auto scrubber = scrub::Scrubber::Create(scrub::ScrubPolicy{});
  ASSERT_TRUE(scrubber.ok());
  for (std::string_view target :
       {"/v1/items?page=2&api_key=s3cr3t&token_type=bearer", "/x?sessionid=abc&x-signature=f00",
        "/x?Password=&client%5Fsecret=a&q=shoes", "/plain?sort=name"}) {
    std::string scratch;
    const std::string captured(RedactQueryCredentials(target, scratch));
    EXPECT_EQ(scrubber->ScrubUri(target), captured) << target;
    EXPECT_EQ(scrubber->ScrubUri(captured), captured) << "a fixed point: " << target;
  }
}

}  // namespace
}  // namespace gostly::proxy
