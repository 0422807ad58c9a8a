// The control plane as one object: opens the store (SQLite or PostgreSQL, migrating it),
// builds the per-tenant scrubbers, the link to the proxy, the transition runner and the
// REST API, and serves it on :8000. Used by `gostly control` and `gostly up`.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/control_api.hpp"
#include "control/control_server.hpp"
#include "control/proxy_link.hpp"
#include "control/transition_runner.hpp"
#include "scrub/scrubber.hpp"
#include "store/store.hpp"

namespace gostly::control {

struct ControlPlaneOptions {
  std::filesystem::path data_dir = "./data";
  ServerOptions server;
  store::StoreOptions store;           // sqlite_path defaults to data_dir/gostly.db
  std::string proxy_url = "http://127.0.0.1:8080";
  std::string proxy_api_key;           // the proxy's GHOST_API_KEY
  std::string bootstrap_api_key;       // GHOST_API_KEY for the control API
  std::string scrub_mode = "redact";   // redact | pseudonym (SCRUB_MODE)
  // Secret the per-tenant pseudonym keys derive from (SCRUB_KEY). Empty: DATA_DIR/scrub.key,
  // generated once. Control planes sharing a PostgreSQL store must share it, or the same
  // value gets different pseudonyms on each.
  std::string scrub_key;
  std::vector<std::string> scrub_field_paths;  // SCRUB_FIELD_PATHS, comma-separated
  std::chrono::milliseconds unmatched_sync_interval{10000};
};

class ControlPlane {
 public:
  // Opens the store and builds everything; throws std::runtime_error with an operator-
  // readable message when that is impossible (bad scrub policy, schema too new, …).
  // A database that cannot be reached at start is also fatal: the operator must know.
  explicit ControlPlane(ControlPlaneOptions options);
  ~ControlPlane();

  // Binds (returns the port), recovers interrupted transitions, pushes the stored services
  // to the proxy when there are any, and starts serving.
  std::uint16_t Start();
  void Stop();

  store::Store& store() { return *store_; }

 private:
  const scrub::Scrubber& ScrubberFor(const std::string& tenant);
  void SyncLoop();

  ControlPlaneOptions options_;
  std::unique_ptr<store::Store> store_;
  std::string scrub_master_key_;
  std::mutex scrub_mu_;
  std::map<std::string, std::unique_ptr<scrub::Scrubber>> scrubbers_;
  std::unique_ptr<ProxyLink> link_;
  std::unique_ptr<TransitionRunner> transitions_;
  std::unique_ptr<ControlApi> api_;
  std::unique_ptr<ControlServer> server_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread sync_thread_;
};

}  // namespace gostly::control
