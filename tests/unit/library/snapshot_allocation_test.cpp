// Proves the exact tier's "allocation-free after warm-up" promise by counting this thread's
// calls to operator new. Sanitizer runtimes provide their own operator new, so there the
// replacement is left out and the test is skipped.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "library/snapshot.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
    __has_feature(thread_sanitizer)
#define GOSTLY_NO_NEW_REPLACEMENT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GOSTLY_NO_NEW_REPLACEMENT 1
#endif

#ifndef GOSTLY_NO_NEW_REPLACEMENT
namespace {
thread_local std::size_t t_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace gostly::library {
namespace {

TEST(ExactTier, LookupsDoNotAllocateAfterWarmUp) {
#ifdef GOSTLY_NO_NEW_REPLACEMENT
  GTEST_SKIP() << "operator new belongs to the sanitizer runtime in this build";
#else
  std::vector<Exchange> exchanges;
  for (int i = 0; i < 100; ++i) {
    Exchange ex;
    ex.service = "svc";
    ex.method = "GET";
    ex.uri = "/v1/items/" + std::to_string(i) + "?page=2&sort=asc&filter=active";
    ex.status = 200;
    ex.response_body = R"({"id":)" + std::to_string(i) + "}";
    exchanges.push_back(ex);
  }
  for (int i = 0; i < 3; ++i) {
    Exchange ex;
    ex.service = "svc";
    ex.method = "POST";
    ex.uri = "/form";
    ex.request_body = "a=1&b=2";
    ex.status = 200;
    ex.response_body = std::to_string(i);
    exchanges.push_back(ex);
  }
  auto snapshot = Snapshot::Build(std::move(exchanges), {});
  // Warm-up: grows the thread-local buffers to the largest target used below.
  ASSERT_NE(snapshot->FindExact("svc", "GET", "/v1/items/99?sort=asc&filter=active&page=2", ""),
            nullptr);
  ASSERT_NE(snapshot->FindExact("svc", "post", "/form", "a=1&b=2"), nullptr);

  const std::size_t before = t_allocations;
  int hits = 0;
  for (int round = 0; round < 10; ++round) {
    hits += snapshot->FindExact("svc", "GET", "/v1/items/42?filter=active&sort=asc&page=2", "") !=
            nullptr;
    hits += snapshot->FindExact("svc", "GET", "/v1/items/7?page=2&sort=asc&filter=active", "") !=
            nullptr;
    hits += snapshot->FindExact("svc", "post", "/form", "a=1&b=2") != nullptr;
    hits += snapshot->FindExact("svc", "GET", "/missing?b=1&a=2", "") != nullptr;
  }
  EXPECT_EQ(t_allocations - before, 0u);
  EXPECT_EQ(hits, 30);

  // The counter itself works: the swap tier builds a new response, so it must allocate.
  const std::size_t before_swap = t_allocations;
  EXPECT_TRUE(snapshot->FindSwap("svc", "GET", "/v1/items/1000").has_value());
  EXPECT_GT(t_allocations - before_swap, 0u);
#endif
}

}  // namespace
}  // namespace gostly::library
