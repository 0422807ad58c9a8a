// Everything the request path reads, owned in one place: configuration, metrics, the mode,
// the capture writer, the session-verbatim store, the unmatched log, and the published
// "view" (library snapshot, route table, miss answer).
//
// The view is immutable and replaced as a whole. Readers call CurrentView(), which checks a
// generation counter (one relaxed atomic load) and otherwise returns the calling thread's
// cached reference: no lock and no shared reference count on the request path. A request
// keeps the view it started with until it finishes, even across a reload.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "common/metrics.hpp"
#include "library/library_loader.hpp"
#include "library/snapshot.hpp"
#include "proxy/capture_writer.hpp"
#include "proxy/forwarder.hpp"
#include "proxy/mode.hpp"
#include "proxy/proxy_config.hpp"
#include "proxy/proxy_metrics.hpp"
#include "proxy/route_table.hpp"
#include "proxy/session_store.hpp"
#include "proxy/unmatched_log.hpp"
#include "state/chaos.hpp"
#include "state/resource_store.hpp"
#include "state/sequence_store.hpp"

namespace gostly::proxy {

struct MissConfig {
  int status = 404;
  std::string body;  // JSON text; empty: the default body naming the route
};

struct ProxyView {
  std::shared_ptr<const library::Snapshot> snapshot;
  std::shared_ptr<const RouteTable> routes;
  std::shared_ptr<const MissConfig> miss;
};

// A thread-local handle on a view; copying it touches only the owning thread's count.
using ViewRef = std::shared_ptr<const std::shared_ptr<const ProxyView>>;

class ProxyState {
 public:
  // Loads routes and the library, creates the data directories. Throws std::runtime_error
  // with an operator-readable message on unrecoverable start-up problems.
  explicit ProxyState(ProxyConfig config);
  ~ProxyState();

  ViewRef CurrentView() const;

  // Rebuilds the library snapshot from mock_dir and publishes it.
  library::LoadReport ReloadLibrary();
  // Replaces the route table (and persists it to routes_file when `persist`), and applies
  // the chaos and statecharts its routes carry to their services (see ApplyRouteConfigs).
  common::Result<bool> SetRoutes(std::vector<Route> routes, bool persist);
  void SetMissConfig(MissConfig miss);

  // The current LEARN window's id; a new one starts whenever the mode becomes LEARN.
  std::string learn_session_id() const;

  const ProxyConfig& config() const { return config_; }
  common::MetricsRegistry& registry() { return registry_; }
  ProxyMetrics& metrics() { return metrics_; }
  ModeController& mode() { return *mode_; }
  CaptureWriter& capture() { return *capture_; }
  SessionStore& session_store() { return session_store_; }
  UnmatchedLog& unmatched() { return unmatched_; }
  Forwarder& forwarder() { return forwarder_; }
  state::ResourceStore& resources() { return resources_; }
  state::SequenceStore& sequences() { return sequences_; }
  state::ChaosEngine& chaos() { return chaos_; }
  // A draw from a log-normal (ln ms ~ N(mu, sigma)) with the proxy's seeded generator.
  double SampleLatency(double mu, double sigma);
  // resources/{service}.jsonl: the resources LEARN recorded (DESIGN §12).
  std::filesystem::path ResourceFile(std::string_view service) const;

  // traffic/{service}.jsonl and mocks/{service}.jsonl. The reference is valid until the
  // calling thread exits (cached per thread); the path it holds, as long as it is shared.
  const CapturePath& TrafficFile(std::string_view service) const;
  const CapturePath& MockFile(std::string_view service) const;

  // Starts the mode-file and library watchers.
  void StartWatching();

 private:
  void Publish(std::shared_ptr<const library::Snapshot> snapshot,
               std::shared_ptr<const RouteTable> routes, std::shared_ptr<const MissConfig> miss);
  // Each route's chaos (replacing the service's rules only when they differ, so a re-pushed
  // table does not restart a seeded run) and statecharts. A service that had a route in
  // `previous` (null at start-up) and has none in `next` loses what that route set.
  void ApplyRouteConfigs(const RouteTable* previous, const RouteTable& next);
  void OnModeChange(Mode from, Mode to);
  void LoadResources();
  void StartLearnWindow();
  std::string LibrarySignature() const;
  void LibraryWatchLoop();

  const std::uint64_t instance_id_;
  ProxyConfig config_;
  common::MetricsRegistry registry_;
  ProxyMetrics metrics_;
  std::unique_ptr<ModeController> mode_;
  std::unique_ptr<CaptureWriter> capture_;
  SessionStore session_store_;
  UnmatchedLog unmatched_;
  Forwarder forwarder_;
  state::ResourceStore resources_;
  state::SequenceStore sequences_;  // $DATA_DIR/sequences.json
  state::ChaosEngine chaos_;
  std::mutex latency_mu_;
  std::mt19937_64 latency_rng_;

  std::mutex routes_mu_;        // one route table installation at a time
  mutable std::mutex view_mu_;  // guards view_ and publication; never taken per request
  std::shared_ptr<const ProxyView> view_;
  std::atomic<std::uint64_t> generation_{1};
  std::mutex reload_mu_;        // one reload at a time
  std::string loaded_signature_;

  mutable std::mutex session_mu_;
  std::string learn_session_id_;

  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stop_ = false;
  std::thread library_watcher_;
};

}  // namespace gostly::proxy
