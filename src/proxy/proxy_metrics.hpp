// The proxy's metric handles, every DESIGN §9 family registered at start-up so a scrape
// shows them from the first second, and resolved once so requests never look a name up.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/metrics.hpp"

namespace gostly::proxy {

enum class MatchType : std::size_t {
  kSessionVerbatim,
  kExact,
  kResourceStore,
  kSmartSwap,
  kGeneratedCached,
  kMiss,
  kLearn,
  kPassthrough,
  kTransitioning,
  kChaos,
  kSequence,  // an explicit sequence (/ghost/sequences), first in the MOCK cascade
  kCount
};

std::string_view ToString(MatchType type);

// Route label of the HTTP families: proxied traffic or one of the admin surfaces.
enum class RouteKind : std::size_t { kProxy, kAdmin, kHealth, kMetrics, kCount };

struct ProxyMetrics {
  explicit ProxyMetrics(common::MetricsRegistry& registry);

  void CountRequest(MatchType type) { requests[static_cast<std::size_t>(type)]->Inc(); }
  void ObserveHttp(RouteKind route, int status, double seconds);
  // gostly_resource_store_total{op=…}: read, create, update, delete, transition, refused,
  // gone (a read of a deleted resource), recorded (LEARN).
  void CountResource(std::string_view op);
  // gostly_chaos_total{effect=…}: latency, error, reset, empty, malformed, dribble.
  void CountChaos(std::string_view effect);

  common::MetricsRegistry& registry;
  std::array<common::Counter*, static_cast<std::size_t>(MatchType::kCount)> requests{};
  common::Gauge* library_size;
  std::vector<std::pair<std::string, common::Counter*>> resource_ops;
  std::vector<std::pair<std::string, common::Counter*>> chaos_effects;
  common::Counter* learned_latency_count;  // MOCK answers delayed by learned latency
  common::Counter* learned_latency_ms;     // the milliseconds they waited, summed
  common::Counter* io_errors_capture;
  common::Counter* io_errors_load;
  common::Counter* io_errors_persist;
  // [route][status class 1..5 -> 0..4]
  std::array<std::array<common::Counter*, 5>, static_cast<std::size_t>(RouteKind::kCount)>
      http_requests{};
  std::array<common::Histogram*, static_cast<std::size_t>(RouteKind::kCount)> http_latency{};
  common::Gauge* inference_queue_depth;
  common::Counter* inference_queue_dropped;
  common::Gauge* license_state_free;
  common::Gauge* tls_state_disabled;
  common::Gauge* capture_queue_depth;
  common::Counter* capture_rejected;
  common::Counter* bad_requests;
};

}  // namespace gostly::proxy
