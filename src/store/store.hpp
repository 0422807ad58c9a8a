// The store: the scrubbed, sealed copy of the library and everything the control plane
// keeps (DESIGN §4, §6). One interface, two backends: SQLite (embedded default,
// data/gostly.db) and PostgreSQL (DATABASE_URL). The proxy never uses it on the hot path.
//
// Every method is scoped to a tenant; on PostgreSQL the backend sets the per-transaction
// tenant setting that the row-level-security policies read, so a query can only ever see
// its own tenant's rows. Failures come back as Results whose ErrorCode says what they are:
// kUnavailable when the database cannot be reached (callers answer 503 and keep serving),
// kNotFound for unknown ids, kConflict when a rule of the data (the seal, the append-only
// audit log, a unique name) refuses a write, kFailedPrecondition for a schema newer than
// this binary, kInvalidArgument for bad input.
//
// Thread-safety: every method may be called from any thread concurrently; backends
// serialise or pool connections internally. Times are milliseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace gostly::store {

using common::Result;
using common::Status;

inline constexpr const char* kDefaultTenant = "default";

// Keyset pagination: pass the previous page's next_cursor to continue; an empty
// next_cursor means there is nothing more. limit is clamped by the backend to [1, 1000].
struct PageRequest {
  std::string cursor;
  int limit = 100;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

struct Tenant {
  std::string id;
  std::string name;
  int64_t created_at_ms = 0;
};

// A routed service (DESIGN §6): its rule, upstream, optional mode, extra redacted headers,
// and its chaos and statechart overrides, which the control plane validates and the
// store keeps as JSON text.
struct ServiceRecord {
  std::string id;                           // service id, [A-Za-z0-9._-]{1,64}
  std::string host;                         // host rule; empty = none
  std::string path_prefix;                  // path-prefix rule; empty = none
  std::string upstream;                     // base URL
  std::string mode;                         // "" (follow global), LEARN, MOCK, PASSTHROUGH
  std::vector<std::string> redact_headers;  // extra headers beyond the floor
  std::string repeat_policy = "sequence";   // sequence | cycle | first | last
  std::string chaos;                        // a JSON object {"seed", "rules": [...]}; empty = none
  std::string statecharts;                  // a JSON array of statecharts; empty = none
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// One library entry. Its identity is (tenant, service, match_key, seq): match_key is the
// exact-tier key (method, normalised URI, canonical body hash) and seq the position in the
// replay sequence for that key (0 for a single response).
struct LibraryEntry {
  int64_t id = 0;                 // assigned by the store
  std::string service;
  std::string method;
  std::string uri;                // service-relative, scrubbed
  std::string uri_template;       // e.g. /v1/items/{id}; may equal uri
  std::string match_key;
  int seq = 0;
  int status = 0;
  std::string exchange_json;      // the scrubbed exchange, library::EncodeExchangeLine form
                                  // without the trailing newline
  std::string source;             // transition | seed:har | seed:postman | seed:openapi | api ...
  std::optional<int64_t> scrubbed_at_ms;  // set = sealed; nullopt = not yet scrubbed
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct LibraryFilter {
  std::string service;       // exact; empty = any
  std::string method;        // exact; empty = any
  std::string uri_contains;  // substring of uri; empty = any
  int status = 0;            // exact; 0 = any
  bool sealed_only = false;  // only rows with scrubbed_at set (exports use true)
};

// A LEARN → MOCK transition (DESIGN §4). state moves pending → running → succeeded | failed.
struct TransitionJob {
  std::string id;
  std::string state;          // pending | running | succeeded | failed
  std::string previous_mode;  // the proxy mode to return to on failure
  int64_t total_bytes = 0;    // traffic bytes to read when the job started
  int64_t read_bytes = 0;     // traffic bytes read (and staged) so far
  int64_t exchanges_read = 0;
  int64_t entries_staged = 0;   // library rows staged (after dedup)
  int64_t entries_skipped = 0;  // unreadable lines and the like
  std::string error;            // why it failed; empty otherwise
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t finished_at_ms = 0;   // 0 while unfinished
};

// How far a reader has consumed one traffic file, keyed by its path relative to the data
// directory (e.g. "traffic/default.jsonl").
struct TrafficOffset {
  std::string file;
  int64_t offset = 0;
};

// Progress of one staged batch, applied to the job row in the same transaction.
struct BatchProgress {
  int64_t read_bytes = 0;
  int64_t exchanges_read = 0;
  int64_t entries_staged = 0;
  int64_t entries_skipped = 0;
};

struct UnmatchedRequest {
  std::string service;
  std::string method;
  std::string uri;
  int64_t count = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

// An API key. The raw key is never stored: only its SHA-256 (hex) and a short prefix for
// display. role: admin | editor | viewer.
struct ApiKeyRecord {
  std::string id;
  std::string name;
  std::string prefix;      // first characters of the raw key, for display
  std::string key_sha256;  // lower-case hex
  std::string role = "admin";
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};

// An audit event. The audit log is append-only in the database itself: updates and
// deletes are refused by the backend's schema, not only by this interface.
struct AuditEvent {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string actor;        // api key id, "cli", "system"
  std::string action;       // mode.set, service.upsert, mock.delete, transition.start ...
  std::string target;       // what it acted on
  std::string detail_json;  // a JSON object; "{}" when none
};

// A stored answer to a POST carrying Idempotency-Key.
struct IdempotentResponse {
  std::string key;
  std::string request_sha256;  // of method, path and body: a different request reusing
                               // the key is a conflict
  int status = 0;
  std::string body;
  int64_t created_at_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string Backend() const = 0;
  // A cheap round trip; kUnavailable when the database cannot be reached.
  virtual Status Ping() = 0;
  // The schema version this database is at (migrations are applied by OpenStore).
  virtual Result<int> SchemaVersion() = 0;

  // Tenants. The default tenant exists after migration.
  virtual Result<Tenant> CreateTenant(const Tenant& tenant) = 0;
  virtual Result<std::vector<Tenant>> ListTenants() = 0;

  // Services: insert or replace by id.
  virtual Result<ServiceRecord> UpsertService(const std::string& tenant,
                                              const ServiceRecord& service) = 0;
  virtual Result<ServiceRecord> GetService(const std::string& tenant, const std::string& id) = 0;
  virtual Result<Page<ServiceRecord>> ListServices(const std::string& tenant,
                                                   const PageRequest& page) = 0;
  virtual Status DeleteService(const std::string& tenant, const std::string& id) = 0;

  // Library. UpsertEntries inserts or replaces by (service, match_key, seq) in one
  // transaction; the database refuses (kConflict, nothing written) to replace a sealed row
  // with an unsealed one. Returns the stored rows with ids.
  virtual Result<std::vector<LibraryEntry>> UpsertEntries(
      const std::string& tenant, const std::vector<LibraryEntry>& entries) = 0;
  virtual Result<LibraryEntry> GetEntry(const std::string& tenant, int64_t id) = 0;
  virtual Result<Page<LibraryEntry>> ListEntries(const std::string& tenant,
                                                 const LibraryFilter& filter,
                                                 const PageRequest& page) = 0;
  // Replaces one row by id (an edit). The seal rule applies.
  virtual Result<LibraryEntry> UpdateEntry(const std::string& tenant,
                                           const LibraryEntry& entry) = 0;
  virtual Status DeleteEntry(const std::string& tenant, int64_t id) = 0;
  virtual Result<int64_t> CountEntries(const std::string& tenant, const LibraryFilter& filter) = 0;

  // Transition jobs. Staging keeps a failed or interrupted job from touching the library:
  // batches are staged (one transaction each, with the job's progress and its per-file
  // staged offsets), and PublishJob copies everything staged into the library, advances
  // the committed traffic offsets and marks the job succeeded, in one transaction. The
  // published job's staged rows are left for PurgeStaging (garbage collection, off the
  // job's critical path). DiscardJob drops what was staged and marks the job failed.
  virtual Result<TransitionJob> CreateJob(const std::string& tenant,
                                          const TransitionJob& job) = 0;
  virtual Result<TransitionJob> GetJob(const std::string& tenant, const std::string& id) = 0;
  virtual Result<Page<TransitionJob>> ListJobs(const std::string& tenant,
                                               const PageRequest& page) = 0;  // newest first
  // Jobs in state pending or running (left over by a crash), across the tenant.
  virtual Result<std::vector<TransitionJob>> UnfinishedJobs(const std::string& tenant) = 0;
  virtual Status MarkJobRunning(const std::string& tenant, const std::string& id,
                                int64_t total_bytes) = 0;
  virtual Status StageBatch(const std::string& tenant, const std::string& job_id,
                            const std::vector<LibraryEntry>& entries,
                            const std::vector<TrafficOffset>& staged_offsets,
                            const BatchProgress& progress) = 0;
  // Where a job has staged up to, per file (for resuming after a crash).
  virtual Result<std::vector<TrafficOffset>> StagedOffsets(const std::string& tenant,
                                                           const std::string& job_id) = 0;
  virtual Status PublishJob(const std::string& tenant, const std::string& job_id) = 0;
  virtual Status DiscardJob(const std::string& tenant, const std::string& job_id,
                            const std::string& reason) = 0;
  // Removes the staged rows of a finished (succeeded or failed) job; kFailedPrecondition
  // for a job still pending or running. Idempotent.
  virtual Status PurgeStaging(const std::string& tenant, const std::string& job_id) = 0;
  // Committed offsets (advanced only by PublishJob).
  virtual Result<std::vector<TrafficOffset>> CommittedOffsets(const std::string& tenant) = 0;

  // Unmatched requests: counts are added to an existing (service, method, uri) row.
  virtual Status RecordUnmatched(const std::string& tenant,
                                 const std::vector<UnmatchedRequest>& requests) = 0;
  virtual Result<Page<UnmatchedRequest>> ListUnmatched(const std::string& tenant,
                                                       const PageRequest& page) = 0;

  // API keys. FindApiKey looks a hash up across tenants (authentication happens before the
  // tenant is known) and returns the tenant that owns it.
  virtual Result<ApiKeyRecord> CreateApiKey(const std::string& tenant,
                                            const ApiKeyRecord& key) = 0;
  virtual Result<std::pair<std::string, ApiKeyRecord>> FindApiKey(
      const std::string& key_sha256) = 0;
  virtual Result<Page<ApiKeyRecord>> ListApiKeys(const std::string& tenant,
                                                 const PageRequest& page) = 0;
  virtual Status RevokeApiKey(const std::string& tenant, const std::string& id) = 0;

  // Audit log (append-only).
  virtual Result<AuditEvent> AppendAudit(const std::string& tenant, const AuditEvent& event) = 0;
  virtual Result<Page<AuditEvent>> ListAudit(const std::string& tenant,
                                             const PageRequest& page) = 0;  // newest first

  // Idempotency keys. PutIdempotent fails with kConflict when the key exists.
  virtual Result<std::optional<IdempotentResponse>> GetIdempotent(const std::string& tenant,
                                                                  const std::string& key) = 0;
  virtual Status PutIdempotent(const std::string& tenant, const IdempotentResponse& response) = 0;
};

struct StoreOptions {
  // Empty: SQLite at sqlite_path. postgres:// or postgresql://: PostgreSQL.
  std::string database_url;
  std::string sqlite_path = "data/gostly.db";
  // PostgreSQL only: a role allowed to create and alter the schema, used for migrations.
  // Empty: migrations run as database_url's role.
  std::string admin_database_url;
};

// Opens the store, applies pending migrations, and refuses (kFailedPrecondition) a schema
// newer than this binary knows. kUnavailable when the database cannot be reached.
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

// The newest schema version this binary knows, per backend.
int LatestSchemaVersion(const std::string& backend);

}  // namespace gostly::store
