// Tier 1 of the cascade: session-verbatim (DESIGN §3).
//
// RAM-only, un-redacted responses of the current LEARN window, keyed like the exact tier
// (service, method, normalised target, body hash) and replayed byte-for-byte, so
// Set-Cookie/CSRF/OAuth exchanges work offline within a session. Never written to disk;
// cleared on restart and when a new LEARN window starts. Sharded so connections rarely
// share a lock; an atomic count lets MOCK skip the tier entirely while it is empty.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "library/snapshot.hpp"

namespace gostly::proxy {

class SessionStore {
 public:
  explicit SessionStore(std::size_t max_entries = 100000) : max_entries_(max_entries) {}

  // Adds one response (complete wire bytes) to the key's sequence. Beyond max_entries
  // keys, new keys are not added (the exact tier still has them); beyond
  // kMaxResponsesPerKey responses, the newest replaces the last one kept, so a client that
  // polls one URL for hours does not grow the store without bound.
  void Add(std::string_view service, std::string_view method, std::string_view target,
           std::string_view body, std::string wire);

  // The response for this request under `policy`, or nullptr. The returned bytes stay
  // valid until Clear() — callers hold `keep` for the duration of the write.
  std::shared_ptr<const std::string> Find(std::string_view service, std::string_view method,
                                          std::string_view target, std::string_view body,
                                          library::RepeatPolicy policy);

  void Clear();
  bool empty() const { return count_.load(std::memory_order_relaxed) == 0; }
  std::size_t size() const { return count_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    std::string service, method, target;
    std::uint64_t body_hash = 0;
    std::vector<std::shared_ptr<const std::string>> responses;
    std::uint32_t position = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_multimap<std::uint64_t, Entry> map;
  };
  static constexpr std::size_t kShards = 32;
 public:
  static constexpr std::size_t kMaxResponsesPerKey = 256;

 private:
  // Caller holds shard.mu.
  static Entry* FindEntry(Shard& shard, std::uint64_t hash, std::string_view service,
                          std::string_view method, std::string_view normalised,
                          std::uint64_t body_hash);
  std::uint64_t KeyHash(std::string_view service, std::string_view method,
                        std::string_view normalised, std::uint64_t body_hash) const;

  const std::size_t max_entries_;
  std::atomic<std::size_t> count_{0};
  std::array<Shard, kShards> shards_;
};

}  // namespace gostly::proxy
