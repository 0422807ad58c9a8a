#include "library/snapshot.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "library/snapshot_test_hooks.hpp"
#include "library/uri_template.hpp"
#include "library/wire.hpp"

namespace gostly::library {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

std::atomic<std::uint64_t> g_key_hash_mask{~std::uint64_t{0}};

// Finaliser from SplitMix64: spreads the body hash over all bits before it is combined.
std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Chained seeds keep the field boundaries significant ("ab"+"c" != "a"+"bc") without
// concatenating into a buffer.
std::uint64_t KeyHash(std::string_view service, std::string_view method, std::string_view target,
                      std::uint64_t body_hash) {
  std::uint64_t h = common::Hash64(service, 0x9e3779b97f4a7c15ULL);
  h = common::Hash64(method, h);
  h = common::Hash64(target, h);
  h = Mix(h ^ Mix(body_hash));
  return h & g_key_hash_mask.load(std::memory_order_relaxed);
}

bool HasLowerCase(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

void UpperCaseInPlace(std::string& s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
}

// Recorded methods are upper-case (DecodeExchangeLine); a client sending "get" is given
// the same answer rather than a miss. The result views either `method` or `buffer`.
std::string_view UpperMethod(std::string_view method, std::string& buffer) {
  if (!HasLowerCase(method)) return method;
  buffer.assign(method);
  UpperCaseInPlace(buffer);
  return buffer;
}

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

struct Replacement {
  std::string_view from;
  std::string_view to;
};

// One left-to-right pass with all replacements at once, so that swapping 1->2 and 2->3
// in the same response never turns a recorded 1 into 3.
std::string ReplaceTokens(std::string_view text, const std::vector<Replacement>& replacements) {
  if (replacements.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (IsTokenChar(text[i]) && (i == 0 || !IsTokenChar(text[i - 1]))) {
      const Replacement* best = nullptr;
      for (const Replacement& r : replacements) {
        std::size_t end = i + r.from.size();
        if (end > text.size() || text.compare(i, r.from.size(), r.from) != 0) continue;
        if (end < text.size() && IsTokenChar(text[end])) continue;
        if (best == nullptr || r.from.size() > best->from.size()) best = &r;
      }
      if (best != nullptr) {
        out += best->to;
        i += best->from.size();
        continue;
      }
    }
    // Copy the rest of this token (or one separator) in one go.
    std::size_t next = i + 1;
    if (IsTokenChar(text[i])) {
      while (next < text.size() && IsTokenChar(text[next])) ++next;
    }
    out.append(text.substr(i, next - i));
    i = next;
  }
  return out;
}

// Packed request side of a key's newest exchange, for List(): the response side is
// re-derived from the pre-serialised wire bytes instead of being stored twice.
class Packer {
 public:
  explicit Packer(std::string& out) : out_(out) { out_.clear(); }
  void U32(std::uint32_t v) {
    char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    out_.append(bytes, sizeof v);
  }
  void F64(double v) {
    char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    out_.append(bytes, sizeof v);
  }
  void Bytes(std::string_view s) {
    // Invariant: recorded fields are far below 4 GiB (a JSON Lines record this size
    // could not have been loaded).
    assert(s.size() < kNone);
    U32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }

 private:
  std::string& out_;
};

class Unpacker {
 public:
  explicit Unpacker(std::string_view in) : in_(in) {}
  std::uint32_t U32() {
    std::uint32_t v = 0;
    std::memcpy(&v, Take(sizeof v).data(), sizeof v);
    return v;
  }
  double F64() {
    double v = 0;
    std::memcpy(&v, Take(sizeof v).data(), sizeof v);
    return v;
  }
  std::string_view Bytes() { return Take(U32()); }

 private:
  std::string_view Take(std::size_t n) {
    // Invariant: the input was written by Packer in this file with the same field order.
    assert(pos_ + n <= in_.size());
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view in_;
  std::size_t pos_ = 0;
};

// Small immutable byte strings (keys, listings) packed into large blocks: one malloc per
// megabyte instead of one or two per key, which matters at a million keys both for the
// allocator's per-chunk overhead and for how much of the heap can be returned after Build.
class ByteArena {
 public:
  std::string_view Copy(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (bytes.size() > kBlockSize / 8) {
      // Rare large items get a block of their own rather than wasting a block's tail.
      blocks_.emplace_back(new char[bytes.size()]);
      std::memcpy(blocks_.back().get(), bytes.data(), bytes.size());
      return {blocks_.back().get(), bytes.size()};
    }
    if (current_ == nullptr || used_ + bytes.size() > kBlockSize) {
      blocks_.emplace_back(new char[kBlockSize]);
      current_ = blocks_.back().get();
      used_ = 0;
    }
    char* at = current_ + used_;
    std::memcpy(at, bytes.data(), bytes.size());
    used_ += bytes.size();
    return {at, bytes.size()};
  }

 private:
  static constexpr std::size_t kBlockSize = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* current_ = nullptr;
  std::size_t used_ = 0;
};

struct Group {
  std::uint64_t hash = 0;
  std::uint64_t body_hash = 0;
  std::string_view method;   // in Impl::arena
  std::string_view target;   // normalised; in Impl::arena
  std::string_view listing;  // see Packer; in Impl::arena
  std::uint32_t service = 0;
  std::uint32_t first_response = 0;
  std::uint32_t response_count = 0;
  RepeatPolicy policy = RepeatPolicy::kSequence;
  // Mutable inside an immutable snapshot: the only state readers change, lock-free.
  mutable std::atomic<std::uint32_t> position{0};
};

struct SwapEntry {
  std::string template_path;
  std::string recorded_path;
  int status = 0;
  common::HeaderList headers;
  std::string body;
};

// Open addressing over group indices, linear probing. Each slot keeps the upper half of
// the key hash so most probes that miss never touch a Group.
class GroupTable {
 public:
  template <typename Matches>
  std::uint32_t Find(std::uint64_t hash, Matches&& matches) const {
    if (slots_.empty()) return kNone;
    const auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.group == kNone) return kNone;
      if (slot.tag == tag && matches(slot.group)) return slot.group;
    }
  }

  // `hash_of(group)` must return the hash a group was inserted with; used to rehash.
  template <typename HashOf>
  void Insert(std::uint64_t hash, std::uint32_t group, HashOf&& hash_of) {
    // Load factor at most 1/2 keeps probe sequences short.
    if (2 * (size_ + 1) > slots_.size()) {
      std::vector<Slot> old = std::move(slots_);
      slots_.assign(std::max<std::size_t>(16, old.size() * 2), Slot{});
      mask_ = slots_.size() - 1;
      for (const Slot& slot : old) {
        if (slot.group != kNone) Place(hash_of(slot.group), slot.group);
      }
    }
    Place(hash, group);
    ++size_;
  }

 private:
  struct Slot {
    std::uint32_t group = kNone;
    std::uint32_t tag = 0;
  };
  void Place(std::uint64_t hash, std::uint32_t group) {
    std::size_t i = hash & mask_;
    while (slots_[i].group != kNone) i = (i + 1) & mask_;
    slots_[i] = Slot{group, static_cast<std::uint32_t>(hash >> 32)};
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

// Swap index key: service, method and template joined by NULs (none of them can hold one
// in a valid request line).
void SwapKeyInto(std::string_view service, std::string_view method, std::string_view tmpl,
                 std::string& out) {
  out.clear();
  out.append(service);
  out += '\0';
  out.append(method);
  out += '\0';
  out.append(tmpl);
}

bool HasBody(int status) { return !(status < 200 || status == 204 || status == 304); }

std::size_t DecimalDigits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace

namespace test_hooks {

ScopedKeyHashMask::ScopedKeyHashMask(std::uint64_t mask)
    : previous_(g_key_hash_mask.exchange(mask, std::memory_order_relaxed)) {}

ScopedKeyHashMask::~ScopedKeyHashMask() {
  g_key_hash_mask.store(previous_, std::memory_order_relaxed);
}

}  // namespace test_hooks

common::Result<RepeatPolicy> ParseRepeatPolicy(std::string_view name) {
  if (EqualsIgnoreCase(name, "sequence")) return RepeatPolicy::kSequence;
  if (EqualsIgnoreCase(name, "cycle")) return RepeatPolicy::kCycle;
  if (EqualsIgnoreCase(name, "first")) return RepeatPolicy::kFirst;
  if (EqualsIgnoreCase(name, "last")) return RepeatPolicy::kLast;
  return common::MakeError("unknown repeat policy '" + std::string(name) +
                           "' (expected sequence, cycle, first or last)");
}

std::string_view ToString(RepeatPolicy policy) {
  switch (policy) {
    case RepeatPolicy::kSequence:
      return "sequence";
    case RepeatPolicy::kCycle:
      return "cycle";
    case RepeatPolicy::kFirst:
      return "first";
    case RepeatPolicy::kLast:
      return "last";
  }
  return "sequence";
}

struct Snapshot::Impl {
  std::unordered_map<std::string, LatencyFit> latency_fits;  // service\0method\0template
  std::string exact_header;
  std::string swap_header;
  bool smart_swap = true;
  std::size_t exchange_count = 0;

  ByteArena arena;                    // backs the views in Group
  std::vector<std::string> services;  // interned; Group::service indexes it
  std::vector<std::string> sessions;  // interned; referenced from Group::listing
  // A deque because Group holds an atomic (not movable); it never grows after Build.
  std::deque<Group> groups;
  std::vector<MockResponse> responses;  // each group's sequence is a contiguous range
  GroupTable table;

  std::unordered_map<std::string, std::uint32_t> swap_index;
  std::vector<SwapEntry> swaps;
};

Snapshot::Snapshot() : impl_(std::make_unique<Impl>()) {}
Snapshot::~Snapshot() = default;

std::shared_ptr<const Snapshot> Snapshot::Empty() {
  static const std::shared_ptr<const Snapshot> empty(new Snapshot());
  return empty;
}

std::shared_ptr<const Snapshot> Snapshot::Build(std::vector<Exchange> exchanges,
                                                const Options& options) {
  std::shared_ptr<Snapshot> snapshot(new Snapshot());
  Impl& im = *snapshot->impl_;
  im.exact_header = options.exact_header;
  im.swap_header = options.swap_header;
  im.smart_swap = options.smart_swap;
  im.exchange_count = exchanges.size();
  // Invariant: indices are 32-bit to keep per-entry overhead small; a library with four
  // billion exchanges would not fit in memory anyway.
  assert(exchanges.size() < kNone);
  const auto n = static_cast<std::uint32_t>(exchanges.size());

  std::unordered_map<std::string, std::uint32_t> service_ids;
  std::vector<RepeatPolicy> service_policies;
  std::unordered_map<std::string, std::uint32_t> session_ids;
  auto intern = [](std::unordered_map<std::string, std::uint32_t>& ids,
                   std::vector<std::string>& names, const std::string& name) {
    auto [it, added] = ids.try_emplace(name, static_cast<std::uint32_t>(names.size()));
    if (added) names.push_back(name);
    return it->second;
  };

  // Pass 1: group exchanges by key. Each group's exchanges are chained through `next`,
  // in input order, so compaction can pick the newest session afterwards.
  std::vector<std::uint32_t> next(n, kNone);
  std::vector<std::uint32_t> head;
  std::vector<std::uint32_t> tail;
  std::unordered_map<std::string, std::uint32_t> newest_by_template;  // swap key -> group
  // swap key -> (samples, sum of ln ms, sum of squares), for Options::fit_latency
  std::unordered_map<std::string, std::tuple<std::uint32_t, double, double>> latency_sums;
  std::string target;
  std::string swap_key;
  auto hash_of = [&im](std::uint32_t g) { return im.groups[g].hash; };
  for (std::uint32_t i = 0; i < n; ++i) {
    Exchange& ex = exchanges[i];
    UpperCaseInPlace(ex.method);
    NormalizeTargetInto(ex.uri, target);
    const std::uint64_t body_hash = common::BodyHash(ex.request_body);
    const std::uint32_t service = intern(service_ids, im.services, ex.service);
    if (service == service_policies.size()) {
      service_policies.push_back(options.policy ? options.policy(ex.service)
                                                : RepeatPolicy::kSequence);
    }
    const std::uint64_t hash = KeyHash(ex.service, ex.method, target, body_hash);
    std::uint32_t g = im.table.Find(hash, [&](std::uint32_t candidate) {
      const Group& group = im.groups[candidate];
      return group.hash == hash && group.body_hash == body_hash && group.service == service &&
             group.method == ex.method && group.target == target;
    });
    if (g == kNone) {
      g = static_cast<std::uint32_t>(im.groups.size());
      Group& group = im.groups.emplace_back();
      group.hash = hash;
      group.body_hash = body_hash;
      group.method = im.arena.Copy(ex.method);
      group.target = im.arena.Copy(target);
      group.service = service;
      group.policy = service_policies[service];
      head.push_back(i);
      tail.push_back(i);
      im.table.Insert(hash, g, hash_of);
    } else {
      next[tail[g]] = i;
      tail[g] = i;
    }
    if (options.fit_latency && ex.latency_ms > 0) {
      SwapKeyInto(ex.service, ex.method, TemplatePath(ex.uri), swap_key);
      auto& [samples, sum, sum_sq] = latency_sums[swap_key];
      const double ln = std::log(ex.latency_ms);
      ++samples;
      sum += ln;
      sum_sq += ln * ln;
    }
    if (im.smart_swap) {
      std::string tmpl = TemplatePath(ex.uri);
      // A variable segment is always rewritten to a placeholder, so an unchanged path has
      // none and cannot be a swap template.
      if (tmpl != PathOf(ex.uri)) {
        SwapKeyInto(ex.service, ex.method, tmpl, swap_key);
        newest_by_template[swap_key] = g;
      }
    }
  }

  for (const auto& [key, sums] : latency_sums) {
    const auto& [samples, sum, sum_sq] = sums;
    const double mu = sum / samples;
    const double variance =
        samples > 1 ? std::max(0.0, (sum_sq - samples * mu * mu) / (samples - 1)) : 0.0;
    im.latency_fits.emplace(key, LatencyFit{mu, std::sqrt(variance), samples});
  }
  latency_sums.clear();

  // The session of a key's last exchange wins; count its exchanges so the response array
  // is allocated once.
  std::size_t response_total = 0;
  for (std::uint32_t g = 0; g < im.groups.size(); ++g) {
    const std::string& winner = exchanges[tail[g]].recording_session_id;
    std::uint32_t count = 0;
    for (std::uint32_t i = head[g]; i != kNone; i = next[i]) {
      if (exchanges[i].recording_session_id == winner) ++count;
    }
    im.groups[g].response_count = count;
    response_total += count;
  }
  im.responses.reserve(response_total);

  // Swap representatives keep a copy of their first response: exchanges die with Build.
  im.swaps.reserve(newest_by_template.size());
  for (auto& [key, g] : newest_by_template) {
    const std::string& winner = exchanges[tail[g]].recording_session_id;
    std::uint32_t first = head[g];
    while (exchanges[first].recording_session_id != winner) first = next[first];
    const Exchange& ex = exchanges[first];
    SwapEntry entry;
    entry.template_path = key.substr(key.rfind('\0') + 1);
    entry.recorded_path = std::string(PathOf(ex.uri));
    entry.status = ex.status;
    entry.headers = ex.response_headers;
    entry.body = ex.response_body;
    im.swap_index.emplace(key, static_cast<std::uint32_t>(im.swaps.size()));
    im.swaps.push_back(std::move(entry));
  }
  newest_by_template.clear();

  // Pass 2: serialise each group's winning sequence once. The exchanges are all released
  // together when Build returns, not one by one here: freed in bulk, their memory forms
  // whole free pages the allocator can hand back, instead of holes between live responses.
  std::string listing;
  for (std::uint32_t g = 0; g < im.groups.size(); ++g) {
    Group& group = im.groups[g];
    const std::string& winner = exchanges[tail[g]].recording_session_id;
    group.first_response = static_cast<std::uint32_t>(im.responses.size());
    for (std::uint32_t i = head[g]; i != kNone; i = next[i]) {
      const Exchange& ex = exchanges[i];
      if (ex.recording_session_id != winner) continue;
      MockResponse& response = im.responses.emplace_back();
      response.status = ex.status;
      response.latency_ms = static_cast<float>(ex.latency_ms);
      response.wire =
          SerializeResponse(ex.status, ex.response_headers, ex.response_body, im.exact_header);
      response.body_offset =
          response.wire.size() - (HasBody(ex.status) ? ex.response_body.size() : 0);
    }

    // The newest exchange is the last of the winning sequence, so its response is
    // responses.back(). Offset where its recorded headers end, derived from the layout
    // SerializeResponse writes: headers, extra headers, [Content-Length line], CRLF, body.
    const Exchange& newest = exchanges[tail[g]];
    const MockResponse& served = im.responses.back();
    const bool wire_has_body = HasBody(newest.status);
    std::size_t framing = 2 + (wire_has_body ? 18 + DecimalDigits(newest.response_body.size()) : 0);
    std::size_t headers_end = served.body_offset - framing - im.exact_header.size();
    assert(served.wire.compare(headers_end, im.exact_header.size(), im.exact_header) == 0);

    Packer packer(listing);
    packer.Bytes(newest.timestamp);
    packer.Bytes(newest.uri);
    packer.U32(static_cast<std::uint32_t>(newest.request_headers.size()));
    for (const auto& [name, value] : newest.request_headers) {
      packer.Bytes(name);
      packer.Bytes(value);
    }
    packer.Bytes(newest.request_body);
    packer.F64(newest.latency_ms);
    packer.U32(intern(session_ids, im.sessions, newest.recording_session_id));
    packer.U32(static_cast<std::uint32_t>(headers_end));
    // A body recorded on a status that carries none is not in the wire bytes.
    packer.Bytes(wire_has_body ? std::string_view() : std::string_view(newest.response_body));
    group.listing = im.arena.Copy(listing);
  }
  return snapshot;
}

std::optional<LatencyFit> Snapshot::FindLatencyFit(std::string_view service,
                                                   std::string_view method,
                                                   std::string_view target) const {
  const Impl& im = *impl_;
  if (im.latency_fits.empty()) return std::nullopt;
  thread_local std::string key;
  thread_local std::string method_buffer;
  SwapKeyInto(service, UpperMethod(method, method_buffer), TemplatePath(target), key);
  auto it = im.latency_fits.find(key);
  if (it == im.latency_fits.end()) return std::nullopt;
  return it->second;
}

const MockResponse* Snapshot::FindExact(std::string_view service, std::string_view method,
                                        std::string_view target, std::string_view body) const {
  const Impl& im = *impl_;
  if (im.groups.empty()) return nullptr;
  thread_local std::string normalized;
  thread_local std::string method_buffer;
  NormalizeTargetInto(target, normalized);
  const std::string_view upper_method = UpperMethod(method, method_buffer);
  const std::uint64_t body_hash = common::BodyHash(body);
  const std::uint64_t hash = KeyHash(service, upper_method, normalized, body_hash);
  const std::uint32_t g = im.table.Find(hash, [&](std::uint32_t candidate) {
    const Group& group = im.groups[candidate];
    return group.hash == hash && group.body_hash == body_hash && group.method == upper_method &&
           group.target == normalized && im.services[group.service] == service;
  });
  if (g == kNone) return nullptr;

  const Group& group = im.groups[g];
  const std::uint32_t count = group.response_count;
  std::uint32_t index = 0;
  // A single response needs no position, and skipping the atomic keeps hot keys from
  // contending on one cache line.
  if (count > 1) {
    switch (group.policy) {
      case RepeatPolicy::kSequence: {
        // Stop advancing at the last response so the counter cannot wrap back to 0.
        std::uint32_t pos = group.position.load(std::memory_order_relaxed);
        if (pos < count - 1) pos = group.position.fetch_add(1, std::memory_order_relaxed);
        index = std::min(pos, count - 1);
        break;
      }
      case RepeatPolicy::kCycle:
        index = group.position.fetch_add(1, std::memory_order_relaxed) % count;
        break;
      case RepeatPolicy::kFirst:
        index = 0;
        break;
      case RepeatPolicy::kLast:
        index = count - 1;
        break;
    }
  }
  return &im.responses[group.first_response + index];
}

std::optional<SwapResult> Snapshot::FindSwap(std::string_view service, std::string_view method,
                                             std::string_view target) const {
  const Impl& im = *impl_;
  if (!im.smart_swap || im.swaps.empty()) return std::nullopt;
  std::string tmpl = TemplatePath(target);
  thread_local std::string method_buffer;
  thread_local std::string key;
  SwapKeyInto(service, UpperMethod(method, method_buffer), tmpl, key);
  auto it = im.swap_index.find(key);
  if (it == im.swap_index.end()) return std::nullopt;
  const SwapEntry& entry = im.swaps[it->second];

  // Equal templates have the same segments, with literals equal, so walking both paths in
  // step pairs each recorded variable value with the request's.
  std::vector<Replacement> replacements;
  std::string_view recorded = entry.recorded_path;
  std::string_view requested = PathOf(target);
  std::size_t r = 0;
  std::size_t q = 0;
  while (r <= recorded.size() && q <= requested.size()) {
    std::size_t r_end = std::min(recorded.find('/', r), recorded.size());
    std::size_t q_end = std::min(requested.find('/', q), requested.size());
    std::string_view from = recorded.substr(r, r_end - r);
    std::string_view to = requested.substr(q, q_end - q);
    if (from != to && ClassifySegment(from) != SegmentClass::kLiteral) {
      const bool known = std::any_of(replacements.begin(), replacements.end(),
                                     [&](const Replacement& x) { return x.from == from; });
      if (!known) replacements.push_back({from, to});
    }
    r = r_end + 1;
    q = q_end + 1;
  }

  common::HeaderList headers = entry.headers;
  for (auto& [name, value] : headers) {
    if (EqualsIgnoreCase(name, "location")) value = ReplaceTokens(value, replacements);
  }
  const std::string body = ReplaceTokens(entry.body, replacements);
  SwapResult result;
  result.wire = SerializeResponse(entry.status, headers, body, im.swap_header);
  result.status = entry.status;
  result.template_path = std::move(tmpl);
  return result;
}

std::size_t Snapshot::key_count() const { return impl_->groups.size(); }
std::size_t Snapshot::exchange_count() const { return impl_->exchange_count; }
std::size_t Snapshot::template_count() const { return impl_->swaps.size(); }

std::vector<Exchange> Snapshot::List(std::size_t offset, std::size_t limit) const {
  const Impl& im = *impl_;
  std::vector<Exchange> out;
  if (offset >= im.groups.size()) return out;
  const std::size_t end = offset + std::min(limit, im.groups.size() - offset);
  out.reserve(end - offset);
  for (std::size_t g = offset; g < end; ++g) {
    const Group& group = im.groups[g];
    const MockResponse& response = im.responses[group.first_response + group.response_count - 1];
    Unpacker unpacker(group.listing);
    Exchange& ex = out.emplace_back();
    ex.timestamp = unpacker.Bytes();
    ex.service = im.services[group.service];
    ex.method = group.method;
    ex.uri = unpacker.Bytes();
    const std::uint32_t header_count = unpacker.U32();
    ex.request_headers.reserve(header_count);
    for (std::uint32_t h = 0; h < header_count; ++h) {
      std::string name(unpacker.Bytes());
      ex.request_headers.emplace_back(std::move(name), unpacker.Bytes());
    }
    ex.request_body = unpacker.Bytes();
    ex.latency_ms = unpacker.F64();
    ex.recording_session_id = im.sessions[unpacker.U32()];
    const std::uint32_t headers_end = unpacker.U32();
    std::string_view unserved_body = unpacker.Bytes();

    ex.status = response.status;
    std::string_view wire = response.wire;
    std::size_t line = wire.find("\r\n") + 2;
    while (line < headers_end) {
      std::size_t line_end = wire.find("\r\n", line);
      std::string_view header = wire.substr(line, line_end - line);
      std::size_t colon = header.find(':');
      std::string_view value = header.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      ex.response_headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
      line = line_end + 2;
    }
    ex.response_body = HasBody(response.status) ? response.body() : unserved_body;
  }
  return out;
}

}  // namespace gostly::library
