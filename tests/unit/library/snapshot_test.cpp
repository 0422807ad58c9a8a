#include "library/snapshot.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include <atomic>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "library/snapshot_test_hooks.hpp"

namespace gostly::library {
namespace {

Exchange Make(std::string method, std::string uri, std::string response_body,
              std::string session = "s1", std::string service = "svc") {
  Exchange ex;
  ex.timestamp = "2024-05-01T12:00:00.000Z";
  ex.service = std::move(service);
  ex.method = std::move(method);
  ex.uri = std::move(uri);
  ex.status = 200;
  ex.response_headers = {{"Content-Type", "application/json"}};
  ex.response_body = std::move(response_body);
  ex.recording_session_id = std::move(session);
  return ex;
}

Exchange WithBody(Exchange ex, std::string request_body) {
  ex.request_body = std::move(request_body);
  return ex;
}

std::string BodyOf(const MockResponse* response) {
  return response == nullptr ? "<miss>" : std::string(response->body());
}

std::string BodyOf(const std::optional<SwapResult>& result) {
  if (!result) return "<miss>";
  std::size_t end = result->wire.find("\r\n\r\n");
  return end == std::string::npos ? "<malformed>" : result->wire.substr(end + 4);
}

std::shared_ptr<const Snapshot> BuildWith(std::vector<Exchange> exchanges,
                                          Snapshot::Options options = {}) {
  return Snapshot::Build(std::move(exchanges), options);
}

std::shared_ptr<const Snapshot> ThreeResponses(RepeatPolicy policy) {
  Snapshot::Options options;
  options.policy = [policy](std::string_view) { return policy; };
  return BuildWith(
      {Make("GET", "/counter", "1"), Make("GET", "/counter", "2"), Make("GET", "/counter", "3")},
      options);
}

std::vector<std::string> Next(const Snapshot& snapshot, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(BodyOf(snapshot.FindExact("svc", "GET", "/counter", "")));
  return out;
}

using Bodies = std::vector<std::string>;

TEST(ExactTier, HitIsPreSerialisedWithTheExactHeader) {
  auto snapshot = BuildWith({Make("GET", "/users/1", R"({"id":1})")});
  const MockResponse* hit = snapshot->FindExact("svc", "GET", "/users/1", "");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->status, 200);
  EXPECT_EQ(hit->wire,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Ghost-Mock: true\r\n"
            "Content-Length: 8\r\n\r\n{\"id\":1}");
  EXPECT_EQ(hit->body(), R"({"id":1})");
  EXPECT_TRUE(hit->head().ends_with("\r\n\r\n"));
}

TEST(ExactTier, ExactHeaderIsConfigurable) {
  Snapshot::Options options;
  options.exact_header = "X-Replayed: 1\r\n";
  auto snapshot = BuildWith({Make("GET", "/a", "x")}, options);
  const MockResponse* hit = snapshot->FindExact("svc", "GET", "/a", "");
  ASSERT_NE(hit, nullptr);
  EXPECT_NE(hit->wire.find("X-Replayed: 1\r\n"), std::string::npos);
  EXPECT_EQ(hit->wire.find("X-Ghost-Mock"), std::string::npos);
}

TEST(ExactTier, MissesReturnNull) {
  auto snapshot = BuildWith({Make("GET", "/a", "x")});
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/b", ""), nullptr);
  EXPECT_EQ(snapshot->FindExact("other", "GET", "/a", ""), nullptr);
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/a?x=1", ""), nullptr);
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/a", "body"), nullptr);
  EXPECT_EQ(Snapshot::Empty()->FindExact("svc", "GET", "/a", ""), nullptr);
}

TEST(ExactTier, QueryOrderDoesNotMatter) {
  auto snapshot = BuildWith({Make("GET", "/search?q=shoes&page=2&sort=asc", "found")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/search?sort=asc&q=shoes&page=2", "")),
            "found");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/search?page=2&&q=shoes&sort=asc", "")),
            "found");
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/search?q=shoes&page=3&sort=asc", ""), nullptr);
}

TEST(ExactTier, JsonKeyOrderAndWhitespaceInRequestBodyDoNotMatter) {
  auto snapshot =
      BuildWith({WithBody(Make("POST", "/charges", "ok"), R"({"amount":100,"currency":"usd"})")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "POST", "/charges",
                                       "{ \"currency\": \"usd\",\n  \"amount\": 100 }")),
            "ok");
  EXPECT_EQ(snapshot->FindExact("svc", "POST", "/charges", R"({"amount":101,"currency":"usd"})"),
            nullptr);
  EXPECT_EQ(snapshot->FindExact("svc", "POST", "/charges", ""), nullptr);
}

TEST(ExactTier, RequestBodiesDistinguishKeys) {
  auto snapshot = BuildWith({WithBody(Make("POST", "/login", "alice"), "user=alice"),
                             WithBody(Make("POST", "/login", "bob"), "user=bob")});
  EXPECT_EQ(snapshot->key_count(), 2u);
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "POST", "/login", "user=bob")), "bob");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "POST", "/login", "user=alice")), "alice");
}

TEST(ExactTier, MethodDistinguishesKeys) {
  auto snapshot = BuildWith({Make("GET", "/items/1", "got"), Make("DELETE", "/items/1", "gone")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/items/1", "")), "got");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "DELETE", "/items/1", "")), "gone");
  EXPECT_EQ(snapshot->FindExact("svc", "PUT", "/items/1", ""), nullptr);
}

TEST(ExactTier, LowerCaseMethodsMatchTheirUpperCaseRecording) {
  auto snapshot = BuildWith({Make("get", "/a", "x")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "x");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "get", "/a", "")), "x");
}

TEST(ExactTier, ServiceDistinguishesKeys) {
  auto snapshot =
      BuildWith({Make("GET", "/me", "from-a", "s1", "a"), Make("GET", "/me", "from-b", "s1", "b")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("a", "GET", "/me", "")), "from-a");
  EXPECT_EQ(BodyOf(snapshot->FindExact("b", "GET", "/me", "")), "from-b");
  EXPECT_EQ(snapshot->FindExact("c", "GET", "/me", ""), nullptr);
}

TEST(ExactTier, NewestSessionWins) {
  auto snapshot = BuildWith({Make("GET", "/a", "old-1", "s1"), Make("GET", "/a", "old-2", "s1"),
                             Make("GET", "/a", "new-1", "s2")});
  EXPECT_EQ(snapshot->key_count(), 1u);
  EXPECT_EQ(snapshot->exchange_count(), 3u);
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "new-1");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "new-1");
}

TEST(ExactTier, TheSessionOfTheLastExchangeWinsEvenWhenInterleaved) {
  auto snapshot = BuildWith({Make("GET", "/a", "s1-first", "s1"), Make("GET", "/a", "s2", "s2"),
                             Make("GET", "/a", "s1-second", "s1")});
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "s1-first");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "s1-second");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/a", "")), "s1-second");
}

TEST(ExactTier, SequencePolicyPlaysInOrderThenSticksOnTheLast) {
  auto snapshot = ThreeResponses(RepeatPolicy::kSequence);
  EXPECT_EQ(Next(*snapshot, 5), (Bodies{"1", "2", "3", "3", "3"}));
}

TEST(ExactTier, SequenceIsTheDefaultPolicy) {
  auto snapshot = BuildWith(
      {Make("GET", "/counter", "1"), Make("GET", "/counter", "2"), Make("GET", "/counter", "3")});
  EXPECT_EQ(Next(*snapshot, 4), (Bodies{"1", "2", "3", "3"}));
}

TEST(ExactTier, CyclePolicyWrapsAround) {
  auto snapshot = ThreeResponses(RepeatPolicy::kCycle);
  EXPECT_EQ(Next(*snapshot, 7), (Bodies{"1", "2", "3", "1", "2", "3", "1"}));
}

TEST(ExactTier, FirstPolicyAlwaysAnswersTheFirst) {
  auto snapshot = ThreeResponses(RepeatPolicy::kFirst);
  EXPECT_EQ(Next(*snapshot, 3), (Bodies{"1", "1", "1"}));
}

TEST(ExactTier, LastPolicyAlwaysAnswersTheLast) {
  auto snapshot = ThreeResponses(RepeatPolicy::kLast);
  EXPECT_EQ(Next(*snapshot, 3), (Bodies{"3", "3", "3"}));
}

TEST(ExactTier, PolicyIsChosenPerService) {
  Snapshot::Options options;
  options.policy = [](std::string_view service) {
    return service == "cyc" ? RepeatPolicy::kCycle : RepeatPolicy::kSequence;
  };
  auto snapshot =
      BuildWith({Make("GET", "/c", "1", "s", "cyc"), Make("GET", "/c", "2", "s", "cyc"),
                 Make("GET", "/c", "1", "s", "seq"), Make("GET", "/c", "2", "s", "seq")},
                options);
  std::string cyc;
  std::string seq;
  for (int i = 0; i < 3; ++i) {
    cyc += BodyOf(snapshot->FindExact("cyc", "GET", "/c", ""));
    seq += BodyOf(snapshot->FindExact("seq", "GET", "/c", ""));
  }
  EXPECT_EQ(cyc, "121");
  EXPECT_EQ(seq, "122");
}

TEST(ExactTier, RepeatPositionIsPerKeyAndPerSnapshot) {
  auto build = [] {
    return BuildWith({Make("GET", "/a", "a1"), Make("GET", "/a", "a2"), Make("GET", "/b", "b1"),
                      Make("GET", "/b", "b2")});
  };
  auto first = build();
  EXPECT_EQ(BodyOf(first->FindExact("svc", "GET", "/a", "")), "a1");
  EXPECT_EQ(BodyOf(first->FindExact("svc", "GET", "/b", "")), "b1");
  EXPECT_EQ(BodyOf(first->FindExact("svc", "GET", "/a", "")), "a2");
  auto reloaded = build();
  EXPECT_EQ(BodyOf(reloaded->FindExact("svc", "GET", "/a", "")), "a1");
}

TEST(ExactTier, ConcurrentCycleRequestsEachGetAPosition) {
  auto snapshot = ThreeResponses(RepeatPolicy::kCycle);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::atomic<int> counts[3] = {0, 0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        const MockResponse* hit = snapshot->FindExact("svc", "GET", "/counter", "");
        if (hit != nullptr) counts[hit->body()[0] - '1'].fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& c : counts) EXPECT_EQ(c.load(), kThreads * kPerThread / 3);
}

TEST(ExactTier, CollidingHashesNeverConfuseKeys) {
  // Every key hashes to the same value: only the stored strings tell them apart.
  test_hooks::ScopedKeyHashMask all_collide(0);
  std::vector<Exchange> exchanges;
  for (int i = 0; i < 50; ++i) {
    exchanges.push_back(Make("GET", "/item/" + std::to_string(i), "item-" + std::to_string(i)));
  }
  exchanges.push_back(Make("POST", "/item/1", "posted"));
  exchanges.push_back(Make("GET", "/item/1", "other-service", "s1", "other"));
  exchanges.push_back(WithBody(Make("GET", "/item/1", "with-body"), "x"));
  auto snapshot = BuildWith(std::move(exchanges));
  EXPECT_EQ(snapshot->key_count(), 53u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/item/" + std::to_string(i), "")),
              "item-" + std::to_string(i));
  }
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "POST", "/item/1", "")), "posted");
  EXPECT_EQ(BodyOf(snapshot->FindExact("other", "GET", "/item/1", "")), "other-service");
  EXPECT_EQ(BodyOf(snapshot->FindExact("svc", "GET", "/item/1", "x")), "with-body");
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/item/50", ""), nullptr);
  EXPECT_EQ(snapshot->FindExact("svc", "GET", "/item/1", "y"), nullptr);
}

TEST(ExactTier, DistinctTargetsStayDistinctAtScale) {
  std::vector<Exchange> exchanges;
  for (int i = 0; i < 20000; ++i) {
    exchanges.push_back(
        Make("GET", "/n/" + std::to_string(i) + "?v=" + std::to_string(i % 7), std::to_string(i)));
  }
  auto snapshot = BuildWith(std::move(exchanges));
  EXPECT_EQ(snapshot->key_count(), 20000u);
  int wrong = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string target = "/n/" + std::to_string(i) + "?v=" + std::to_string(i % 7);
    if (BodyOf(snapshot->FindExact("svc", "GET", target, "")) != std::to_string(i)) ++wrong;
  }
  EXPECT_EQ(wrong, 0);
}

TEST(ExactTier, NoContentResponsesCarryNoBody) {
  Exchange ex = Make("DELETE", "/a", "");
  ex.status = 204;
  auto snapshot = BuildWith({ex});
  const MockResponse* hit = snapshot->FindExact("svc", "DELETE", "/a", "");
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->status, 204);
  EXPECT_TRUE(hit->body().empty());
  EXPECT_EQ(hit->wire.find("Content-Length"), std::string::npos);
}

TEST(Snapshot, EmptySnapshotHasNothing) {
  auto empty = Snapshot::Empty();
  EXPECT_EQ(empty->key_count(), 0u);
  EXPECT_EQ(empty->exchange_count(), 0u);
  EXPECT_EQ(empty->template_count(), 0u);
  EXPECT_TRUE(empty->List(0, 10).empty());
  EXPECT_FALSE(empty->FindSwap("svc", "GET", "/users/1").has_value());
  EXPECT_EQ(BuildWith({})->key_count(), 0u);
}

TEST(Snapshot, ListGivesEachKeysNewestExchangeInOrderOfFirstAppearance) {
  Exchange b_old = Make("GET", "/b", "b-old", "s1");
  Exchange a = Make("GET", "/a?y=2&x=1", "a", "s1");
  a.request_headers = {{"Accept", "application/json"}, {"X-Trace", "1"}, {"X-Trace", "2"}};
  a.latency_ms = 12.5;
  a.timestamp = "2024-05-01T12:00:01.000Z";
  a.response_headers = {{"Content-Type", "application/json"},
                        {"Transfer-Encoding", "chunked"},
                        {"Set-Cookie", "a=1"},
                        {"Set-Cookie", "b=2"}};
  Exchange b_new = WithBody(Make("GET", "/b", "b-new", "s2"), "");
  b_new.status = 404;
  Exchange c = WithBody(Make("POST", "/c", "c"), std::string("\0bin", 4));
  c.status = 304;
  c.response_body = "not served";
  auto snapshot = BuildWith({b_old, a, b_new, c});

  std::vector<Exchange> all = snapshot->List(0, 100);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].uri, "/b");
  EXPECT_EQ(all[0].response_body, "b-new");
  EXPECT_EQ(all[0].status, 404);
  EXPECT_EQ(all[0].recording_session_id, "s2");

  EXPECT_EQ(all[1].service, "svc");
  EXPECT_EQ(all[1].method, "GET");
  EXPECT_EQ(all[1].uri, "/a?y=2&x=1") << "the recorded target, not the normalised one";
  EXPECT_EQ(all[1].timestamp, a.timestamp);
  EXPECT_EQ(all[1].request_headers, a.request_headers);
  EXPECT_DOUBLE_EQ(all[1].latency_ms, 12.5);
  EXPECT_EQ(all[1].recording_session_id, "s1");
  EXPECT_EQ(all[1].status, 200);
  EXPECT_EQ(all[1].response_body, "a");
  // Framing headers are recomputed on every hit, so they are not part of the listing.
  EXPECT_EQ(all[1].response_headers, (common::HeaderList{{"Content-Type", "application/json"},
                                                         {"Set-Cookie", "a=1"},
                                                         {"Set-Cookie", "b=2"}}));

  EXPECT_EQ(all[2].method, "POST");
  EXPECT_EQ(all[2].request_body, std::string("\0bin", 4));
  EXPECT_EQ(all[2].status, 304);
  EXPECT_EQ(all[2].response_body, "not served");

  std::vector<Exchange> page = snapshot->List(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].uri, "/a?y=2&x=1");
  EXPECT_TRUE(snapshot->List(3, 10).empty());
  EXPECT_EQ(snapshot->List(2, std::numeric_limits<std::size_t>::max()).size(), 1u);
  EXPECT_TRUE(snapshot->List(std::numeric_limits<std::size_t>::max(), 5).empty());
}

TEST(RepeatPolicyNames, ParseIgnoresCaseAndRoundTrips) {
  for (RepeatPolicy p :
       {RepeatPolicy::kSequence, RepeatPolicy::kCycle, RepeatPolicy::kFirst, RepeatPolicy::kLast}) {
    auto parsed = ParseRepeatPolicy(ToString(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(ParseRepeatPolicy("CYCLE").value(), RepeatPolicy::kCycle);
  auto bad = ParseRepeatPolicy("random");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("random"), std::string::npos);
}

// Smart swap.

TEST(SmartSwap, SubstitutesTheRequestIdOnlyAsAWholeToken) {
  auto snapshot = BuildWith({Make(
      "GET", "/users/42",
      R"({"id":42,"self":"/users/42","ref":"420","tag":"x42","n":142,"u":"42_a","d":"42-b"})")});
  auto swap = snapshot->FindSwap("svc", "GET", "/users/77");
  ASSERT_TRUE(swap.has_value());
  EXPECT_EQ(
      BodyOf(swap),
      R"({"id":77,"self":"/users/77","ref":"420","tag":"x42","n":142,"u":"42_a","d":"42-b"})");
  EXPECT_EQ(swap->status, 200);
  EXPECT_EQ(swap->template_path, "/users/{int}");
  EXPECT_NE(swap->wire.find("X-Ghost-SwapMatch: true\r\n"), std::string::npos);
  EXPECT_EQ(swap->wire.find("X-Ghost-Mock"), std::string::npos);
  EXPECT_EQ(snapshot->template_count(), 1u);
}

TEST(SmartSwap, ContentLengthFollowsTheSubstitutedBody) {
  auto snapshot = BuildWith({Make("GET", "/users/42", R"({"id":42})")});
  auto swap = snapshot->FindSwap("svc", "GET", "/users/123456");
  ASSERT_TRUE(swap.has_value());
  EXPECT_EQ(BodyOf(swap), R"({"id":123456})");
  EXPECT_NE(swap->wire.find("Content-Length: 13\r\n"), std::string::npos);
}

TEST(SmartSwap, PlaceholdersAreTyped) {
  auto snapshot = BuildWith({Make("GET", "/users/42", "int")});
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/users/3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c"));
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/users/abc"));
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/users/cus_9sKd2LmQ"));
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/users/42/orders"));
  EXPECT_TRUE(snapshot->FindSwap("svc", "GET", "/users/7"));
}

TEST(SmartSwap, UuidTemplatesAnswerOtherUuids) {
  auto snapshot = BuildWith({Make("GET", "/files/3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c",
                                  R"({"file":"3f2b6c1e-8a4d-4b7e-9c1a-2d3e4f5a6b7c"})")});
  auto swap = snapshot->FindSwap("svc", "GET", "/files/00000000-1111-2222-3333-444444444444");
  ASSERT_TRUE(swap.has_value());
  EXPECT_EQ(BodyOf(swap), R"({"file":"00000000-1111-2222-3333-444444444444"})");
  EXPECT_EQ(swap->template_path, "/files/{uuid}");
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/files/42"));
}

TEST(SmartSwap, LocationHeaderIsSubstituted) {
  Exchange ex = Make("POST", "/accounts/cus_9sKd2LmQ/orders", R"({"owner":"cus_9sKd2LmQ"})");
  ex.status = 201;
  ex.response_headers.push_back({"Location", "/accounts/cus_9sKd2LmQ/orders/1"});
  ex.response_headers.push_back({"X-Other", "cus_9sKd2LmQ"});
  auto snapshot = BuildWith({ex});
  auto swap = snapshot->FindSwap("svc", "POST", "/accounts/cus_AAAA1111/orders");
  ASSERT_TRUE(swap.has_value());
  EXPECT_EQ(swap->status, 201);
  EXPECT_NE(swap->wire.find("Location: /accounts/cus_AAAA1111/orders/1\r\n"), std::string::npos);
  EXPECT_NE(swap->wire.find("X-Other: cus_9sKd2LmQ\r\n"), std::string::npos)
      << "only the body and Location are rewritten";
  EXPECT_EQ(BodyOf(swap), R"({"owner":"cus_AAAA1111"})");
}

TEST(SmartSwap, SeveralVariablesAreSwappedAtOnce) {
  auto snapshot = BuildWith({Make("GET", "/a/1/b/2", R"({"a":1,"b":2,"path":"/a/1/b/2"})")});
  auto swap = snapshot->FindSwap("svc", "GET", "/a/2/b/3");
  ASSERT_TRUE(swap.has_value());
  EXPECT_EQ(BodyOf(swap), R"({"a":2,"b":3,"path":"/a/2/b/3"})");
}

TEST(SmartSwap, TheNewestExchangeIsTheRepresentative) {
  auto snapshot = BuildWith({Make("GET", "/users/1", R"({"id":1,"v":"old"})"),
                             Make("GET", "/users/2", R"({"id":2,"v":"new"})")});
  EXPECT_EQ(BodyOf(snapshot->FindSwap("svc", "GET", "/users/3")), R"({"id":3,"v":"new"})");
}

TEST(SmartSwap, RepresentativeAnswersWithItsFirstResponse) {
  auto snapshot = BuildWith({Make("GET", "/users/1", R"({"id":1,"n":"first"})"),
                             Make("GET", "/users/1", R"({"id":1,"n":"second"})")});
  EXPECT_EQ(BodyOf(snapshot->FindSwap("svc", "GET", "/users/9")), R"({"id":9,"n":"first"})");
}

TEST(SmartSwap, QueryIsIgnoredAndServiceAndMethodScopeTheTemplate) {
  auto snapshot = BuildWith({Make("GET", "/users/42?expand=1", R"({"id":42})")});
  EXPECT_EQ(BodyOf(snapshot->FindSwap("svc", "GET", "/users/5?other=2")), R"({"id":5})");
  EXPECT_EQ(BodyOf(snapshot->FindSwap("svc", "get", "/users/5")), R"({"id":5})");
  EXPECT_FALSE(snapshot->FindSwap("svc", "DELETE", "/users/5"));
  EXPECT_FALSE(snapshot->FindSwap("other", "GET", "/users/5"));
}

TEST(SmartSwap, PathsWithoutVariablesAreNotTemplates) {
  auto snapshot = BuildWith({Make("GET", "/v1/users/me", "me")});
  EXPECT_EQ(snapshot->template_count(), 0u);
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/v1/users/me"));
}

TEST(SmartSwap, DisabledOptionNeverAnswers) {
  Snapshot::Options options;
  options.smart_swap = false;
  auto snapshot = BuildWith({Make("GET", "/users/42", R"({"id":42})")}, options);
  EXPECT_FALSE(snapshot->FindSwap("svc", "GET", "/users/77"));
  EXPECT_EQ(snapshot->template_count(), 0u);
  EXPECT_NE(snapshot->FindExact("svc", "GET", "/users/42", ""), nullptr);
}

TEST(SmartSwap, SwapHeaderIsConfigurable) {
  Snapshot::Options options;
  options.swap_header = "X-Swapped: yes\r\n";
  auto snapshot = BuildWith({Make("GET", "/users/42", "{}")}, options);
  auto swap = snapshot->FindSwap("svc", "GET", "/users/1");
  ASSERT_TRUE(swap.has_value());
  EXPECT_NE(swap->wire.find("X-Swapped: yes\r\n"), std::string::npos);
}

// Learned latency: each response keeps its own recording; a route's recordings fit one
// log-normal (ln ms: mean and sample deviation) when asked.
TEST(LearnedLatency, ResponsesKeepTheirLatencyAndRoutesFitALogNormal) {
  auto with = [](Exchange ex, double ms) {
    ex.latency_ms = ms;
    return ex;
  };
  Snapshot::Options options;
  options.fit_latency = true;
  auto snapshot = BuildWith({with(Make("GET", "/users/1", "a"), 10), with(Make("GET", "/users/2", "b"), 40),
                             with(Make("GET", "/users/3", "c"), 0), with(Make("POST", "/users", "d"), 7)},
                            options);
  const MockResponse* hit = snapshot->FindExact("svc", "GET", "/users/2", "");
  ASSERT_NE(hit, nullptr);
  EXPECT_FLOAT_EQ(hit->latency_ms, 40);
  auto fit = snapshot->FindLatencyFit("svc", "get", "/users/987?x=1");
  ASSERT_TRUE(fit.has_value());
  EXPECT_EQ(fit->samples, 2u) << "a latency of 0 is no measurement";
  EXPECT_NEAR(fit->mu, std::log(20.0), 1e-9);  // (ln 10 + ln 40) / 2
  EXPECT_NEAR(fit->sigma, std::sqrt(2.0) * std::log(2.0), 1e-9);
  auto post = snapshot->FindLatencyFit("svc", "POST", "/users");
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->sigma, 0);
  EXPECT_FALSE(snapshot->FindLatencyFit("svc", "GET", "/orders/1"));
  EXPECT_FALSE(BuildWith({with(Make("GET", "/users/1", "a"), 10)})->FindLatencyFit("svc", "GET", "/users/1"))
      << "fitting is off by default";
}

}  // namespace
}  // namespace gostly::library
