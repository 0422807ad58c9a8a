// PostgreSQL-only behaviour: what the database itself enforces (row-level security, grants,
// triggers), checked with raw SQL as the application role, plus migrations and outages.
// The behaviour every backend shares is in the typed store suite.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "store/postgres/postgres_store.hpp"
#include "support/pg_cluster.hpp"

namespace gostly::store::testing {

test_support::PgCluster* SharedPostgresCluster();  // postgres_backend.cpp

namespace {

using common::ErrorCode;
using test_support::PgCluster;

const std::vector<std::string> kTenantTables = {
    "services",       "library_entries",   "transition_jobs",    "staged_entries",
    "staged_offsets", "committed_offsets", "unmatched_requests", "api_keys",
    "audit_log",      "idempotency_keys"};

struct RawResult {
  bool ok = false;
  std::string sqlstate;
  std::string message;
  std::vector<std::vector<std::string>> rows;

  std::string Cell(size_t row = 0, size_t col = 0) const {
    return row < rows.size() && col < rows[row].size() ? rows[row][col] : "<none>";
  }
};

// A plain libpq session, for checking what the database allows regardless of the store.
class RawSession {
 public:
  explicit RawSession(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) error_ = PQerrorMessage(conn_);
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  ~RawSession() { PQfinish(conn_); }

  const std::string& error() const { return error_; }

  RawResult Exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    RawResult out;
    const auto status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    out.ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    if (!out.ok) {
      const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
      out.sqlstate = state != nullptr ? state : "";
      out.message = PQerrorMessage(conn_);
    }
    for (int r = 0; res != nullptr && r < PQntuples(res); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
      out.rows.push_back(std::move(row));
    }
    PQclear(res);
    return out;
  }

  // BEGIN and, unless tenant is empty, set the tenant the policies read.
  void Begin(const std::string& tenant) {
    ASSERT_TRUE(Exec("BEGIN").ok);
    if (!tenant.empty()) {
      ASSERT_TRUE(Exec("SELECT set_config('gostly.tenant_id', $1, true)", {tenant}).ok);
    }
  }

 private:
  PGconn* conn_;
  std::string error_;
};

LibraryEntry Entry(const std::string& service, const std::string& uri, int seq = 0,
                   bool sealed = true) {
  LibraryEntry e;
  e.service = service;
  e.method = "GET";
  e.uri = uri;
  e.uri_template = uri;
  e.match_key = "GET " + uri;
  e.seq = seq;
  e.status = 200;
  e.exchange_json = R"({"uri":")" + uri + R"("})";
  e.source = "api";
  if (sealed) e.scrubbed_at_ms = 1700000000000;
  return e;
}

// A lower-case hex stand-in for a key's SHA-256, distinct per tenant name.
std::string KeyHash(const std::string& tenant) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : tenant) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return std::string(64 - out.size(), '0') + out;
}

ServiceRecord Service(const std::string& id) {
  ServiceRecord s;
  s.id = id;
  s.upstream = "http://127.0.0.1:9";
  s.path_prefix = "/" + id;
  s.redact_headers = {"X-Secret", "X-Other"};
  return s;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = SharedPostgresCluster();
    ASSERT_NE(cluster_, nullptr);
    database_ = cluster_->CreateDatabase("gostly_pgtest");
    auto store = OpenPostgresStore(cluster_->AppUrl(database_), cluster_->OwnerUrl(database_));
    ASSERT_TRUE(store.ok()) << store.error();
    store_ = std::move(store).value();
  }

  std::string AppUrl() const { return cluster_->AppUrl(database_); }
  std::string OwnerUrl() const { return cluster_->OwnerUrl(database_); }

  // One row in every tenant-scoped table for `tenant`, through the store.
  void FillTenant(const std::string& tenant) {
    if (tenant != kDefaultTenant) {
      ASSERT_TRUE(store_->CreateTenant({tenant, tenant, 0}).ok());
    }
    ASSERT_TRUE(store_->UpsertService(tenant, Service("svc-" + tenant)).ok());
    ASSERT_TRUE(store_->UpsertEntries(tenant, {Entry("svc", "/" + tenant)}).ok());
    TransitionJob job;
    job.id = "job-" + tenant;
    ASSERT_TRUE(store_->CreateJob(tenant, job).ok());
    ASSERT_TRUE(store_->StageBatch(tenant, job.id, {Entry("svc", "/staged")},
                                   {{"traffic/svc.jsonl", 10}}, {10, 1, 1, 0})
                    .ok());
    TransitionJob published;
    published.id = "published-" + tenant;
    ASSERT_TRUE(store_->CreateJob(tenant, published).ok());
    ASSERT_TRUE(store_->StageBatch(tenant, published.id, {}, {{"traffic/svc.jsonl", 20}},
                                   {20, 0, 0, 0})
                    .ok());
    ASSERT_TRUE(store_->PublishJob(tenant, published.id).ok());
    ASSERT_TRUE(store_->RecordUnmatched(tenant, {{"svc", "GET", "/miss", 1, 0, 0}}).ok());
    ApiKeyRecord key;
    key.name = "key of " + tenant;
    key.prefix = "gk_" + tenant;
    key.key_sha256 = KeyHash(tenant);
    ASSERT_TRUE(store_->CreateApiKey(tenant, key).ok());
    AuditEvent event;
    event.actor = "cli";
    event.action = "service.upsert";
    event.target = "svc-" + tenant;
    ASSERT_TRUE(store_->AppendAudit(tenant, event).ok());
    IdempotentResponse response;
    response.key = "idem-" + tenant;
    response.request_sha256 = "abc";
    response.status = 201;
    response.body = "{}";
    ASSERT_TRUE(store_->PutIdempotent(tenant, response).ok());
  }

  PgCluster* cluster_ = nullptr;
  std::string database_;
  std::unique_ptr<Store> store_;
};

TEST_F(PostgresStoreTest, ApplicationRoleIsNotSuperuserHasNoBypassRlsAndOwnsNothing) {
  RawSession app(AppUrl());
  ASSERT_EQ(app.error(), "");
  auto role = app.Exec(
      "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
  ASSERT_TRUE(role.ok) << role.message;
  EXPECT_EQ(role.Cell(0, 0), PgCluster::kAppRole);
  EXPECT_EQ(role.Cell(0, 1), "f");
  EXPECT_EQ(role.Cell(0, 2), "f");
  auto owned = app.Exec(
      "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user");
  EXPECT_EQ(owned.Cell(), "0");
  // Every tenant-scoped table has row-level security enabled and forced.
  for (const auto& table : kTenantTables) {
    auto rls = app.Exec(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1 "
        "AND relnamespace = 'public'::regnamespace",
        {table});
    EXPECT_EQ(rls.Cell(0, 0), "t") << table;
    EXPECT_EQ(rls.Cell(0, 1), "t") << table;
  }
}

TEST_F(PostgresStoreTest, RawSqlSeesOnlyTheTenantSetForTheTransaction) {
  FillTenant("alpha");
  FillTenant("beta");
  RawSession app(AppUrl());
  ASSERT_EQ(app.error(), "");

  app.Begin("alpha");
  for (const auto& table : kTenantTables) {
    auto others = app.Exec("SELECT count(*) FROM " + table + " WHERE tenant_id <> 'alpha'");
    ASSERT_TRUE(others.ok) << table << ": " << others.message;
    EXPECT_EQ(others.Cell(), "0") << table;
    auto beta = app.Exec("SELECT count(*) FROM " + table + " WHERE tenant_id = 'beta'");
    EXPECT_EQ(beta.Cell(), "0") << table;
  }
  // Its own rows are visible (the check above is not vacuous).
  for (const auto& table : {"services", "library_entries", "audit_log", "api_keys"}) {
    auto own = app.Exec(std::string("SELECT count(*) > 0 FROM ") + table);
    EXPECT_EQ(own.Cell(), "t") << table;
  }
  ASSERT_TRUE(app.Exec("COMMIT").ok);

  // No tenant set at all (a fresh transaction after a local setting ended): nothing.
  app.Begin("");
  for (const auto& table : kTenantTables) {
    auto any = app.Exec("SELECT count(*) FROM " + table);
    ASSERT_TRUE(any.ok) << table << ": " << any.message;
    EXPECT_EQ(any.Cell(), "0") << table;
  }
  ASSERT_TRUE(app.Exec("COMMIT").ok);

  // A session that never set it: nothing either.
  RawSession fresh(AppUrl());
  for (const auto& table : kTenantTables) {
    EXPECT_EQ(fresh.Exec("SELECT count(*) FROM " + table).Cell(), "0") << table;
  }
}

TEST_F(PostgresStoreTest, RawSqlCannotWriteRowsForAnotherTenant) {
  FillTenant("alpha");
  FillTenant("beta");
  RawSession app(AppUrl());
  app.Begin("alpha");
  auto insert = app.Exec(
      "INSERT INTO services (tenant_id, id, upstream, created_at, updated_at) "
      "VALUES ('beta', 'sneaky', 'http://x', 1, 1)");
  EXPECT_FALSE(insert.ok);
  EXPECT_EQ(insert.sqlstate, "42501") << insert.message;  // WITH CHECK violation
  ASSERT_TRUE(app.Exec("ROLLBACK").ok);

  app.Begin("alpha");
  auto move = app.Exec("UPDATE services SET tenant_id = 'beta'");
  EXPECT_FALSE(move.ok);
  EXPECT_EQ(move.sqlstate, "42501") << move.message;
  ASSERT_TRUE(app.Exec("ROLLBACK").ok);

  // Updating or deleting the other tenant's rows touches nothing.
  app.Begin("alpha");
  EXPECT_EQ(app.Exec("DELETE FROM services WHERE tenant_id = 'beta' RETURNING id").rows.size(),
            0u);
  EXPECT_EQ(app.Exec("UPDATE library_entries SET status = 500 WHERE tenant_id = 'beta' "
                     "RETURNING id")
                .rows.size(),
            0u);
  ASSERT_TRUE(app.Exec("COMMIT").ok);
  auto beta = store_->GetService("beta", "svc-beta");
  ASSERT_TRUE(beta.ok()) << beta.error();
  auto entries = store_->ListEntries("beta", {}, {});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->items.size(), 1u);
  EXPECT_EQ(entries->items[0].status, 200);
}

TEST_F(PostgresStoreTest, ApplicationRoleCannotUpdateDeleteOrTruncateTheAuditLog) {
  FillTenant("alpha");
  RawSession app(AppUrl());
  for (const std::string sql : {"UPDATE audit_log SET actor = 'someone else'",
                                "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
    app.Begin("alpha");
    auto refused = app.Exec(sql);
    EXPECT_FALSE(refused.ok) << sql;
    EXPECT_EQ(refused.sqlstate, "42501") << sql << ": " << refused.message;
    ASSERT_TRUE(app.Exec("ROLLBACK").ok);
  }
  // The owner has the privileges, and the trigger still refuses.
  RawSession owner(OwnerUrl());
  for (const std::string sql : {"UPDATE audit_log SET actor = 'someone else'",
                                "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
    owner.Begin("alpha");
    auto refused = owner.Exec(sql);
    EXPECT_FALSE(refused.ok) << sql;
    EXPECT_EQ(refused.sqlstate, "GS002") << sql << ": " << refused.message;
    ASSERT_TRUE(owner.Exec("ROLLBACK").ok);
  }
  auto audit = store_->ListAudit("alpha", {});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_EQ(audit->items[0].actor, "cli");
}

TEST_F(PostgresStoreTest, SealTriggerRefusesARawUpdateAndAnUnsealingUpsert) {
  auto stored = store_->UpsertEntries(kDefaultTenant, {Entry("svc", "/sealed")});
  ASSERT_TRUE(stored.ok()) << stored.error();
  const int64_t id = stored->at(0).id;

  RawSession app(AppUrl());
  app.Begin(kDefaultTenant);
  auto unseal = app.Exec("UPDATE library_entries SET scrubbed_at = NULL WHERE id = $1",
                         {std::to_string(id)});
  EXPECT_FALSE(unseal.ok);
  EXPECT_EQ(unseal.sqlstate, "GS001") << unseal.message;
  ASSERT_TRUE(app.Exec("ROLLBACK").ok);

  // Through the store: kConflict, and the whole batch is rolled back.
  auto batch = store_->UpsertEntries(
      kDefaultTenant, {Entry("svc", "/new"), Entry("svc", "/sealed", 0, /*sealed=*/false)});
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error_code(), ErrorCode::kConflict) << batch.error();
  auto count = store_->CountEntries(kDefaultTenant, {});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
  auto kept = store_->GetEntry(kDefaultTenant, id);
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->scrubbed_at_ms.has_value());

  auto edit = *kept;
  edit.scrubbed_at_ms.reset();
  auto updated = store_->UpdateEntry(kDefaultTenant, edit);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error_code(), ErrorCode::kConflict);
}

TEST_F(PostgresStoreTest, FindApiKeySearchesAcrossTenantsOnlyByHash) {
  FillTenant("alpha");
  FillTenant("beta");
  auto found = store_->FindApiKey(KeyHash("beta"));
  ASSERT_TRUE(found.ok()) << found.error();
  EXPECT_EQ(found->first, "beta");
  EXPECT_EQ(found->second.name, "key of beta");
  auto missing = store_->FindApiKey(std::string(64, 'f'));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error_code(), ErrorCode::kNotFound);
  // The function is the only way across: the table itself stays tenant-scoped.
  RawSession app(AppUrl());
  app.Begin("alpha");
  EXPECT_EQ(app.Exec("SELECT count(*) FROM api_keys").Cell(), "1");
  ASSERT_TRUE(app.Exec("COMMIT").ok);
}

TEST_F(PostgresStoreTest, ANewerSchemaVersionIsRefused) {
  const int latest = PostgresLatestSchemaVersion();
  ASSERT_GE(latest, 1);
  RawSession owner(OwnerUrl());
  ASSERT_TRUE(owner.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())",
                         {std::to_string(latest + 1)})
                  .ok);
  auto refused = OpenPostgresStore(AppUrl(), OwnerUrl());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error_code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().find(std::to_string(latest + 1)), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("version " + std::to_string(latest)), std::string::npos)
      << refused.error();
}

// A database as a binary before migration 3 left it (no chaos/statecharts columns) is upgraded
// in place: its services are kept, with none of either, and the new columns refuse text that
// is not the JSON they hold, for any client.
TEST_F(PostgresStoreTest, UpgradingToServiceChaosAndStatechartsKeepsTheServices) {
  ASSERT_TRUE(store_->UpsertService(kDefaultTenant, Service("legacy")).ok());
  store_.reset();
  {
    RawSession owner(OwnerUrl());
    ASSERT_TRUE(owner.Exec("ALTER TABLE services DROP COLUMN chaos, DROP COLUMN statecharts").ok);
    ASSERT_TRUE(owner.Exec("DELETE FROM schema_migrations WHERE version = 3").ok);
  }
  auto reopened = OpenPostgresStore(AppUrl(), OwnerUrl());
  ASSERT_TRUE(reopened.ok()) << reopened.error();
  store_ = std::move(reopened).value();
  EXPECT_EQ(store_->SchemaVersion().value(), PostgresLatestSchemaVersion());
  auto legacy = store_->GetService(kDefaultTenant, "legacy");
  ASSERT_TRUE(legacy.ok()) << legacy.error();
  EXPECT_EQ(legacy->upstream, "http://127.0.0.1:9");
  EXPECT_EQ(legacy->chaos, "");
  EXPECT_EQ(legacy->statecharts, "");
  ServiceRecord with = Service("legacy");
  with.chaos = R"({"seed":1,"rules":[]})";
  with.statecharts = "[]";
  ASSERT_TRUE(store_->UpsertService(kDefaultTenant, with).ok()) << "the app role writes them";
  EXPECT_EQ(store_->GetService(kDefaultTenant, "legacy")->chaos, with.chaos);

  RawSession app(AppUrl());
  app.Begin(kDefaultTenant);
  auto not_object = app.Exec("UPDATE services SET chaos = '[1]' WHERE id = 'legacy'");
  EXPECT_FALSE(not_object.ok) << "chaos must be a JSON object";
  ASSERT_TRUE(app.Exec("ROLLBACK").ok);
  app.Begin(kDefaultTenant);
  auto not_json = app.Exec("UPDATE services SET statecharts = 'nope' WHERE id = 'legacy'");
  EXPECT_FALSE(not_json.ok) << "statecharts must be JSON";
  ASSERT_TRUE(app.Exec("ROLLBACK").ok);
}

TEST_F(PostgresStoreTest, TwoStoresMigratingAFreshDatabaseConcurrentlyBothSucceed) {
  const std::string database = cluster_->CreateDatabase("gostly_race");
  const std::string app = cluster_->AppUrl(database);
  const std::string owner = cluster_->OwnerUrl(database);
  std::vector<Result<std::unique_ptr<Store>>> opened;
  for (int i = 0; i < 3; ++i) opened.emplace_back(common::MakeError("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < opened.size(); ++i) {
    threads.emplace_back([&, i] { opened[i] = OpenPostgresStore(app, owner); });
  }
  for (auto& t : threads) t.join();
  for (auto& store : opened) {
    ASSERT_TRUE(store.ok()) << store.error();
    auto version = store.value()->SchemaVersion();
    ASSERT_TRUE(version.ok());
    EXPECT_EQ(*version, PostgresLatestSchemaVersion());
  }
  RawSession raw(owner);
  EXPECT_EQ(raw.Exec("SELECT count(*) FROM schema_migrations").Cell(),
            std::to_string(PostgresLatestSchemaVersion()));
  EXPECT_EQ(raw.Exec("SELECT count(*) FROM tenants WHERE id = 'default'").Cell(), "1");
}

TEST_F(PostgresStoreTest, UnixSocketUrlWorks) {
  auto store = OpenPostgresStore(cluster_->SocketUrl(PgCluster::kAppRole, database_),
                                 cluster_->SocketUrl(PgCluster::kOwnerRole, database_));
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_TRUE(store.value()->Ping().ok());
  EXPECT_EQ(store.value()->Backend(), "postgres");
}

TEST_F(PostgresStoreTest, WritesUnderAnUnknownTenantAreRefusedByTheForeignKey) {
  auto service = store_->UpsertService("nobody", Service("svc"));
  ASSERT_FALSE(service.ok());
  EXPECT_EQ(service.error_code(), ErrorCode::kConflict) << service.error();
  auto entries = store_->UpsertEntries("nobody", {Entry("svc", "/x")});
  EXPECT_EQ(entries.error_code(), ErrorCode::kConflict) << entries.error();
}

TEST_F(PostgresStoreTest, ErrorsMapToCodes) {
  Tenant duplicate{"default", "again", 0};
  auto tenant = store_->CreateTenant(duplicate);
  ASSERT_FALSE(tenant.ok());
  EXPECT_EQ(tenant.error_code(), ErrorCode::kConflict);

  auto missing = store_->GetService(kDefaultTenant, "nope");
  EXPECT_EQ(missing.error_code(), ErrorCode::kNotFound);
  auto bad_id = store_->UpsertService(kDefaultTenant, Service("bad id!"));
  EXPECT_EQ(bad_id.error_code(), ErrorCode::kInvalidArgument);
  auto bad_cursor = store_->ListEntries(kDefaultTenant, {}, {"not-a-cursor", 10});
  EXPECT_EQ(bad_cursor.error_code(), ErrorCode::kInvalidArgument);
  auto no_tenant = store_->ListServices("", {});
  EXPECT_EQ(no_tenant.error_code(), ErrorCode::kInvalidArgument);

  IdempotentResponse response;
  response.key = "k";
  response.request_sha256 = "h";
  response.status = 200;
  response.body = std::string("bytes\0with nul\xff", 15);
  ASSERT_TRUE(store_->PutIdempotent(kDefaultTenant, response).ok());
  auto again = store_->PutIdempotent(kDefaultTenant, response);
  EXPECT_EQ(again.error_code(), ErrorCode::kConflict);
  auto got = store_->GetIdempotent(kDefaultTenant, "k");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->body, response.body);

  auto nul = store_->UpsertService(kDefaultTenant, [] {
    auto s = Service("nul");
    s.upstream = std::string("http://a\0b", 10);
    return s;
  }());
  EXPECT_EQ(nul.error_code(), ErrorCode::kInvalidArgument);
}

// A smoke run over the whole interface, so this backend is exercised even where the shared
// typed suite is filtered out.
TEST_F(PostgresStoreTest, RoundTripsAndPaginates) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store_->UpsertService(kDefaultTenant, Service("s" + std::to_string(i))).ok());
  }
  auto first = store_->ListServices(kDefaultTenant, {"", 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].redact_headers, (std::vector<std::string>{"X-Secret", "X-Other"}));
  std::vector<std::string> ids;
  PageRequest page{"", 2};
  for (;;) {
    auto p = store_->ListServices(kDefaultTenant, page);
    ASSERT_TRUE(p.ok()) << p.error();
    for (const auto& s : p->items) ids.push_back(s.id);
    if (p->next_cursor.empty()) break;
    page.cursor = p->next_cursor;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"s0", "s1", "s2", "s3", "s4"}));
  ASSERT_TRUE(store_->DeleteService(kDefaultTenant, "s0").ok());
  EXPECT_EQ(store_->DeleteService(kDefaultTenant, "s0").error_code(), ErrorCode::kNotFound);

  // Library filters.
  auto stored = store_->UpsertEntries(
      kDefaultTenant, {Entry("a", "/x/1"), Entry("a", "/x/2"), Entry("b", "/y", 0, false)});
  ASSERT_TRUE(stored.ok()) << stored.error();
  LibraryFilter only_a;
  only_a.service = "a";
  EXPECT_EQ(store_->CountEntries(kDefaultTenant, only_a).value(), 2);
  LibraryFilter sealed;
  sealed.sealed_only = true;
  EXPECT_EQ(store_->CountEntries(kDefaultTenant, sealed).value(), 2);
  LibraryFilter contains;
  contains.uri_contains = "x/2";
  auto found = store_->ListEntries(kDefaultTenant, contains, {});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].uri, "/x/2");

  // Jobs: stage twice, publish, publish again (idempotent), offsets committed.
  TransitionJob job;
  job.previous_mode = "LEARN";
  auto created = store_->CreateJob(kDefaultTenant, job);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_FALSE(created->id.empty());
  EXPECT_EQ(created->state, "pending");
  ASSERT_TRUE(store_->MarkJobRunning(kDefaultTenant, created->id, 100).ok());
  ASSERT_TRUE(store_->StageBatch(kDefaultTenant, created->id, {Entry("c", "/1")},
                                 {{"traffic/c.jsonl", 40}}, {40, 2, 1, 1})
                  .ok());
  ASSERT_TRUE(store_->StageBatch(kDefaultTenant, created->id, {Entry("c", "/2")},
                                 {{"traffic/c.jsonl", 100}}, {60, 3, 1, 0})
                  .ok());
  auto staged = store_->StagedOffsets(kDefaultTenant, created->id);
  ASSERT_TRUE(staged.ok());
  ASSERT_EQ(staged->size(), 1u);
  EXPECT_EQ(staged->at(0).offset, 100);
  EXPECT_TRUE(store_->CommittedOffsets(kDefaultTenant)->empty());
  LibraryFilter only_c;
  only_c.service = "c";
  EXPECT_EQ(store_->CountEntries(kDefaultTenant, only_c).value(), 0);
  ASSERT_TRUE(store_->PublishJob(kDefaultTenant, created->id).ok());
  ASSERT_TRUE(store_->PublishJob(kDefaultTenant, created->id).ok());
  EXPECT_EQ(store_->CountEntries(kDefaultTenant, only_c).value(), 2);
  auto done = store_->GetJob(kDefaultTenant, created->id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, "succeeded");
  EXPECT_EQ(done->read_bytes, 100);
  EXPECT_EQ(done->entries_staged, 2);
  EXPECT_GT(done->finished_at_ms, 0);
  auto committed = store_->CommittedOffsets(kDefaultTenant);
  ASSERT_EQ(committed->size(), 1u);
  EXPECT_EQ(committed->at(0).offset, 100);

  // A discarded job leaves the library alone.
  auto second = store_->CreateJob(kDefaultTenant, {});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(store_->StageBatch(kDefaultTenant, second->id, {Entry("d", "/1")}, {}, {}).ok());
  ASSERT_TRUE(store_->DiscardJob(kDefaultTenant, second->id, "disk full").ok());
  LibraryFilter only_d;
  only_d.service = "d";
  EXPECT_EQ(store_->CountEntries(kDefaultTenant, only_d).value(), 0);
  EXPECT_EQ(store_->GetJob(kDefaultTenant, second->id)->error, "disk full");
  EXPECT_EQ(store_->PublishJob(kDefaultTenant, second->id).error_code(),
            ErrorCode::kFailedPrecondition);
  auto jobs = store_->ListJobs(kDefaultTenant, {"", 1});
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->items.size(), 1u);
  EXPECT_EQ(jobs->items[0].id, second->id);  // newest first
  auto older = store_->ListJobs(kDefaultTenant, {jobs->next_cursor, 10});
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->items.size(), 1u);
  EXPECT_EQ(older->items[0].id, created->id);
  EXPECT_TRUE(older->next_cursor.empty());
  EXPECT_TRUE(store_->UnfinishedJobs(kDefaultTenant)->empty());

  // Unmatched counts add up.
  ASSERT_TRUE(store_->RecordUnmatched(kDefaultTenant, {{"a", "GET", "/m", 2, 10, 20}}).ok());
  ASSERT_TRUE(store_->RecordUnmatched(kDefaultTenant, {{"a", "GET", "/m", 3, 5, 30}}).ok());
  auto unmatched = store_->ListUnmatched(kDefaultTenant, {});
  ASSERT_TRUE(unmatched.ok());
  ASSERT_EQ(unmatched->items.size(), 1u);
  EXPECT_EQ(unmatched->items[0].count, 5);
  EXPECT_EQ(unmatched->items[0].first_seen_ms, 5);
  EXPECT_EQ(unmatched->items[0].last_seen_ms, 30);

  // Audit newest first, paged.
  for (int i = 0; i < 3; ++i) {
    AuditEvent event;
    event.actor = "cli";
    event.action = "a" + std::to_string(i);
    ASSERT_TRUE(store_->AppendAudit(kDefaultTenant, event).ok());
  }
  auto audit = store_->ListAudit(kDefaultTenant, {"", 2});
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 2u);
  EXPECT_EQ(audit->items[0].action, "a2");
  EXPECT_EQ(audit->items[0].detail_json, "{}");
  auto rest = store_->ListAudit(kDefaultTenant, {audit->next_cursor, 2});
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].action, "a0");

  // Keys and tenants.
  ApiKeyRecord key;
  key.name = "k";
  key.prefix = "gk_";
  key.key_sha256 = std::string(64, 'a');
  auto created_key = store_->CreateApiKey(kDefaultTenant, key);
  ASSERT_TRUE(created_key.ok()) << created_key.error();
  ASSERT_TRUE(store_->RevokeApiKey(kDefaultTenant, created_key->id).ok());
  auto keys = store_->ListApiKeys(kDefaultTenant, {});
  ASSERT_EQ(keys->items.size(), 1u);
  EXPECT_TRUE(keys->items[0].revoked_at_ms.has_value());
  ASSERT_TRUE(store_->CreateTenant({"acme", "Acme", 0}).ok());
  auto tenants = store_->ListTenants();
  ASSERT_TRUE(tenants.ok());
  EXPECT_EQ(tenants->size(), 2u);
  EXPECT_EQ(store_->SchemaVersion().value(), PostgresLatestSchemaVersion());
}

// A separate cluster: this test stops its server.
TEST(PostgresOutage, StoppedServerGivesUnavailableAndTheStoreRecoversWhenItReturns) {
  std::unique_ptr<PgCluster> cluster;
  try {
    cluster = std::make_unique<PgCluster>();
  } catch (const std::exception& e) {
    FAIL() << "cannot start a PostgreSQL test cluster: " << e.what();
  }
  const std::string database = cluster->CreateDatabase();
  auto opened = OpenPostgresStore(cluster->AppUrl(database), cluster->OwnerUrl(database));
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto store = std::move(opened).value();
  ASSERT_TRUE(store->UpsertService(kDefaultTenant, Service("kept")).ok());
  // Several pooled connections, all of which the restart will break.
  std::vector<std::thread> busy;
  for (int i = 0; i < 4; ++i) busy.emplace_back([&] { (void)store->Ping(); });
  for (auto& t : busy) t.join();

  cluster->Stop();
  auto ping = store->Ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error_code(), ErrorCode::kUnavailable) << ping.error();
  auto get = store->GetService(kDefaultTenant, "kept");
  EXPECT_EQ(get.error_code(), ErrorCode::kUnavailable) << get.error();
  auto reopen = OpenPostgresStore(cluster->AppUrl(database), cluster->OwnerUrl(database));
  EXPECT_EQ(reopen.error_code(), ErrorCode::kUnavailable);

  cluster->Start();
  auto back = store->GetService(kDefaultTenant, "kept");
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->upstream, "http://127.0.0.1:9");
  EXPECT_TRUE(store->Ping().ok());
  EXPECT_TRUE(store->UpsertService(kDefaultTenant, Service("after")).ok());
}

// Stop/Start without a store in between leaves stale pooled connections; every one of them
// is replaced, not only the first.
TEST(PostgresOutage, EveryStalePooledConnectionIsReplacedAfterARestart) {
  std::unique_ptr<PgCluster> cluster;
  try {
    cluster = std::make_unique<PgCluster>();
  } catch (const std::exception& e) {
    FAIL() << "cannot start a PostgreSQL test cluster: " << e.what();
  }
  const std::string database = cluster->CreateDatabase();
  auto opened = OpenPostgresStore(cluster->AppUrl(database), cluster->OwnerUrl(database));
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto store = std::move(opened).value();
  std::vector<std::thread> busy;
  for (int i = 0; i < 8; ++i) busy.emplace_back([&] { (void)store->Ping(); });
  for (auto& t : busy) t.join();
  cluster->Stop();
  cluster->Start();
  for (int i = 0; i < 8; ++i) {
    auto ping = store->Ping();
    EXPECT_TRUE(ping.ok()) << i << ": " << ping.error();
  }
}

}  // namespace
}  // namespace gostly::store::testing
