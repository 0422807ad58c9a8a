// The immutable serving index of the local library (DESIGN §3 tiers 2 and 4).
//
// Built once from exchanges (e.g. everything under mocks/), then published atomically by
// the proxy (std::shared_ptr<const Snapshot>); readers take no lock. A request in flight
// keeps the snapshot it started with.
//
// Keys: (service, method, NormalizeTarget(uri), common::BodyHash(request body)).
// Compaction: exchanges are given in chronological order (file order). For each key the
// exchanges of the newest recording_session_id win; within that session they form the
// response sequence for repeated identical requests, in order.
// Repeat policy per service: sequence (recorded order, then stick on the last; default),
// cycle, first, last. The position is per key and per snapshot (a reload resets it); it is
// a relaxed atomic, so concurrent requests each get a position.
//
// Smart swap: the newest exchange per (service, method, TemplatePath(uri)) whose template
// has at least one placeholder is the representative. A request whose TemplatePath equals
// it is answered with the representative's first response, where every recorded variable
// value is replaced by the request's value in the body and the Location header, only where
// it appears as a whole token (not preceded or followed by [A-Za-z0-9_-]).
// Lookup cost grows with the request's path length, not with the library size.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "library/exchange.hpp"

namespace gostly::library {

enum class RepeatPolicy { kSequence, kCycle, kFirst, kLast };
common::Result<RepeatPolicy> ParseRepeatPolicy(std::string_view name);  // case-insensitive
std::string_view ToString(RepeatPolicy policy);

// A recorded response, pre-serialised by SerializeResponse with the snapshot's exact-hit
// header line; body() is a view into wire.
struct MockResponse {
  int status = 0;
  float latency_ms = 0;  // the upstream latency LEARN measured for this response
  std::string wire;
  std::size_t body_offset = 0;
  std::string_view body() const { return std::string_view(wire).substr(body_offset); }
  std::string_view head() const { return std::string_view(wire).substr(0, body_offset); }
};

// A route's recorded latencies as a log-normal fit: ln(ms) has mean `mu` and deviation
// `sigma` over `samples` recordings (those with a latency above 0).
struct LatencyFit {
  double mu = 0;
  double sigma = 0;
  std::uint32_t samples = 0;
};

struct SwapResult {
  std::string wire;           // complete response with the swap header line
  int status = 0;
  std::string template_path;  // e.g. "/users/{int}"
};

class Snapshot {
 public:
  struct Options {
    // Policy for a service; unset means kSequence everywhere.
    std::function<RepeatPolicy(std::string_view service)> policy;
    // Header lines added to every exact hit and every swap hit, respectively.
    std::string exact_header = "X-Ghost-Mock: true\r\n";
    std::string swap_header = "X-Ghost-SwapMatch: true\r\n";
    bool smart_swap = true;
    // Fit a latency distribution per (service, method, URI template) for FindLatencyFit.
    bool fit_latency = false;
  };

  static std::shared_ptr<const Snapshot> Build(std::vector<Exchange> exchanges,
                                               const Options& options);
  static std::shared_ptr<const Snapshot> Empty();

  // Exact tier; nullptr on a miss. Allocation-free after warm-up (uses a thread-local
  // buffer for the normalised target). Advances the key's repeat position.
  const MockResponse* FindExact(std::string_view service, std::string_view method,
                                std::string_view target, std::string_view body) const;

  // Smart-swap tier; nullopt on a miss or when smart swap is disabled.
  std::optional<SwapResult> FindSwap(std::string_view service, std::string_view method,
                                     std::string_view target) const;

  // The route's fitted latency (Options::fit_latency); nullopt without recordings.
  std::optional<LatencyFit> FindLatencyFit(std::string_view service, std::string_view method,
                                           std::string_view target) const;

  std::size_t key_count() const;       // distinct exact keys
  std::size_t exchange_count() const;  // exchanges given to Build
  std::size_t template_count() const;  // distinct smart-swap templates

  // Every key's newest exchange, for listing (GET /ghost/mocks): at most `limit`, from
  // `offset`, in key order of first appearance.
  std::vector<Exchange> List(std::size_t offset, std::size_t limit) const;

  ~Snapshot();
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

 private:
  Snapshot();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gostly::library
