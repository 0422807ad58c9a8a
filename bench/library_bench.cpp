// Micro benchmarks for the library's serving index: exact and smart-swap lookups at 1k, 100k
// and 1M entries, and the cost (time and resident memory per entry) of building a 1M-entry
// snapshot from memory and from a JSON Lines file.
//
//   build/bench/gostly_library_bench --benchmark_filter=Exact
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "library/exchange.hpp"
#include "library/library_loader.hpp"
#include "library/snapshot.hpp"

namespace gostly::library {
namespace {

constexpr std::int64_t kMillion = 1'000'000;
constexpr std::size_t kRequestRing = 4096;  // power of two

std::string ItemBody(std::uint64_t id) {
  // About 300 bytes, like a typical small REST resource.
  std::string s = std::to_string(id);
  return R"({"id":)" + s + R"(,"type":"item","name":"Item number )" + s +
         R"(","description":"A deterministic benchmark item used to size the serving index.",)"
         R"("price":{"amount":1999,"currency":"usd"},"tags":["bench","library","snapshot"],)"
         R"("owner":{"id":"usr_8sKd9aQ1x","name":"Bench Owner"},)"
         R"("self":"/v1/items/)" +
         s + R"(","created":"2024-05-01T12:00:00Z"})";
}

std::string ItemTarget(std::uint64_t id) {
  return "/v1/items/" + std::to_string(id) + "?page=" + std::to_string(id % 10) + "&sort=asc";
}

Exchange ItemExchange(std::uint64_t id) {
  Exchange ex;
  ex.timestamp = "2024-05-01T12:00:00.000Z";
  ex.service = "bench";
  ex.method = "GET";
  ex.uri = ItemTarget(id);
  ex.request_headers = {{"Accept", "application/json"}};
  ex.status = 200;
  ex.response_headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
  ex.response_body = ItemBody(id);
  ex.latency_ms = 3;
  ex.recording_session_id = "bench-session";
  return ex;
}

std::vector<Exchange> Generate(std::size_t n) {
  std::vector<Exchange> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(ItemExchange(i));
  return out;
}

// Deterministic pseudo-random ids (64-bit LCG), so every run looks up the same keys.
std::vector<std::uint64_t> Ids(std::uint64_t bound, std::uint64_t offset) {
  std::vector<std::uint64_t> ids;
  std::uint64_t x = 0x2545F4914F6CDD1DULL;
  for (std::size_t i = 0; i < kRequestRing; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    ids.push_back(offset + (x >> 33) % bound);
  }
  return ids;
}

// One snapshot at a time, shared by the lookup benchmarks of the same size, so the 1M
// library is not held twice.
struct SnapshotCache {
  std::size_t n = 0;
  std::shared_ptr<const Snapshot> snapshot;
};

SnapshotCache& Cache() {
  static SnapshotCache cache;
  return cache;
}

std::shared_ptr<const Snapshot> SnapshotOf(std::size_t n) {
  SnapshotCache& cache = Cache();
  if (cache.n != n || !cache.snapshot) {
    cache.snapshot.reset();
    cache.snapshot = Snapshot::Build(Generate(n), {});
    cache.n = n;
  }
  return cache.snapshot;
}

void ReleaseSnapshotCache() { Cache() = SnapshotCache{}; }

std::int64_t StatusBytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoll(line.substr(prefix.size())) * 1024;
  }
  return 0;
}

std::int64_t ResidentBytes() { return StatusBytes("VmRSS"); }
std::int64_t PeakResidentBytes() { return StatusBytes("VmHWM"); }

// Resets VmHWM to the current RSS (Linux >= 4.0), so the peak of one phase can be read.
void ResetPeakResident() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Hands freed heap pages back to the kernel so VmRSS reflects live data only.
void TrimHeap() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void BM_ExactLookup(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto snapshot = SnapshotOf(n);
  // Query parameters in a different order from the recording, as clients send them.
  std::vector<std::string> targets;
  for (std::uint64_t id : Ids(n, 0)) {
    targets.push_back("/v1/items/" + std::to_string(id) +
                      "?sort=asc&page=" + std::to_string(id % 10));
  }
  std::size_t i = 0;
  std::size_t misses = 0;
  for (auto _ : state) {
    const MockResponse* hit =
        snapshot->FindExact("bench", "GET", targets[i++ & (kRequestRing - 1)], "");
    misses += hit == nullptr;
    benchmark::DoNotOptimize(hit);
  }
  if (misses != 0) state.SkipWithError("exact lookup missed a recorded key");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ExactLookup)->Arg(1000)->Arg(10'000)->Arg(100'000)->Arg(kMillion);

void BM_SwapLookup(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto snapshot = SnapshotOf(n);
  // Ids beyond the library: the exact tier would miss, the template answers.
  std::vector<std::string> targets;
  for (std::uint64_t id : Ids(n, n)) targets.push_back("/v1/items/" + std::to_string(id));
  std::size_t i = 0;
  std::size_t misses = 0;
  for (auto _ : state) {
    auto swap = snapshot->FindSwap("bench", "GET", targets[i++ & (kRequestRing - 1)]);
    misses += !swap.has_value();
    benchmark::DoNotOptimize(swap);
  }
  if (misses != 0) state.SkipWithError("swap lookup missed the recorded template");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SwapLookup)->Arg(1000)->Arg(100'000)->Arg(kMillion);

void BM_LoadLibrary1M(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ReleaseSnapshotCache();
  for (auto _ : state) {
    state.PauseTiming();
    TrimHeap();
    const std::int64_t rss_before = ResidentBytes();
    std::vector<Exchange> exchanges = Generate(n);
    const std::int64_t rss_input = ResidentBytes();
    ResetPeakResident();
    state.ResumeTiming();

    auto snapshot = Snapshot::Build(std::move(exchanges), {});

    state.PauseTiming();
    const std::int64_t rss_peak = PeakResidentBytes();
    TrimHeap();
    const std::int64_t rss_after = ResidentBytes();
    state.counters["peak_rss_bytes_per_entry"] =
        static_cast<double>(rss_peak - rss_before) / static_cast<double>(n);
    state.counters["input_rss_bytes_per_entry"] =
        static_cast<double>(rss_input - rss_before) / static_cast<double>(n);
    state.counters["rss_bytes_per_entry"] =
        static_cast<double>(rss_after - rss_before) / static_cast<double>(n);
    state.counters["keys"] = static_cast<double>(snapshot->key_count());
    snapshot.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_LoadLibrary1M)->Arg(kMillion)->Iterations(1)->Unit(benchmark::kMillisecond);

// The JSON Lines file is written once per process, into a fresh directory under /tmp
// that is removed at exit (it is several hundred megabytes).
class BenchLibraryDir {
 public:
  static const std::filesystem::path& Get(std::size_t n) {
    static BenchLibraryDir dir(n);
    return dir.path_;
  }
  ~BenchLibraryDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }

 private:
  explicit BenchLibraryDir(std::size_t n) {
    char pattern[] = "/tmp/gostly_library_bench_XXXXXX";
    if (mkdtemp(pattern) == nullptr) return;
    path_ = pattern;
    std::FILE* f = std::fopen((path_ / "bench.jsonl").c_str(), "wb");
    if (f == nullptr) return;
    for (std::size_t i = 0; i < n; ++i) {
      std::string line = EncodeExchangeLine(ItemExchange(i));
      std::fwrite(line.data(), 1, line.size(), f);
    }
    std::fclose(f);
  }
  std::filesystem::path path_;
};

void BM_LoadLibrary1MFromFile(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ReleaseSnapshotCache();
  const std::filesystem::path& dir = BenchLibraryDir::Get(n);
  using Clock = std::chrono::steady_clock;
  for (auto _ : state) {
    state.PauseTiming();
    TrimHeap();
    const std::int64_t rss_before = ResidentBytes();
    ResetPeakResident();
    state.ResumeTiming();

    const auto start = Clock::now();
    std::vector<Exchange> exchanges;
    LoadReport report = LoadExchanges(dir, exchanges);
    const auto loaded = Clock::now();
    auto snapshot = Snapshot::Build(std::move(exchanges), {});
    const auto built = Clock::now();

    state.PauseTiming();
    if (report.loaded != n) state.SkipWithError("the benchmark library did not load fully");
    const std::int64_t rss_peak = PeakResidentBytes();
    TrimHeap();
    const std::int64_t rss_after = ResidentBytes();
    state.counters["load_s"] = std::chrono::duration<double>(loaded - start).count();
    state.counters["build_s"] = std::chrono::duration<double>(built - loaded).count();
    state.counters["rss_bytes_per_entry"] =
        static_cast<double>(rss_after - rss_before) / static_cast<double>(n);
    state.counters["peak_rss_bytes_per_entry"] =
        static_cast<double>(rss_peak - rss_before) / static_cast<double>(n);
    snapshot.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_LoadLibrary1MFromFile)
    ->Arg(kMillion)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gostly::library

BENCHMARK_MAIN();
