#include "proxy/unmatched_log.hpp"

#include <algorithm>

#include "common/body_codec.hpp"

namespace gostly::proxy {

bool UnmatchedLog::Record(std::string_view service, std::string_view method,
                          std::string_view target) {
  thread_local std::string key;  // reused: a repeated miss allocates nothing here
  key.clear();
  key.append(service).append(1, ' ').append(method).append(1, ' ').append(target);
  auto& shard = shards_[common::Hash64(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.items.find(key);
  if (it != shard.items.end()) {
    ++it->second.count;
    return false;
  }
  if (keys_.load(std::memory_order_relaxed) >= max_keys_) {
    overflow_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  keys_.fetch_add(1, std::memory_order_relaxed);
  shard.items.emplace(key, UnmatchedItem{std::string(service), std::string(method),
                                                    std::string(target), 1});
  return true;
}

std::vector<UnmatchedItem> UnmatchedLog::Top(std::size_t limit) const {
  std::vector<UnmatchedItem> all;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [k, v] : shard.items) all.push_back(v);
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    if (a.count != b.count) return a.count > b.count;
    return std::tie(a.service, a.method, a.target) < std::tie(b.service, b.method, b.target);
  });
  if (all.size() > limit) all.resize(limit);
  return all;
}

}  // namespace gostly::proxy
