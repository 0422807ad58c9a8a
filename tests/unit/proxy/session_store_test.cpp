#include "proxy/session_store.hpp"

#include <gtest/gtest.h>

#include <string>

#include "proxy/request_handler.hpp"

namespace gostly::proxy {
namespace {

std::string Response(std::size_t n) { return "HTTP/1.1 200 OK\r\nX-N: " + std::to_string(n) + "\r\n\r\n"; }

TEST(SessionStore, RepeatsFollowThePolicy) {
  SessionStore store;
  for (std::size_t i = 0; i < 3; ++i) store.Add("svc", "GET", "/a?x=1&y=2", "", Response(i));
  using library::RepeatPolicy;
  // Query order does not matter: the key is the normalised target.
  EXPECT_EQ(*store.Find("svc", "GET", "/a?y=2&x=1", "", RepeatPolicy::kFirst), Response(0));
  EXPECT_EQ(*store.Find("svc", "GET", "/a?x=1&y=2", "", RepeatPolicy::kLast), Response(2));
  EXPECT_EQ(store.Find("svc", "POST", "/a?x=1&y=2", "", RepeatPolicy::kLast), nullptr);
  EXPECT_EQ(store.Find("other", "GET", "/a?x=1&y=2", "", RepeatPolicy::kLast), nullptr);
}

TEST(SessionStore, AKeyKeepsABoundedSequenceEndingWithTheNewest) {
  SessionStore store;
  const std::size_t added = SessionStore::kMaxResponsesPerKey + 44;
  for (std::size_t i = 0; i < added; ++i) store.Add("svc", "GET", "/poll", "", Response(i));
  EXPECT_EQ(store.size(), 1u);
  using library::RepeatPolicy;
  // The sequence walks the kept responses in order and sticks on the newest.
  std::size_t distinct = 0;
  std::string previous;
  for (std::size_t i = 0; i < SessionStore::kMaxResponsesPerKey + 10; ++i) {
    auto r = store.Find("svc", "GET", "/poll", "", RepeatPolicy::kSequence);
    ASSERT_NE(r, nullptr);
    if (*r != previous) ++distinct;
    previous = *r;
  }
  EXPECT_EQ(distinct, SessionStore::kMaxResponsesPerKey);
  EXPECT_EQ(previous, Response(added - 1));
  EXPECT_EQ(*store.Find("svc", "GET", "/poll", "", RepeatPolicy::kFirst), Response(0));
  EXPECT_EQ(*store.Find("svc", "GET", "/poll", "", RepeatPolicy::kLast), Response(added - 1));
}

TEST(WithHeader, InsertsAfterTheStatusLine) {
  EXPECT_EQ(WithHeader("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody", "X-Ghost-Mock: session-verbatim\r\n"),
            "HTTP/1.1 200 OK\r\nX-Ghost-Mock: session-verbatim\r\nA: b\r\n\r\nbody");
  EXPECT_EQ(WithHeader("garbage", "X: y\r\n"), "garbage");
}

}  // namespace
}  // namespace gostly::proxy
