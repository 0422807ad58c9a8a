// LEARN → MOCK transitions (DESIGN §4): reads traffic/*.jsonl from the last committed offset,
// scrubs every exchange, extracts its URI template, deduplicates by exact-tier key and
// sequence position, and stages the rows in the store in batches (one transaction each).
// Only when everything is staged does one transaction publish them into the library and
// advance the committed offsets, so a failed or interrupted job leaves the store as it was.
//
// The proxy is TRANSITIONING (503 + Retry-After) for the duration, then MOCK; on failure it
// returns to the mode it had, and the job's status carries the reason. The local library
// (mocks/) is not rewritten: it already holds what LEARN recorded, verbatim.
//
// One job runs at a time, on the runner's own thread. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "control/proxy_link.hpp"
#include "scrub/scrubber.hpp"
#include "store/store.hpp"

namespace gostly::control {

struct TransitionOptions {
  std::filesystem::path data_dir;       // traffic/ lives here
  std::size_t batch_size = 2000;        // exchanges per staged transaction
  std::string tenant = store::kDefaultTenant;
};

class TransitionRunner {
 public:
  // The scrubber for a tenant (pseudonym keys are per tenant).
  using ScrubberFor = std::function<const scrub::Scrubber&(const std::string& tenant)>;

  TransitionRunner(TransitionOptions options, store::Store& store, const ProxyLink& link,
                   ScrubberFor scrubber);
  ~TransitionRunner();

  // Creates the job, switches the proxy to TRANSITIONING and starts the work in the
  // background. Fails with kConflict while another job runs or the proxy is already
  // TRANSITIONING; kUnavailable when the proxy or the store cannot be reached.
  common::Result<store::TransitionJob> Start(const std::string& tenant, const std::string& actor);

  // Jobs left pending or running by a crash are rolled back (their staging discarded and
  // the job marked failed with the reason); the proxy never persisted TRANSITIONING, so
  // it restarts in the mode it had. Call once at start-up.
  void RecoverInterrupted(const std::string& tenant);

  // Waits for the running job (if any) to finish, its staging purge included. For shutdown
  // and tests.
  void Join();

  // The id of the job whose work or side effects (mode switch, audit) are still under way;
  // empty when none. Its stored state is not final until this clears.
  std::string ActiveJob() const;

 private:
  void Run(std::string tenant, store::TransitionJob job, std::string actor);
  common::Status Work(const std::string& tenant, store::TransitionJob& job);

  TransitionOptions options_;
  store::Store& store_;
  const ProxyLink& link_;
  ScrubberFor scrubber_;
  mutable std::mutex mu_;
  bool running_ = false;
  std::string active_job_;
  std::thread worker_;
};

}  // namespace gostly::control
