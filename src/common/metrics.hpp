// Metrics registry rendering the Prometheus text format.
//
// Every family and label set is registered at start-up and the handles (Counter*, Gauge*,
// Histogram*) are kept by their users, so the request path never looks a metric up by name.
// Counters and histograms are sharded per thread slot so concurrent connections do not
// contend on one cache line. All methods are thread-safe; Render() may run concurrently
// with updates (it reads relaxed atomics, so a scrape is a near-instant view).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gostly::common {

using Labels = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::size_t kMetricShards = 16;

// Index of the calling thread's shard; stable for the life of the thread.
std::size_t ThreadShard();

class Counter {
 public:
  void Inc(std::uint64_t n = 1) {
    shards_[ThreadShard()].v.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t Value() const;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> v{0};
  };
  std::array<Shard, kMetricShards> shards_{};
};

class Gauge {
 public:
  void Set(double v) { v_.store(v, std::memory_order_relaxed); }
  void Add(double d);
  double Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound (+Inf last), sum and count.
  std::vector<std::uint64_t> Buckets() const;
  double Sum() const;
  std::uint64_t Count() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts;
    std::atomic<double> sum{0};
  };
  std::vector<double> bounds_;
  std::array<Shard, kMetricShards> shards_;
};

class MetricsRegistry {
 public:
  // Returns a handle that stays valid for the registry's lifetime. Registering the same
  // name and labels twice returns the same handle.
  Counter* AddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge* AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram* AddHistogram(std::string_view name, std::string_view help, Labels labels,
                          std::vector<double> bounds);
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    Kind kind;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series* FindOrAdd(std::string_view name, std::string_view help, Kind kind, Labels labels);

  mutable std::mutex mu_;  // guards registration and rendering only, never updates
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace gostly::common
