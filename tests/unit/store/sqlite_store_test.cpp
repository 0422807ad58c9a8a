// SQLite-only behaviour: the file, the migrations, and the rules the database itself
// enforces, proven with raw SQL on a second connection that bypasses SqliteStore.
#include "store/sqlite/sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_migrations.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

namespace gostly::store {
namespace {

using common::ErrorCode;
using ::testing::HasSubstr;

// A plain sqlite3 connection to the same file, with none of the store's code in the way.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "raw open of " << path << " failed: " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;
  ~RawDb() { sqlite3_close_v2(db_); }

  // Runs constant SQL; returns the primary result code. error() holds the message.
  int Exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    error_ = message != nullptr ? message : "";
    sqlite3_free(message);
    return rc & 0xff;
  }

  // The rows of a query, each as its columns' text.
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare " << sql << ": " << sqlite3_errmsg(db_);
      return rows;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row.emplace_back(text != nullptr ? text : "NULL");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }

  const std::string& error() const { return error_; }

 private:
  sqlite3* db_ = nullptr;
  std::string error_;
};

LibraryEntry SealedEntry(const std::string& key) {
  LibraryEntry e;
  e.service = "svc";
  e.method = "GET";
  e.uri = "/" + key;
  e.uri_template = e.uri;
  e.match_key = "GET /" + key;
  e.status = 200;
  e.exchange_json = "{}";
  e.source = "transition";
  e.scrubbed_at_ms = 1'700'000'000'000;
  return e;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    auto store = OpenSqliteStore(path_.string());
    EXPECT_TRUE(store.ok()) << store.error();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  test_support::TempDir dir_{"gostly-sqlite-test"};
  std::filesystem::path path_ = dir_ / "gostly.db";
};

TEST_F(SqliteStoreTest, OpensTheFileInWalMode) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  RawDb raw(path_);
  auto rows = raw.Query("PRAGMA journal_mode");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "wal");
}

TEST_F(SqliteStoreTest, LatestSchemaVersionIsTheLastOfAContiguousMigrationList) {
  auto migrations = sqlite::Migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
  }
  EXPECT_EQ(SqliteLatestSchemaVersion(), migrations.back().version);
  EXPECT_EQ(LatestSchemaVersion("sqlite"), migrations.back().version);
}

TEST_F(SqliteStoreTest, RecordsEveryMigrationInVersionOrder) {
  ASSERT_NE(Open(), nullptr);
  RawDb raw(path_);
  auto rows = raw.Query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(SqliteLatestSchemaVersion()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(i + 1));
    EXPECT_GT(std::stoll(rows[i][1]), 0);
  }
}

TEST_F(SqliteStoreTest, ReopeningAppliesNothingTwiceAndKeepsTheData) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->UpsertEntries(kDefaultTenant, {SealedEntry("a")}).ok());
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->CountEntries(kDefaultTenant, {}).value(), 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT COUNT(*) FROM schema_migrations")[0][0],
            std::to_string(SqliteLatestSchemaVersion()));
  EXPECT_EQ(raw.Query("SELECT COUNT(*) FROM tenants")[0][0], "1");
}

TEST_F(SqliteStoreTest, UpgradesADatabaseLeftAtAnOlderVersionAndKeepsItsRows) {
  {
    // A database as an older binary left it: only migration 1 applied.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    std::string sql = std::string(
                          "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                          "applied_at INTEGER NOT NULL);") +
                      sqlite::Migrations()[0].sql +
                      "INSERT INTO schema_migrations VALUES (1, 1);"
                      "INSERT INTO services (tenant_id, id, upstream, created_at, updated_at) "
                      "VALUES ('default', 'legacy', 'http://legacy.test', 1, 1);";
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message != nullptr ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->SchemaVersion().value(), SqliteLatestSchemaVersion());
  auto legacy = store->GetService(kDefaultTenant, "legacy");
  ASSERT_TRUE(legacy.ok()) << legacy.error();
  EXPECT_EQ(legacy->upstream, "http://legacy.test");
  EXPECT_EQ(legacy->chaos, "") << "a service from before migration 4 has no chaos";
  EXPECT_EQ(legacy->statecharts, "");
  {
    RawDb raw(path_);
    EXPECT_NE(raw.Exec("UPDATE services SET chaos = 'not json' WHERE id = 'legacy'"), SQLITE_OK)
        << "the new columns hold JSON only";
  }
  // Tables from the later migrations are there and usable.
  TransitionJob job;
  job.id = "j1";
  EXPECT_TRUE(store->CreateJob(kDefaultTenant, job).ok());
  AuditEvent event;
  event.action = "upgrade";
  EXPECT_TRUE(store->AppendAudit(kDefaultTenant, event).ok());
}

TEST_F(SqliteStoreTest, RefusesADatabaseWrittenByANewerBinary) {
  ASSERT_NE(Open(), nullptr);
  const int latest = SqliteLatestSchemaVersion();
  const int newer = latest + 1;
  {
    RawDb raw(path_);
    ASSERT_EQ(raw.Exec("UPDATE schema_migrations SET version = " + std::to_string(newer) +
                       " WHERE version = " + std::to_string(latest)),
              SQLITE_OK)
        << raw.error();
  }
  auto reopened = OpenSqliteStore(path_.string());
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error_code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(reopened.error(), HasSubstr(std::to_string(newer)));
  EXPECT_THAT(reopened.error(), HasSubstr(std::to_string(latest)));
  // Nothing was changed by the refused open.
  RawDb raw(path_);
  EXPECT_EQ(raw.Query("SELECT MAX(version) FROM schema_migrations")[0][0], std::to_string(newer));
}

TEST_F(SqliteStoreTest, DatabaseItselfRefusesToUpdateOrDeleteAuditEvents) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (const char* action : {"a", "b"}) {
    AuditEvent event;
    event.actor = "cli";
    event.action = action;
    ASSERT_TRUE(store->AppendAudit(kDefaultTenant, event).ok());
  }

  RawDb raw(path_);
  EXPECT_EQ(raw.Exec("UPDATE audit_log SET actor = 'mallory' WHERE action = 'a'"),
            SQLITE_CONSTRAINT);
  EXPECT_THAT(raw.error(), HasSubstr("append-only"));
  EXPECT_EQ(raw.Exec("DELETE FROM audit_log WHERE action = 'b'"), SQLITE_CONSTRAINT);
  EXPECT_THAT(raw.error(), HasSubstr("append-only"));
  EXPECT_EQ(raw.Exec("DELETE FROM audit_log"), SQLITE_CONSTRAINT);
  EXPECT_EQ(raw.Exec("INSERT OR REPLACE INTO audit_log (id, tenant_id, at, actor, action, target)"
                     " SELECT id, tenant_id, at, 'mallory', action, target FROM audit_log"),
            SQLITE_CONSTRAINT);

  auto page = store->ListAudit(kDefaultTenant, {});
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_EQ(page->items.size(), 2u);
  for (const AuditEvent& event : page->items) EXPECT_EQ(event.actor, "cli");
}

TEST_F(SqliteStoreTest, DatabaseItselfRefusesToUnsealAnEntry) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->UpsertEntries(kDefaultTenant, {SealedEntry("a")}).ok());

  RawDb raw(path_);
  EXPECT_EQ(raw.Exec("UPDATE library_entries SET scrubbed_at = NULL"), SQLITE_CONSTRAINT);
  EXPECT_THAT(raw.error(), HasSubstr("seal"));
  const std::string columns =
      "(tenant_id, service, method, uri, uri_template, match_key, seq, status, exchange_json, "
      "source, scrubbed_at, created_at, updated_at)";
  const std::string unsealed =
      "VALUES ('default', 'svc', 'GET', '/a', '/a', 'GET /a', 0, 200, '{\"secret\":1}', 'raw', "
      "NULL, 1, 1)";
  EXPECT_EQ(raw.Exec("INSERT OR REPLACE INTO library_entries " + columns + " " + unsealed),
            SQLITE_CONSTRAINT);
  // Replacing by id, under a different key, is the same replacement.
  EXPECT_EQ(raw.Exec("INSERT OR REPLACE INTO library_entries (id, tenant_id, service, method, "
                     "uri, uri_template, match_key, seq, status, exchange_json, source, "
                     "scrubbed_at, created_at, updated_at) SELECT id, tenant_id, service, "
                     "method, uri, uri_template, 'other key', seq, status, '{}', 'raw', NULL, 1, "
                     "1 FROM library_entries"),
            SQLITE_CONSTRAINT);
  EXPECT_EQ(raw.Exec("INSERT INTO library_entries " + columns + " " + unsealed +
                     " ON CONFLICT (tenant_id, service, match_key, seq) DO UPDATE SET "
                     "scrubbed_at = excluded.scrubbed_at"),
            SQLITE_CONSTRAINT);
  EXPECT_THAT(raw.error(), HasSubstr("seal"));
  EXPECT_EQ(raw.Query("SELECT COUNT(*) FROM library_entries WHERE scrubbed_at IS NULL")[0][0], "0");
  // Re-sealing and editing a sealed row with a new seal time stay allowed.
  EXPECT_EQ(raw.Exec("UPDATE library_entries SET scrubbed_at = scrubbed_at + 1"), SQLITE_OK)
      << raw.error();
}

TEST_F(SqliteStoreTest, DatabaseItselfRefusesAnApiKeyThatIsNotAHexDigest) {
  ASSERT_NE(Open(), nullptr);
  RawDb raw(path_);
  EXPECT_EQ(raw.Exec("INSERT INTO api_keys (tenant_id, id, name, prefix, key_sha256, role, "
                     "created_at) VALUES ('default', 'k', 'k', 'gst_', 'gst_live_rawsecret', "
                     "'admin', 1)"),
            SQLITE_CONSTRAINT);
}

TEST_F(SqliteStoreTest, WritesUnderAnUnknownTenantAreRefusedByTheForeignKey) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ServiceRecord service;
  service.id = "svc";
  service.upstream = "http://u.test";
  auto stored = store->UpsertService("no-such-tenant", service);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.error_code(), ErrorCode::kConflict);
  EXPECT_THAT(stored.error(), HasSubstr("tenant"));
  auto entries = store->UpsertEntries("no-such-tenant", {SealedEntry("a")});
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error_code(), ErrorCode::kConflict);
}

TEST_F(SqliteStoreTest, ValuesAreBoundAsDataNeverAsSql) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  LibraryEntry hostile = SealedEntry("x");
  hostile.uri = "/x'); DROP TABLE library_entries; --";
  auto stored = store->UpsertEntries(kDefaultTenant, {hostile});
  ASSERT_TRUE(stored.ok()) << stored.error();
  auto got = store->GetEntry(kDefaultTenant, stored->front().id);
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_EQ(got->uri, hostile.uri);
  LibraryFilter filter;
  filter.uri_contains = "'); DROP";
  EXPECT_EQ(store->CountEntries(kDefaultTenant, filter).value(), 1);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  auto first = Open();
  auto second = Open();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->UpsertEntries(kDefaultTenant, {SealedEntry("a")}).ok());
  ASSERT_TRUE(second->UpsertEntries(kDefaultTenant, {SealedEntry("b")}).ok());
  EXPECT_EQ(first->CountEntries(kDefaultTenant, {}).value(), 2);
  EXPECT_EQ(second->CountEntries(kDefaultTenant, {}).value(), 2);
}

TEST_F(SqliteStoreTest, UnopenablePathIsUnavailable) {
  auto store = OpenSqliteStore((dir_ / "missing-dir" / "deeper" / "gostly.db").string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error_code(), ErrorCode::kUnavailable);
  EXPECT_THAT(store.error(), HasSubstr("missing-dir"));
}

TEST_F(SqliteStoreTest, AFileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream out(path_);
    out << "this is a text file, not a database, and it is long enough to have a header\n";
  }
  auto store = OpenSqliteStore(path_.string());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error_code(), ErrorCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, OpenStoreWithoutADatabaseUrlUsesSqliteAndCreatesTheDirectory) {
  StoreOptions options;
  options.sqlite_path = (dir_ / "data" / "nested" / "gostly.db").string();
  auto store = OpenStore(options);
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_EQ((*store)->Backend(), "sqlite");
  EXPECT_TRUE(std::filesystem::exists(options.sqlite_path));
}

}  // namespace
}  // namespace gostly::store
