// The resource store of stateful mocks (DESIGN §3 tier 3, §12).
//
// LEARN: a 2xx POST/PUT/PATCH to a collection or one of its items whose JSON
// object response carries an id (`id`, `_id`, `{singular}_id`, in nested objects up to depth
// 3) is a recorded resource of (service, collection, id); the proxy appends it to
// resources/{service}.jsonl and loads that file at start.
//
// MOCK: GET /collection/{id} serves the resource; POST /collection creates one shaped like
// the recorded ones (the newest as template, the request's fields over it) with a fresh id
// of the same format (`ch_…` prefix and length, UUID, integer); PUT/PATCH (and Stripe-style
// POST /collection/{id}) update it; DELETE removes it (a later GET is 404);
// POST /collection/{id}/{action} or PATCH with {"action": …} moves it through the
// collection's statechart (409 naming the legal actions when illegal).
//
// What MOCK changes lives in an overlay over the recorded resources, in memory only: a
// restart or Reset() returns to what was recorded, so test runs start from the same state.
// Precedence: mutations on a known collection, and reads of a resource the overlay changed,
// are answered before the exact tier (state beats replay); reads of untouched recorded
// resources come after it, as the cascade orders them.
//
// Thread-safe (a shared mutex; reads share it). Empty stores cost one relaxed atomic load.
// Fresh ids come from a seeded generator: the same seed and requests give the same ids.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "state/statechart.hpp"

namespace gostly::state {

// Key → body for many small records, built for reads: keys and bodies side by side in one
// arena, an open-addressing table of (hash, offset) slots. A read touches one slot and one
// arena spot. Replacing a key appends the new body (the old bytes stay until Clear).
class FlatStringMap {
 public:
  // True when the key was new.
  bool Put(std::string_view key, std::string_view body);
  std::optional<std::string_view> Find(std::string_view key) const;
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint64_t offset = 0;  // into arena_: key, then body
    std::uint32_t key_size = 0;
    std::uint32_t body_size = 0;
    bool used = false;
  };
  std::size_t Probe(std::uint64_t hash, std::string_view key) const;  // slot index
  void Grow();

  std::vector<Slot> slots_ = std::vector<Slot>(1024);
  std::string arena_;
  std::size_t size_ = 0;
};

// One recorded resource, as a line of resources/{service}.jsonl.
struct ResourceRecord {
  std::string service;
  std::string collection;  // the collection's path, "/v1/charges"
  std::string id;
  std::string resource;    // a JSON object's text
  int create_status = 0;   // the recorded create's status (POST to the collection), else 0
};
std::string EncodeResourceLine(const ResourceRecord& record);  // one JSON object and '\n'
common::Result<ResourceRecord> DecodeResourceLine(std::string_view line);

struct ResourceReply {
  int status = 200;
  std::string body;        // JSON
  std::string transition;  // the state an action moved to (X-Ghost-Transition), else ""
  std::string op;          // read | create | update | delete | transition | refused | gone
};

class ResourceStore {
 public:
  explicit ResourceStore(std::uint64_t seed = 0);

  // LEARN: the resource an exchange carries, if any; it is also loaded.
  std::optional<ResourceRecord> Observe(std::string_view service, std::string_view method,
                                        std::string_view target, int status,
                                        std::string_view response_body);
  // A recorded resource (from resources/*.jsonl or Observe); the newest wins per id.
  void Load(const ResourceRecord& record);

  // MOCK. `early`: called before the exact tier (answers only mutations and resources the
  // overlay holds); otherwise after it (also serves recorded resources to GET).
  std::optional<ResourceReply> Handle(std::string_view service, std::string_view method,
                                      std::string_view target, std::string_view content_type,
                                      std::string_view body, bool early);

  // Forgets what MOCK changed (the overlay) and reseeds the id generator.
  void Reset();
  // Statecharts of one service, by machine name, over the bundled ones.
  void SetStatecharts(const std::string& service, std::map<std::string, Statechart> charts);
  // The machines in force for a service: its overrides, then the bundled ones not overridden.
  std::vector<Statechart> Statecharts(const std::string& service) const;

  bool empty() const { return recorded_count_.load(std::memory_order_relaxed) == 0; }
  std::size_t recorded() const;  // recorded resources
  std::size_t changed() const;   // overlay entries (created, updated or deleted in MOCK)

 private:
  struct Collection {
    std::string template_body;          // the newest recorded resource
    std::vector<std::string> id_path;   // keys leading to the id in a resource
    bool numeric_id = false;            // the id is a JSON number
    std::int64_t max_int = 0;           // the largest integer id seen (numeric or digits)
    int create_status = 0;
  };
  struct Found;

  std::optional<ResourceReply> Read(const std::string& key, bool early) const;
  std::optional<ResourceReply> Create(const std::string& service, const std::string& collection,
                                      std::string_view content_type, std::string_view body);
  ResourceReply Update(const std::string& key, const std::string& current,
                       std::string_view content_type, std::string_view body, bool replace);
  std::optional<ResourceReply> Transition(const std::string& service,
                                          const std::string& collection, const std::string& key,
                                          const std::string& current, std::string_view action);
  // The live body of a resource (overlay, then recorded); nullopt when absent or deleted.
  std::optional<std::string> Live(const std::string& key) const;
  std::string FreshId(const std::string& coll_key, const Collection& collection,
                      std::string_view example_id);

  mutable std::shared_mutex mu_;
  FlatStringMap recorded_;  // key → body
  std::unordered_map<std::string, Collection> collections_;  // service\x1fcollection → info
  // key → body, or nullopt for deleted. Created resources also add their collection key.
  std::unordered_map<std::string, std::optional<std::string>> overlay_;
  std::unordered_map<std::string, std::int64_t> overlay_max_int_;  // collection key → max
  std::map<std::string, std::map<std::string, Statechart>> charts_;  // service → overrides
  std::atomic<std::size_t> recorded_count_{0};
  std::atomic<std::size_t> overlay_count_{0};
  std::uint64_t seed_;
  std::mt19937_64 rng_;
};

}  // namespace gostly::state
