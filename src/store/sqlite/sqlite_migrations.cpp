#include "store/sqlite/sqlite_migrations.hpp"

#include <chrono>
#include <string>

namespace gostly::store::sqlite {
namespace {

// Times are INTEGER milliseconds since the Unix epoch. Tables are STRICT so a value of the
// wrong type is refused rather than silently stored. Every tenant-scoped table carries
// tenant_id. Internal `pk` columns exist only to give keyset pagination a stable,
// insertion-ordered key; AUTOINCREMENT keeps them (and library entry ids) from being reused
// after a delete.

constexpr const char* kCoreLibrary = R"sql(
CREATE TABLE tenants (
  id         TEXT    PRIMARY KEY,
  name       TEXT    NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

INSERT INTO tenants (id, name, created_at)
VALUES ('default', 'Default', CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

CREATE TABLE services (
  tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
  id             TEXT    NOT NULL,
  host           TEXT    NOT NULL DEFAULT '',
  path_prefix    TEXT    NOT NULL DEFAULT '',
  upstream       TEXT    NOT NULL,
  mode           TEXT    NOT NULL DEFAULT ''
                 CHECK (mode IN ('', 'LEARN', 'MOCK', 'PASSTHROUGH')),
  redact_headers TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(redact_headers)),
  repeat_policy  TEXT    NOT NULL DEFAULT 'sequence'
                 CHECK (repeat_policy IN ('sequence', 'cycle', 'first', 'last')),
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE library_entries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
  service       TEXT    NOT NULL,
  method        TEXT    NOT NULL,
  uri           TEXT    NOT NULL,
  uri_template  TEXT    NOT NULL,
  match_key     TEXT    NOT NULL,
  seq           INTEGER NOT NULL CHECK (seq >= 0),
  status        INTEGER NOT NULL,
  exchange_json TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  scrubbed_at   INTEGER,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (tenant_id, service, match_key, seq)
) STRICT;

CREATE INDEX library_entries_by_tenant ON library_entries (tenant_id, id);
CREATE INDEX library_entries_by_service ON library_entries (tenant_id, service, id);

-- The scrub seal (DESIGN §4) is one-way. An UPDATE, including the DO UPDATE of an upsert,
-- may not clear scrubbed_at once set.
CREATE TRIGGER library_entries_seal_update
BEFORE UPDATE ON library_entries
FOR EACH ROW WHEN OLD.scrubbed_at IS NOT NULL AND NEW.scrubbed_at IS NULL
BEGIN
  SELECT RAISE(ABORT, 'seal: a scrubbed library entry cannot be replaced by an unscrubbed one');
END;

-- The same rule for an INSERT that would replace a sealed row by its key or its id: INSERT
-- OR REPLACE deletes the old row instead of updating it, which the trigger above never sees.
-- (An id left to AUTOINCREMENT reads as -1 here and matches no row; real ids are >= 1.)
CREATE TRIGGER library_entries_seal_insert
BEFORE INSERT ON library_entries
FOR EACH ROW WHEN NEW.scrubbed_at IS NULL AND EXISTS (
  SELECT 1 FROM library_entries AS e
  WHERE e.scrubbed_at IS NOT NULL
    AND (e.id = NEW.id
         OR (e.tenant_id = NEW.tenant_id AND e.service = NEW.service
             AND e.match_key = NEW.match_key AND e.seq = NEW.seq)))
BEGIN
  SELECT RAISE(ABORT, 'seal: a scrubbed library entry cannot be replaced by an unscrubbed one');
END;
)sql";

constexpr const char* kTransitions = R"sql(
CREATE TABLE transition_jobs (
  pk              INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id       TEXT    NOT NULL REFERENCES tenants (id),
  id              TEXT    NOT NULL,
  state           TEXT    NOT NULL
                  CHECK (state IN ('pending', 'running', 'succeeded', 'failed')),
  previous_mode   TEXT    NOT NULL DEFAULT '',
  total_bytes     INTEGER NOT NULL DEFAULT 0,
  read_bytes      INTEGER NOT NULL DEFAULT 0,
  exchanges_read  INTEGER NOT NULL DEFAULT 0,
  entries_staged  INTEGER NOT NULL DEFAULT 0,
  entries_skipped INTEGER NOT NULL DEFAULT 0,
  error           TEXT    NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  finished_at     INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, id)
) STRICT;

CREATE INDEX transition_jobs_newest ON transition_jobs (tenant_id, created_at, pk);

-- What a job has staged but not yet published; the library is untouched until PublishJob.
CREATE TABLE staged_entries (
  pk            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     TEXT    NOT NULL,
  job_id        TEXT    NOT NULL,
  service       TEXT    NOT NULL,
  method        TEXT    NOT NULL,
  uri           TEXT    NOT NULL,
  uri_template  TEXT    NOT NULL,
  match_key     TEXT    NOT NULL,
  seq           INTEGER NOT NULL CHECK (seq >= 0),
  status        INTEGER NOT NULL,
  exchange_json TEXT    NOT NULL,
  source        TEXT    NOT NULL,
  scrubbed_at   INTEGER,
  created_at    INTEGER NOT NULL,
  UNIQUE (tenant_id, job_id, service, match_key, seq),
  FOREIGN KEY (tenant_id, job_id) REFERENCES transition_jobs (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE staged_offsets (
  tenant_id   TEXT    NOT NULL,
  job_id      TEXT    NOT NULL,
  file        TEXT    NOT NULL,
  byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
  PRIMARY KEY (tenant_id, job_id, file),
  FOREIGN KEY (tenant_id, job_id) REFERENCES transition_jobs (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE committed_offsets (
  tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
  file        TEXT    NOT NULL,
  byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, file)
) STRICT;
)sql";

constexpr const char* kControlPlane = R"sql(
CREATE TABLE unmatched_requests (
  pk            INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
  service       TEXT    NOT NULL,
  method        TEXT    NOT NULL,
  uri           TEXT    NOT NULL,
  count         INTEGER NOT NULL CHECK (count >= 0),
  first_seen_at INTEGER NOT NULL,
  last_seen_at  INTEGER NOT NULL,
  UNIQUE (tenant_id, service, method, uri)
) STRICT;

-- Only the SHA-256 of a key is kept; the CHECK refuses anything that is not 64 lower-case
-- hex digits, so a raw key cannot be stored here by mistake.
CREATE TABLE api_keys (
  pk         INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
  id         TEXT    NOT NULL,
  name       TEXT    NOT NULL,
  prefix     TEXT    NOT NULL,
  key_sha256 TEXT    NOT NULL UNIQUE
             CHECK (length(key_sha256) = 64 AND key_sha256 NOT GLOB '*[^0-9a-f]*'),
  role       TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  UNIQUE (tenant_id, id)
) STRICT;

CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id   TEXT    NOT NULL REFERENCES tenants (id),
  at          INTEGER NOT NULL,
  actor       TEXT    NOT NULL,
  action      TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  detail_json TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail_json))
) STRICT;

CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);

-- The audit log is append-only, enforced here rather than trusted to the code. (Triggers
-- also disable SQLite's truncate optimisation, so DELETE without WHERE is caught too.)
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused');
END;

-- INSERT OR REPLACE of an existing id would delete the old event without firing the DELETE
-- trigger. (An id left to AUTOINCREMENT reads as -1 here and matches no row.)
CREATE TRIGGER audit_log_no_replace
BEFORE INSERT ON audit_log
FOR EACH ROW WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
  SELECT RAISE(ABORT, 'audit log is append-only: replacing an event refused');
END;

CREATE TABLE idempotency_keys (
  tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
  idem_key       TEXT    NOT NULL,
  request_sha256 TEXT    NOT NULL,
  status         INTEGER NOT NULL,
  body           TEXT    NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, idem_key)
) STRICT;
)sql";

// Per-service chaos and statechart overrides: JSON text the control plane has
// validated, NULL when the service has none.
constexpr const char* kServiceBehaviour = R"sql(
ALTER TABLE services ADD COLUMN chaos TEXT CHECK (chaos IS NULL OR json_valid(chaos));
ALTER TABLE services ADD COLUMN statecharts TEXT
  CHECK (statecharts IS NULL OR json_valid(statecharts));
)sql";

constexpr Migration kMigrations[] = {
    {1, "tenants, services, library entries and the scrub seal", kCoreLibrary},
    {2, "transition jobs, staging and traffic offsets", kTransitions},
    {3, "unmatched requests, api keys, append-only audit log, idempotency keys", kControlPlane},
    {4, "per-service chaos and statecharts", kServiceBehaviour},
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

int CurrentVersion(Database& db) {
  auto stmt = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  stmt.Step();
  return static_cast<int>(stmt.Int(0));
}

common::Result<int> ApplyMigrations(Database& db) {
  db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version    INTEGER PRIMARY KEY,"
      "  applied_at INTEGER NOT NULL)");
  for (const Migration& migration : kMigrations) {
    // Checked again inside each transaction: another process may be migrating the same
    // file at the same time, and BEGIN IMMEDIATE makes us wait for it.
    Transaction tx(db);
    int current = CurrentVersion(db);
    if (current > LatestVersion()) {
      return common::MakeError("the SQLite database is at schema version " +
                                   std::to_string(current) + ", newer than this binary knows (" +
                                   std::to_string(LatestVersion()) +
                                   "); upgrade gostly, or point it at another database",
                               common::ErrorCode::kFailedPrecondition);
    }
    if (migration.version <= current) continue;
    db.Exec(migration.sql);
    db.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)")
        .BindAll(static_cast<int64_t>(migration.version), NowMs())
        .Run();
    tx.Commit();
  }
  return CurrentVersion(db);
}

}  // namespace gostly::store::sqlite
