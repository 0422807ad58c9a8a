#include "proxy/session_store.hpp"

#include "common/body_codec.hpp"
#include "library/uri_template.hpp"

namespace gostly::proxy {

std::uint64_t SessionStore::KeyHash(std::string_view service, std::string_view method,
                                    std::string_view normalised, std::uint64_t body_hash) const {
  std::uint64_t h = common::Hash64(service, body_hash);
  h = common::Hash64(method, h);
  return common::Hash64(normalised, h);
}

SessionStore::Entry* SessionStore::FindEntry(Shard& shard, std::uint64_t hash,
                                             std::string_view service, std::string_view method,
                                             std::string_view normalised,
                                             std::uint64_t body_hash) {
  auto [begin, end] = shard.map.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    Entry& e = it->second;
    if (e.service == service && e.method == method && e.target == normalised &&
        e.body_hash == body_hash) {
      return &e;
    }
  }
  return nullptr;
}

void SessionStore::Add(std::string_view service, std::string_view method,
                       std::string_view target, std::string_view body, std::string wire) {
  std::string normalised = library::NormalizeTarget(target);
  std::uint64_t body_hash = common::BodyHash(body);
  std::uint64_t h = KeyHash(service, method, normalised, body_hash);
  auto& shard = shards_[h % kShards];
  std::lock_guard lock(shard.mu);
  if (Entry* e = FindEntry(shard, h, service, method, normalised, body_hash)) {
    auto response = std::make_shared<const std::string>(std::move(wire));
    if (e->responses.size() < kMaxResponsesPerKey) {
      e->responses.push_back(std::move(response));
    } else {
      e->responses.back() = std::move(response);
    }
    return;
  }
  if (count_.load(std::memory_order_relaxed) >= max_entries_) return;
  Entry e{std::string(service), std::string(method), std::move(normalised), body_hash, {}, 0};
  e.responses.push_back(std::make_shared<const std::string>(std::move(wire)));
  shard.map.emplace(h, std::move(e));
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const std::string> SessionStore::Find(std::string_view service,
                                                      std::string_view method,
                                                      std::string_view target,
                                                      std::string_view body,
                                                      library::RepeatPolicy policy) {
  thread_local std::string normalised;
  library::NormalizeTargetInto(target, normalised);
  std::uint64_t body_hash = common::BodyHash(body);
  std::uint64_t h = KeyHash(service, method, normalised, body_hash);
  auto& shard = shards_[h % kShards];
  std::lock_guard lock(shard.mu);
  Entry* e = FindEntry(shard, h, service, method, normalised, body_hash);
  if (e == nullptr) return nullptr;
  const std::size_t n = e->responses.size();
  std::size_t idx = 0;
  switch (policy) {
    case library::RepeatPolicy::kSequence:
      idx = std::min<std::size_t>(e->position, n - 1);
      break;
    case library::RepeatPolicy::kCycle:
      idx = e->position % n;
      break;
    case library::RepeatPolicy::kFirst:
      idx = 0;
      break;
    case library::RepeatPolicy::kLast:
      idx = n - 1;
      break;
  }
  // A sequence stops advancing at its last response, so the position cannot wrap to 0.
  if (policy != library::RepeatPolicy::kSequence || e->position < n) ++e->position;
  return e->responses[idx];
}

void SessionStore::Clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    count_.fetch_sub(shard.map.size(), std::memory_order_relaxed);
    shard.map.clear();
  }
}

}  // namespace gostly::proxy
