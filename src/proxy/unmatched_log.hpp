// Requests the cascade could not answer (tier 6), counted per (service, method, target) so
// an operator can record or seed them (GET /ghost/unmatched). Bounded: beyond `max_keys`
// distinct routes only the overflow counter grows. Sharded; thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gostly::proxy {

struct UnmatchedItem {
  std::string service, method, target;
  std::uint64_t count = 0;
};

class UnmatchedLog {
 public:
  explicit UnmatchedLog(std::size_t max_keys = 10000) : max_keys_(max_keys) {}

  // Returns true the first time a key is seen (the caller may persist it then).
  bool Record(std::string_view service, std::string_view method, std::string_view target);

  // Sorted by count, descending; at most `limit`.
  std::vector<UnmatchedItem> Top(std::size_t limit) const;
  std::uint64_t overflow() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, UnmatchedItem> items;
  };
  static constexpr std::size_t kShards = 16;
  const std::size_t max_keys_;
  std::atomic<std::size_t> keys_{0};
  std::atomic<std::uint64_t> overflow_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace gostly::proxy
