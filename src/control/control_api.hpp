// The control plane's REST API under /v1 (DESIGN §6): mode, services (with their chaos and
// statechart overrides), mocks, traffic, unmatched requests, audit log, API keys,
// transitions, export, /healthz and the OpenAPI document of all of it.
//
// Authentication: X-API-Key, either the bootstrap key (GHOST_API_KEY, compared in constant
// time; admin on the default tenant) or a key issued by POST /v1/api-keys (looked up by its
// SHA-256; its tenant and role apply). Without GHOST_API_KEY a request that sends no key
// is an admin of the default tenant (local development); a key that is sent is always
// checked. POSTs honour Idempotency-Key. Every list is paginated (cursor, limit ≤ 1000).
//
// Thread-safe: handlers run concurrently on the server's threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "control/api_router.hpp"
#include "control/proxy_link.hpp"
#include "control/transition_runner.hpp"
#include "scrub/scrubber.hpp"
#include "store/store.hpp"

namespace gostly::control {

struct ControlApiOptions {
  std::filesystem::path data_dir;
  std::string bootstrap_api_key;  // GHOST_API_KEY; empty = none
  std::string version = "0.1.0";
};

class ControlApi {
 public:
  ControlApi(ControlApiOptions options, store::Store& store, const ProxyLink& link,
             TransitionRunner& transitions, TransitionRunner::ScrubberFor scrubber);
  ~ControlApi();  // waits for asynchronous seed jobs still running
  ControlApi(const ControlApi&) = delete;
  ControlApi& operator=(const ControlApi&) = delete;

  // The server's entry point: authenticates, dispatches, applies idempotency.
  ApiResponse Handle(ApiRequest& request);

  // Pushes the store's services to the proxy's route table (at start-up and after changes).
  common::Status PushRoutes(const std::string& tenant);
  // Adds the proxy's unmatched counts seen since the last sync to the store.
  common::Status SyncUnmatched(const std::string& tenant);

  const ApiRouter& router() const { return router_; }

 private:
  void Register();
  void Authenticate(ApiRequest& request, Access access) const;

  ApiResponse Health(ApiRequest& request);
  ApiResponse GetMode(ApiRequest& request);
  ApiResponse SetMode(ApiRequest& request);
  ApiResponse ListServices(ApiRequest& request);
  ApiResponse GetService(ApiRequest& request);
  ApiResponse PutService(ApiRequest& request, bool create);
  ApiResponse DeleteService(ApiRequest& request);
  // /v1/services/{id}/chaos and …/statecharts: GET; PUT replaces (`clear` false) and DELETE
  // clears (`clear` true); every change is stored, audited and pushed to the proxy.
  // The service a chaos or statechart sub-resource addresses: the stored one, or for
  // "default" (the proxy's default route) a rule-less record not stored yet. 404 otherwise.
  store::ServiceRecord ServiceForBehaviour(ApiRequest& request);
  ApiResponse GetServiceChaos(ApiRequest& request);
  ApiResponse SetServiceChaos(ApiRequest& request, bool clear);
  ApiResponse GetServiceStatecharts(ApiRequest& request);
  ApiResponse SetServiceStatecharts(ApiRequest& request, bool clear);
  ApiResponse ListMocks(ApiRequest& request);
  ApiResponse GetMock(ApiRequest& request);
  ApiResponse CreateMock(ApiRequest& request);
  ApiResponse EditMock(ApiRequest& request);
  ApiResponse DeleteMock(ApiRequest& request);
  ApiResponse ListTraffic(ApiRequest& request);
  ApiResponse ListUnmatched(ApiRequest& request);
  ApiResponse ListAudit(ApiRequest& request);
  ApiResponse ListApiKeys(ApiRequest& request);
  ApiResponse CreateApiKey(ApiRequest& request);
  ApiResponse RevokeApiKey(ApiRequest& request);
  ApiResponse StartTransition(ApiRequest& request);
  ApiResponse TransitionStatus(ApiRequest& request);
  ApiResponse ListJobs(ApiRequest& request);
  ApiResponse Export(ApiRequest& request);
  // POST /v1/seed/{format}: the file is the body; service and dry_run as query parameters.
  // With ?async=true: 202 and a job polled through GET /v1/seed/jobs/{id} (progress by phase).
  ApiResponse Seed(ApiRequest& request, const std::string& format);
  ApiResponse SeedJobStatus(ApiRequest& request);
  struct SeedJob;
  // The seeding itself: import, scrub and seal, store, push to the proxy. Throws ApiError
  // for bad input. `job` (may be null) receives the phase and progress.
  boost::json::object RunSeed(const ApiRequest& request, const std::string& format,
                              SeedJob* job);

  void Audit(const ApiRequest& request, std::string action, std::string target,
             std::string detail_json = "{}");

  ControlApiOptions options_;
  store::Store& store_;
  const ProxyLink& link_;
  TransitionRunner& transitions_;
  TransitionRunner::ScrubberFor scrubber_;
  ApiRouter router_;
  std::mutex seed_jobs_mu_;
  std::map<std::string, std::shared_ptr<SeedJob>> seed_jobs_;  // by id, the last 100 kept
  std::vector<std::thread> seed_threads_;                         // joined by the destructor

  std::mutex unmatched_mu_;
  std::map<std::string, std::int64_t> unmatched_seen_;  // (tenant, service, method, uri) -> count
};

}  // namespace gostly::control
