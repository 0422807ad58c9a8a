#include "library/uri_template.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace gostly::library {
namespace {

struct Case {
  const char* segment;
  SegmentClass expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.segment << '"'; }

class SegmentClassification : public ::testing::TestWithParam<Case> {};

TEST_P(SegmentClassification, MatchesTheDocumentedRules) {
  EXPECT_EQ(ClassifySegment(GetParam().segment), GetParam().expected)
      << "segment \"" << GetParam().segment << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Literals, SegmentClassification,
    ::testing::Values(Case{"", SegmentClass::kLiteral}, Case{"v1", SegmentClass::kLiteral},
                      Case{"v2", SegmentClass::kLiteral}, Case{"api", SegmentClass::kLiteral},
                      Case{"users", SegmentClass::kLiteral}, Case{"me", SegmentClass::kLiteral},
                      Case{"2fa", SegmentClass::kLiteral}, Case{"oauth2", SegmentClass::kLiteral},
                      Case{"abc-def", SegmentClass::kLiteral},
                      Case{"sign-in", SegmentClass::kLiteral},
                      Case{"deadbeef", SegmentClass::kLiteral},  // hex letters only: a word
                      Case{"user_profile", SegmentClass::kLiteral},
                      Case{"Post-2024", SegmentClass::kLiteral},  // upper case: not a slug
                      Case{"a--1", SegmentClass::kLiteral}, Case{"-42", SegmentClass::kLiteral},
                      Case{"42-", SegmentClass::kLiteral}, Case{"{int}", SegmentClass::kLiteral},
                      Case{"42%20", SegmentClass::kLiteral},
                      Case{"abcdefghijklm_123456", SegmentClass::kLiteral},  // prefix > 12
                      Case{"cus_12345", SegmentClass::kLiteral},             // < 6 after '_'
                      Case{"_abc123", SegmentClass::kLiteral},
                      Case{"cus_abcdefg", SegmentClass::kLiteral}));  // no digit

INSTANTIATE_TEST_SUITE_P(Integers, SegmentClassification,
                         ::testing::Values(Case{"42", SegmentClass::kInteger},
                                           Case{"0", SegmentClass::kInteger},
                                           Case{"2024", SegmentClass::kInteger},
                                           Case{"12345678901234567890", SegmentClass::kInteger}));

INSTANTIATE_TEST_SUITE_P(
    Uuids, SegmentClassification,
    ::testing::Values(Case{"3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c", SegmentClass::kUuid},
                      Case{"3F2B6C1E-8A4D-4B7E-9C1A-2D3E4F5A6B7C", SegmentClass::kUuid},
                      Case{"12345678-1234-1234-1234-123456789012", SegmentClass::kUuid},
                      // Wrong group lengths: a slug, not a UUID.
                      Case{"3f2b6c1e8-a4d-4b7e-9c1a-2d3e4f5a6b7c", SegmentClass::kSlug}));

INSTANTIATE_TEST_SUITE_P(
    Hex, SegmentClassification,
    ::testing::Values(Case{"deadbeef01", SegmentClass::kHex}, Case{"5f3a9c0b", SegmentClass::kHex},
                      Case{"DEADBEEF01", SegmentClass::kHex},
                      Case{"507f1f77bcf86cd799439011", SegmentClass::kHex},
                      Case{"abc1234", SegmentClass::kLiteral}));  // 7 chars: too short

INSTANTIATE_TEST_SUITE_P(PrefixedIds, SegmentClassification,
                         ::testing::Values(Case{"cus_9sKd2LmQ", SegmentClass::kPrefixedId},
                                           Case{"ch_3Nx8aQ1", SegmentClass::kPrefixedId},
                                           Case{"ord_8sKd9aQ1", SegmentClass::kPrefixedId},
                                           Case{"pi_1234567", SegmentClass::kPrefixedId},
                                           Case{"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
                                                SegmentClass::kPrefixedId}));

INSTANTIATE_TEST_SUITE_P(Slugs, SegmentClassification,
                         ::testing::Values(Case{"post-2024-recap", SegmentClass::kSlug},
                                           Case{"release-1-2", SegmentClass::kSlug},
                                           Case{"2024-01-15", SegmentClass::kSlug}));

TEST(PlaceholderName, NamesEveryVariableClass) {
  EXPECT_EQ(PlaceholderName(SegmentClass::kLiteral), "");
  EXPECT_EQ(PlaceholderName(SegmentClass::kInteger), "{int}");
  EXPECT_EQ(PlaceholderName(SegmentClass::kUuid), "{uuid}");
  EXPECT_EQ(PlaceholderName(SegmentClass::kHex), "{hex}");
  EXPECT_EQ(PlaceholderName(SegmentClass::kPrefixedId), "{id}");
  EXPECT_EQ(PlaceholderName(SegmentClass::kSlug), "{slug}");
}

TEST(TemplatePath, ReplacesVariableSegmentsAndDropsTheQuery) {
  EXPECT_EQ(TemplatePath("/users/42/orders/ord_8sKd9aQ1?x=1"), "/users/{int}/orders/{id}");
  EXPECT_EQ(TemplatePath("/v1/users/me"), "/v1/users/me");
  EXPECT_EQ(TemplatePath("/files/3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c/blob/deadbeef01"),
            "/files/{uuid}/blob/{hex}");
  EXPECT_EQ(TemplatePath("/blog/post-2024-recap"), "/blog/{slug}");
}

TEST(TemplatePath, KeepsEmptySegmentsAndTrailingSlashes) {
  EXPECT_EQ(TemplatePath("/"), "/");
  EXPECT_EQ(TemplatePath(""), "");
  EXPECT_EQ(TemplatePath("/users/42/"), "/users/{int}/");
  EXPECT_EQ(TemplatePath("//42"), "//{int}");
  EXPECT_EQ(TemplatePath("/42?"), "/{int}");
}

TEST(NormalizeTarget, SortsQueryParametersByKeyThenValue) {
  EXPECT_EQ(NormalizeTarget("/a?b=2&a=1"), "/a?a=1&b=2");
  EXPECT_EQ(NormalizeTarget("/a?tag=z&tag=a&id=3"), "/a?id=3&tag=a&tag=z");
  EXPECT_EQ(NormalizeTarget("/a?b&a=&c=1"), "/a?a=&b&c=1");
}

TEST(NormalizeTarget, QueryOrderDoesNotMatter) {
  EXPECT_EQ(NormalizeTarget("/s?q=x&page=2&sort=asc"), NormalizeTarget("/s?sort=asc&q=x&page=2"));
}

TEST(NormalizeTarget, DropsEmptyQueryAndEmptyParameters) {
  EXPECT_EQ(NormalizeTarget("/a?"), "/a");
  EXPECT_EQ(NormalizeTarget("/a?&&"), "/a");
  EXPECT_EQ(NormalizeTarget("/a?b=1&&a=2&"), "/a?a=2&b=1");
  EXPECT_EQ(NormalizeTarget("/a"), "/a");
}

TEST(NormalizeTarget, LeavesPercentEncodingAndPathAlone) {
  EXPECT_EQ(NormalizeTarget("/a%2Fb/C?x=%20&a=b%3D"), "/a%2Fb/C?a=b%3D&x=%20");
}

TEST(NormalizeTarget, KeyWithoutValueSortsBeforeKeyWithValue) {
  EXPECT_EQ(NormalizeTarget("/a?k=1&k"), "/a?k&k=1");
  // Same key and empty value: the order sent is kept, so the result is deterministic.
  EXPECT_EQ(NormalizeTarget("/a?k=&k"), "/a?k=&k");
  EXPECT_EQ(NormalizeTarget("/a?k&k="), "/a?k&k=");
}

TEST(NormalizeTarget, IntoReusesTheCallersBuffer) {
  std::string out = "stale contents that must disappear";
  NormalizeTargetInto("/x?b=1&a=2", out);
  EXPECT_EQ(out, "/x?a=2&b=1");
  NormalizeTargetInto("/y", out);
  EXPECT_EQ(out, "/y");
}

TEST(NormalizeTarget, ManyParametersSortCorrectly) {
  std::string target = "/m?";
  for (int i = 99; i >= 0; --i) {
    target += "p" + std::to_string(i % 10) + "=" + std::to_string(i) + "&";
  }
  std::string normalized = NormalizeTarget(target);
  std::string expected = "/m?";
  std::vector<std::string> params;
  for (int i = 0; i < 100; ++i) {
    params.push_back("p" + std::to_string(i % 10) + "=" + std::to_string(i));
  }
  std::sort(params.begin(), params.end(), [](const std::string& a, const std::string& b) {
    std::string ka = a.substr(0, a.find('='));
    std::string kb = b.substr(0, b.find('='));
    if (ka != kb) return ka < kb;
    return a.substr(a.find('=') + 1) < b.substr(b.find('=') + 1);
  });
  for (std::size_t i = 0; i < params.size(); ++i) expected += (i ? "&" : "") + params[i];
  EXPECT_EQ(normalized, expected);
}

TEST(NormalizeTarget, IsSafeToCallFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      std::string out;
      for (int i = 0; i < 2000; ++i) {
        std::string a = std::to_string(t);
        std::string b = std::to_string(i);
        NormalizeTargetInto("/t?z=" + a + "&y=" + b, out);
        if (out != "/t?y=" + b + "&z=" + a) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace gostly::library
