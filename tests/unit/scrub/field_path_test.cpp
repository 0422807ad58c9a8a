#include "scrub/field_path.hpp"

#include <gtest/gtest.h>

namespace gostly::scrub {
namespace {

using Kind = FieldPath::Step::Kind;

TEST(FieldPath, ParsesDottedNames) {
  auto path = FieldPath::Parse("user.ssn");
  ASSERT_TRUE(path.ok()) << path.error();
  ASSERT_EQ(path->steps().size(), 2u);
  EXPECT_EQ(path->steps()[0].kind, Kind::kMember);
  EXPECT_EQ(path->steps()[0].name, "user");
  EXPECT_EQ(path->steps()[1].name, "ssn");
}

TEST(FieldPath, AcceptsTheJsonPathRoot) {
  auto path = FieldPath::Parse("$.customer.tax_id");
  ASSERT_TRUE(path.ok()) << path.error();
  ASSERT_EQ(path->steps().size(), 2u);
  EXPECT_EQ(path->steps()[0].name, "customer");
  auto array_root = FieldPath::Parse("$[*].email");
  ASSERT_TRUE(array_root.ok()) << array_root.error();
  EXPECT_EQ(array_root->steps()[0].kind, Kind::kAny);
}

TEST(FieldPath, ParsesWildcardsIndexesAndQuotedNames) {
  auto path = FieldPath::Parse("items[*].card.number");
  ASSERT_TRUE(path.ok()) << path.error();
  ASSERT_EQ(path->steps().size(), 4u);
  EXPECT_EQ(path->steps()[1].kind, Kind::kAny);
  auto indexed = FieldPath::Parse("a[2][0]");
  ASSERT_TRUE(indexed.ok()) << indexed.error();
  EXPECT_EQ(indexed->steps()[1].kind, Kind::kIndex);
  EXPECT_EQ(indexed->steps()[1].index, 2u);
  EXPECT_EQ(indexed->steps()[2].index, 0u);
  auto quoted = FieldPath::Parse("$['odd.key'][\"x y\"]");
  ASSERT_TRUE(quoted.ok()) << quoted.error();
  EXPECT_EQ(quoted->steps()[0].name, "odd.key");
  EXPECT_EQ(quoted->steps()[1].name, "x y");
  auto star = FieldPath::Parse("*.password");
  ASSERT_TRUE(star.ok()) << star.error();
  EXPECT_EQ(star->steps()[0].kind, Kind::kAny);
}

TEST(FieldPath, MatchesMembersAndIndexes) {
  auto path = FieldPath::Parse("items[*].n[1]");
  ASSERT_TRUE(path.ok());
  EXPECT_TRUE(path->MatchesMember(0, "items"));
  EXPECT_FALSE(path->MatchesMember(0, "Items"));
  EXPECT_TRUE(path->MatchesIndex(1, 7));
  EXPECT_TRUE(path->MatchesMember(1, "anything"));
  EXPECT_TRUE(path->MatchesIndex(3, 1));
  EXPECT_FALSE(path->MatchesIndex(3, 0));
  EXPECT_FALSE(path->MatchesMember(3, "1"));
}

TEST(FieldPath, RejectsMalformedPathsNamingThem) {
  for (const char* bad : {"", "$", "$.", "a..b", "a.", ".a", "a[", "a[x]", "a[1", "a['b]", "a]b",
                          "a[-1]", "a[99999999999999999999999]"}) {
    auto path = FieldPath::Parse(bad);
    EXPECT_FALSE(path.ok()) << "accepted: " << bad;
    if (!path.ok()) {
      EXPECT_EQ(path.error_code(), common::ErrorCode::kInvalidArgument);
      if (*bad != '\0') {
        EXPECT_NE(path.error().find(bad), std::string::npos) << path.error();
      }
    }
  }
}

}  // namespace
}  // namespace gostly::scrub
