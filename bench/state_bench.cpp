// Resource-store reads and statechart transitions at 10k and 1M stored resources (issue 5):
// the per-operation cost must stay flat between the two, beside BM_ExactLookup in the same
// binary (library_bench.cpp), run in the same session.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "state/resource_store.hpp"

namespace {

constexpr std::size_t kRing = 1 << 16;  // at most this many distinct requests cycled through

std::string CustomerId(std::size_t i) {
  std::string digits = std::to_string(i);
  return "cus_" + std::string(12 - digits.size(), '0') + digits;
}

// n recorded customers (status active), loaded as LEARN would have recorded them.
std::unique_ptr<gostly::state::ResourceStore> StoreOf(std::size_t n) {
  auto store = std::make_unique<gostly::state::ResourceStore>(1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string id = CustomerId(i);
    store->Load({"bench", "/v1/customers", id,
                 R"({"id":")" + id + R"(","object":"customer","name":"Customer )" +
                     std::to_string(i) + R"(","status":"active"})",
                 201});
  }
  return store;
}

// Distinct ids spread over the whole store: a prime stride (coprime with n) visits ids far
// apart without repeating.
std::vector<std::string> Targets(std::size_t n, std::string_view suffix) {
  std::vector<std::string> targets;
  for (std::size_t i = 0; i < std::min(n, kRing); ++i) {
    targets.push_back("/v1/customers/" + CustomerId((i * 7919) % n) + std::string(suffix));
  }
  return targets;
}

void BM_ResourceGet(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto store = StoreOf(n);
  const auto targets = Targets(n, "");
  std::size_t i = 0;
  std::size_t misses = 0;
  for (auto _ : state) {
    auto reply = store->Handle("bench", "GET", targets[i++ % targets.size()], {}, {}, false);
    misses += !reply.has_value();
    benchmark::DoNotOptimize(reply);
  }
  if (misses != 0) state.SkipWithError("a recorded resource was not found");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ResourceGet)->Arg(10'000)->Arg(1'000'000);

// suspend / reactivate in turn on resources spread over the store (customer machine).
void BM_StatechartTransition(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto store = StoreOf(n);
  const auto suspend = Targets(n, "/suspend");
  const auto reactivate = Targets(n, "/reactivate");
  std::size_t i = 0;
  std::size_t refused = 0;
  for (auto _ : state) {
    const std::size_t at = i % suspend.size();
    // Each pass over the ring flips every resource once: even passes suspend, odd reactivate.
    const bool even = ((i / suspend.size()) & 1) == 0;
    auto reply = store->Handle("bench", "POST", even ? suspend[at] : reactivate[at], {}, {}, true);
    refused += !reply || reply->status != 200;
    ++i;
    benchmark::DoNotOptimize(reply);
  }
  if (refused != 0) state.SkipWithError("a legal transition was refused");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_StatechartTransition)->Arg(10'000)->Arg(1'000'000);

}  // namespace
