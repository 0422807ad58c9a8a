// SqliteStore: the Store on one SQLite file (WAL mode).
//
// Threading: one connection guarded by one mutex. Every public method takes the mutex for
// its whole duration, so calls from many threads are serialised. This is the simplest
// correct choice: SQLite allows one writer at a time anyway, the store is never on the
// proxy's hot path, and a single connection means a transaction can never interleave with
// another thread's statements. (Other processes on the same file are handled by SQLite's
// file locking and busy_timeout.)
//
// Errors: the sqlite layer throws SqliteError and the methods below throw common::Error for
// refusals they detect themselves; Run() catches both once per call and returns a Result,
// so nothing is thrown across the Store interface. A transaction that is abandoned by an
// exception is rolled back by its guard, so a refused batch leaves nothing behind.
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <limits>
#include <mutex>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "store/sqlite/sqlite_db.hpp"
#include "store/sqlite/sqlite_migrations.hpp"

namespace gostly::store {
namespace {

using common::Error;
using common::ErrorCode;
using common::MakeError;
using sqlite::Database;
using sqlite::SqliteError;
using sqlite::Statement;
using sqlite::Transaction;

constexpr int kBusyTimeoutMs = 5000;
constexpr int kMaxPageLimit = 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t OrNow(int64_t ms) { return ms != 0 ? ms : NowMs(); }

[[noreturn]] void Refuse(ErrorCode code, std::string message) {
  throw Error{std::move(message), code};
}

int ClampLimit(int limit) {
  return limit < 1 ? 1 : (limit > kMaxPageLimit ? kMaxPageLimit : limit);
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void RequireValidId(std::string_view what, std::string_view id) {
  if (!IsValidId(id)) {
    Refuse(ErrorCode::kInvalidArgument,
           std::string(what) + " id '" + std::string(id) +
               "' is invalid: use 1 to 64 characters from A-Z a-z 0-9 . _ -");
  }
}

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string RandomId() {
  unsigned char bytes[16];
  sqlite3_randomness(sizeof bytes, bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 0xf];
  }
  return id;
}

bool IsUniqueViolation(const SqliteError& e) {
  return e.code() == SQLITE_CONSTRAINT_PRIMARYKEY || e.code() == SQLITE_CONSTRAINT_UNIQUE;
}

bool IsSealRefusal(const SqliteError& e) {
  return e.code() == SQLITE_CONSTRAINT_TRIGGER &&
         std::string_view(e.what()).find("seal:") != std::string_view::npos;
}

// Cursors are opaque to callers: hex of "<list>\x1f<field>\x1f<field>...". The list name
// catches a cursor passed to the wrong list.
std::string EncodeCursor(std::string_view list, std::initializer_list<std::string> fields) {
  std::string plain(list);
  for (const std::string& field : fields) {
    plain += '\x1f';
    plain += field;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : plain) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::vector<std::string> DecodeCursor(std::string_view list, const std::string& cursor,
                                      std::size_t field_count) {
  auto bad = [&]() {
    Refuse(ErrorCode::kInvalidArgument,
           "the page cursor is not one this list handed out; pass next_cursor back unchanged, "
           "or an empty cursor to start from the beginning");
  };
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (cursor.size() % 2 != 0) bad();
  std::string plain;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    int hi = nibble(cursor[i]);
    int lo = nibble(cursor[i + 1]);
    if (hi < 0 || lo < 0) bad();
    plain += static_cast<char>(hi * 16 + lo);
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = plain.find('\x1f', start);
    parts.push_back(
        plain.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (parts.size() != field_count + 1 || parts[0] != list) bad();
  parts.erase(parts.begin());
  return parts;
}

int64_t CursorInt(const std::string& field) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size()) {
    Refuse(ErrorCode::kInvalidArgument,
           "the page cursor is damaged; pass next_cursor back unchanged, or an empty cursor");
  }
  return value;
}

std::string EncodeHeaderList(const std::vector<std::string>& headers) {
  boost::json::array array;
  for (const std::string& h : headers) array.emplace_back(h);
  return boost::json::serialize(array);
}

std::vector<std::string> DecodeHeaderList(const std::string& json) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  // The column has CHECK (json_valid(...)) and is only written by EncodeHeaderList.
  if (ec || !value.is_array()) return out;
  for (const auto& item : value.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

// Column lists and readers, one per record type; a reader starts at column `at`.
constexpr std::string_view kServiceColumns =
    "id, host, path_prefix, upstream, mode, redact_headers, repeat_policy, created_at, "
    "updated_at, chaos, statecharts";

ServiceRecord ReadService(const Statement& s, int at = 0) {
  ServiceRecord r;
  r.id = s.Text(at + 0);
  r.host = s.Text(at + 1);
  r.path_prefix = s.Text(at + 2);
  r.upstream = s.Text(at + 3);
  r.mode = s.Text(at + 4);
  r.redact_headers = DecodeHeaderList(s.Text(at + 5));
  r.repeat_policy = s.Text(at + 6);
  r.created_at_ms = s.Int(at + 7);
  r.updated_at_ms = s.Int(at + 8);
  r.chaos = s.Text(at + 9);  // NULL reads as ""
  r.statecharts = s.Text(at + 10);
  return r;
}

constexpr std::string_view kEntryColumns =
    "id, service, method, uri, uri_template, match_key, seq, status, exchange_json, source, "
    "scrubbed_at, created_at, updated_at";

LibraryEntry ReadEntry(const Statement& s, int at = 0) {
  LibraryEntry e;
  e.id = s.Int(at + 0);
  e.service = s.Text(at + 1);
  e.method = s.Text(at + 2);
  e.uri = s.Text(at + 3);
  e.uri_template = s.Text(at + 4);
  e.match_key = s.Text(at + 5);
  e.seq = static_cast<int>(s.Int(at + 6));
  e.status = static_cast<int>(s.Int(at + 7));
  e.exchange_json = s.Text(at + 8);
  e.source = s.Text(at + 9);
  e.scrubbed_at_ms = s.OptionalInt(at + 10);
  e.created_at_ms = s.Int(at + 11);
  e.updated_at_ms = s.Int(at + 12);
  return e;
}

// pk comes first: ListJobs needs it for its cursor.
constexpr std::string_view kJobColumns =
    "pk, id, state, previous_mode, total_bytes, read_bytes, exchanges_read, entries_staged, "
    "entries_skipped, error, created_at, updated_at, finished_at";

TransitionJob ReadJob(const Statement& s) {
  TransitionJob j;
  j.id = s.Text(1);
  j.state = s.Text(2);
  j.previous_mode = s.Text(3);
  j.total_bytes = s.Int(4);
  j.read_bytes = s.Int(5);
  j.exchanges_read = s.Int(6);
  j.entries_staged = s.Int(7);
  j.entries_skipped = s.Int(8);
  j.error = s.Text(9);
  j.created_at_ms = s.Int(10);
  j.updated_at_ms = s.Int(11);
  j.finished_at_ms = s.Int(12);
  return j;
}

constexpr std::string_view kUnmatchedColumns =
    "pk, service, method, uri, count, first_seen_at, last_seen_at";

UnmatchedRequest ReadUnmatched(const Statement& s) {
  UnmatchedRequest u;
  u.service = s.Text(1);
  u.method = s.Text(2);
  u.uri = s.Text(3);
  u.count = s.Int(4);
  u.first_seen_ms = s.Int(5);
  u.last_seen_ms = s.Int(6);
  return u;
}

constexpr std::string_view kApiKeyColumns =
    "pk, id, name, prefix, key_sha256, role, created_at, revoked_at";

ApiKeyRecord ReadApiKey(const Statement& s, int at = 0) {
  ApiKeyRecord k;
  k.id = s.Text(at + 1);
  k.name = s.Text(at + 2);
  k.prefix = s.Text(at + 3);
  k.key_sha256 = s.Text(at + 4);
  k.role = s.Text(at + 5);
  k.created_at_ms = s.Int(at + 6);
  k.revoked_at_ms = s.OptionalInt(at + 7);
  return k;
}

constexpr std::string_view kAuditColumns = "id, at, actor, action, target, detail_json";

AuditEvent ReadAudit(const Statement& s) {
  AuditEvent a;
  a.id = s.Int(0);
  a.at_ms = s.Int(1);
  a.actor = s.Text(2);
  a.action = s.Text(3);
  a.target = s.Text(4);
  a.detail_json = s.Text(5);
  return a;
}

std::string Sql(std::initializer_list<std::string_view> parts) {
  std::string sql;
  for (std::string_view p : parts) sql += p;
  return sql;
}

// A LibraryFilter as SQL conditions over fixed column names, with the values to bind
// (never spliced into the text), numbered from first_param.
struct FilterSql {
  std::string where;
  std::vector<std::variant<int64_t, std::string>> values;
};

FilterSql BuildFilter(const LibraryFilter& filter, int first_param) {
  FilterSql out;
  int param = first_param;
  auto add = [&](std::string_view condition, std::variant<int64_t, std::string> value) {
    out.where += " AND ";
    std::string text(condition);
    text.replace(text.find('?'), 1, "?" + std::to_string(param++));
    out.where += text;
    out.values.push_back(std::move(value));
  };
  if (!filter.service.empty()) add("service = ?", filter.service);
  if (!filter.method.empty()) add("method = ?", filter.method);
  if (!filter.uri_contains.empty()) add("instr(uri, ?) > 0", filter.uri_contains);
  if (filter.status != 0) add("status = ?", static_cast<int64_t>(filter.status));
  if (filter.sealed_only) out.where += " AND scrubbed_at IS NOT NULL";
  return out;
}

void BindFilter(Statement& s, const FilterSql& filter, int first_param) {
  int param = first_param;
  for (const auto& value : filter.values) {
    std::visit([&](const auto& v) { s.Bind(param++, v); }, value);
  }
}

void ValidateEntry(const LibraryEntry& e) {
  if (e.service.empty() || e.match_key.empty()) {
    Refuse(ErrorCode::kInvalidArgument, "a library entry needs a service and a match_key");
  }
  if (e.seq < 0) {
    Refuse(ErrorCode::kInvalidArgument,
           "library entry seq must be 0 or more (got " + std::to_string(e.seq) + ")");
  }
}

std::string EntryName(const LibraryEntry& e) {
  return "library entry (service '" + e.service + "', match_key '" + e.match_key + "', seq " +
         std::to_string(e.seq) + ")";
}

bool IsFinished(const std::string& state) { return state == "succeeded" || state == "failed"; }

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Database> db, std::string path)
      : db_(std::move(db)), path_(std::move(path)) {}

  std::string Backend() const override { return "sqlite"; }

  Status Ping() override {
    return Run("ping", [&] {
      auto s = db_->Prepare("SELECT 1");
      s.Step();
      return common::Ok{};
    });
  }

  Result<int> SchemaVersion() override {
    return Run("read the schema version", [&] { return sqlite::CurrentVersion(*db_); });
  }

  // Tenants.

  Result<Tenant> CreateTenant(const Tenant& tenant) override {
    return Run("create tenant", [&] {
      RequireValidId("tenant", tenant.id);
      Tenant out = tenant;
      if (out.name.empty()) out.name = out.id;
      out.created_at_ms = OrNow(tenant.created_at_ms);
      try {
        db_->Prepare("INSERT INTO tenants (id, name, created_at) VALUES (?1, ?2, ?3)")
            .BindAll(out.id, out.name, out.created_at_ms)
            .Run();
      } catch (const SqliteError& e) {
        if (IsUniqueViolation(e)) {
          Refuse(ErrorCode::kConflict, "tenant '" + tenant.id + "' already exists");
        }
        throw;
      }
      return out;
    });
  }

  Result<std::vector<Tenant>> ListTenants() override {
    return Run("list tenants", [&] {
      std::vector<Tenant> out;
      auto s = db_->Prepare("SELECT id, name, created_at FROM tenants ORDER BY id");
      while (s.Step()) out.push_back(Tenant{s.Text(0), s.Text(1), s.Int(2)});
      return out;
    });
  }

  // Services.

  Result<ServiceRecord> UpsertService(const std::string& tenant,
                                      const ServiceRecord& service) override {
    return Run("upsert service", [&] {
      RequireValidId("service", service.id);
      if (service.mode != "" && service.mode != "LEARN" && service.mode != "MOCK" &&
          service.mode != "PASSTHROUGH") {
        Refuse(ErrorCode::kInvalidArgument,
               "service mode '" + service.mode +
                   "' is invalid: use LEARN, MOCK, PASSTHROUGH, or empty to follow the global "
                   "mode");
      }
      std::string policy = service.repeat_policy.empty() ? "sequence" : service.repeat_policy;
      if (policy != "sequence" && policy != "cycle" && policy != "first" && policy != "last") {
        Refuse(ErrorCode::kInvalidArgument,
               "repeat policy '" + policy + "' is invalid: use sequence, cycle, first or last");
      }
      const int64_t now = NowMs();
      auto s = db_->Prepare(
          Sql({"INSERT INTO services (tenant_id, id, host, path_prefix, upstream, mode, "
               "redact_headers, repeat_policy, created_at, updated_at, chaos, statecharts) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''), "
               "NULLIF(?12, '')) "
               "ON CONFLICT (tenant_id, id) DO UPDATE SET host = excluded.host, "
               "path_prefix = excluded.path_prefix, upstream = excluded.upstream, "
               "mode = excluded.mode, redact_headers = excluded.redact_headers, "
               "repeat_policy = excluded.repeat_policy, updated_at = excluded.updated_at, "
               "chaos = excluded.chaos, statecharts = excluded.statecharts "
               "RETURNING ",
               kServiceColumns}));
      s.BindAll(tenant, service.id, service.host, service.path_prefix, service.upstream,
                service.mode, EncodeHeaderList(service.redact_headers), policy,
                service.created_at_ms != 0 ? service.created_at_ms : now, now, service.chaos,
                service.statecharts);
      s.Step();
      ServiceRecord out = ReadService(s);
      s.Run();
      return out;
    });
  }

  Result<ServiceRecord> GetService(const std::string& tenant, const std::string& id) override {
    return Run("get service", [&] {
      auto s = db_->Prepare(
          Sql({"SELECT ", kServiceColumns, " FROM services WHERE tenant_id = ?1 AND id = ?2"}));
      s.BindAll(tenant, id);
      if (!s.Step()) Refuse(ErrorCode::kNotFound, "service '" + id + "' not found");
      return ReadService(s);
    });
  }

  Result<Page<ServiceRecord>> ListServices(const std::string& tenant,
                                           const PageRequest& page) override {
    return Run("list services", [&] {
      std::string after;
      if (!page.cursor.empty()) after = DecodeCursor("services", page.cursor, 1)[0];
      const int limit = ClampLimit(page.limit);
      auto s = db_->Prepare(Sql({"SELECT ", kServiceColumns,
                                 " FROM services WHERE tenant_id = ?1 AND id > ?2 "
                                 "ORDER BY id LIMIT ?3"}));
      s.BindAll(tenant, after, limit + 1);
      Page<ServiceRecord> out;
      while (s.Step()) out.items.push_back(ReadService(s));
      if (static_cast<int>(out.items.size()) > limit) {
        out.items.pop_back();
        out.next_cursor = EncodeCursor("services", {out.items.back().id});
      }
      return out;
    });
  }

  Status DeleteService(const std::string& tenant, const std::string& id) override {
    return Run("delete service", [&] {
      db_->Prepare("DELETE FROM services WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, id)
          .Run();
      if (db_->Changes() == 0) Refuse(ErrorCode::kNotFound, "service '" + id + "' not found");
      return common::Ok{};
    });
  }

  // Library.

  Result<std::vector<LibraryEntry>> UpsertEntries(
      const std::string& tenant, const std::vector<LibraryEntry>& entries) override {
    return Run("upsert library entries", [&] {
      for (const LibraryEntry& e : entries) ValidateEntry(e);
      std::vector<LibraryEntry> out;
      if (entries.empty()) return out;
      out.reserve(entries.size());
      const int64_t now = NowMs();
      Transaction tx(*db_);
      for (const LibraryEntry& e : entries) {
        try {
          auto s = db_->Prepare(
              Sql({"INSERT INTO library_entries (tenant_id, service, method, uri, uri_template, "
                   "match_key, seq, status, exchange_json, source, scrubbed_at, created_at, "
                   "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                   "ON CONFLICT (tenant_id, service, match_key, seq) DO UPDATE SET "
                   "method = excluded.method, uri = excluded.uri, "
                   "uri_template = excluded.uri_template, status = excluded.status, "
                   "exchange_json = excluded.exchange_json, source = excluded.source, "
                   "scrubbed_at = excluded.scrubbed_at, updated_at = excluded.updated_at "
                   "RETURNING ",
                   kEntryColumns}));
          s.BindAll(tenant, e.service, e.method, e.uri, e.uri_template, e.match_key, e.seq,
                    e.status, e.exchange_json, e.source, e.scrubbed_at_ms,
                    e.created_at_ms != 0 ? e.created_at_ms : now, now);
          s.Step();
          out.push_back(ReadEntry(s));
          s.Run();
        } catch (const SqliteError& err) {
          if (IsSealRefusal(err)) {
            Refuse(ErrorCode::kConflict,
                   "the seal refused it: " + EntryName(e) +
                       " is scrubbed and cannot be replaced by an unscrubbed entry; nothing in "
                       "this batch was written (scrub the entry first)");
          }
          throw;
        }
      }
      tx.Commit();
      return out;
    });
  }

  Result<LibraryEntry> GetEntry(const std::string& tenant, int64_t id) override {
    return Run("get library entry", [&] {
      auto s = db_->Prepare(Sql(
          {"SELECT ", kEntryColumns, " FROM library_entries WHERE tenant_id = ?1 AND id = ?2"}));
      s.BindAll(tenant, id);
      if (!s.Step()) {
        Refuse(ErrorCode::kNotFound, "library entry " + std::to_string(id) + " not found");
      }
      return ReadEntry(s);
    });
  }

  Result<Page<LibraryEntry>> ListEntries(const std::string& tenant, const LibraryFilter& filter,
                                         const PageRequest& page) override {
    return Run("list library entries", [&] {
      int64_t after = 0;
      if (!page.cursor.empty()) after = CursorInt(DecodeCursor("entries", page.cursor, 1)[0]);
      const int limit = ClampLimit(page.limit);
      FilterSql where = BuildFilter(filter, 4);
      auto s = db_->Prepare(
          Sql({"SELECT ", kEntryColumns, " FROM library_entries WHERE tenant_id = ?1 AND id > ?2",
               where.where, " ORDER BY id LIMIT ?3"}));
      s.BindAll(tenant, after, limit + 1);
      BindFilter(s, where, 4);
      Page<LibraryEntry> out;
      while (s.Step()) out.items.push_back(ReadEntry(s));
      if (static_cast<int>(out.items.size()) > limit) {
        out.items.pop_back();
        out.next_cursor = EncodeCursor("entries", {std::to_string(out.items.back().id)});
      }
      return out;
    });
  }

  Result<LibraryEntry> UpdateEntry(const std::string& tenant, const LibraryEntry& entry) override {
    return Run("update library entry", [&] {
      ValidateEntry(entry);
      auto s = db_->Prepare(
          Sql({"UPDATE library_entries SET service = ?3, method = ?4, uri = ?5, uri_template = ?6, "
               "match_key = ?7, seq = ?8, status = ?9, exchange_json = ?10, source = ?11, "
               "scrubbed_at = ?12, updated_at = ?13 WHERE tenant_id = ?1 AND id = ?2 RETURNING ",
               kEntryColumns}));
      s.BindAll(tenant, entry.id, entry.service, entry.method, entry.uri, entry.uri_template,
                entry.match_key, entry.seq, entry.status, entry.exchange_json, entry.source,
                entry.scrubbed_at_ms, NowMs());
      try {
        if (!s.Step()) {
          Refuse(ErrorCode::kNotFound, "library entry " + std::to_string(entry.id) + " not found");
        }
        LibraryEntry out = ReadEntry(s);
        s.Run();
        return out;
      } catch (const SqliteError& err) {
        if (IsSealRefusal(err)) {
          Refuse(ErrorCode::kConflict,
                 "the seal refused it: library entry " + std::to_string(entry.id) +
                     " is scrubbed and cannot be replaced by an unscrubbed one (scrub the edit "
                     "first)");
        }
        if (IsUniqueViolation(err)) {
          Refuse(ErrorCode::kConflict, "another " + EntryName(entry) + " already exists");
        }
        throw;
      }
    });
  }

  Status DeleteEntry(const std::string& tenant, int64_t id) override {
    return Run("delete library entry", [&] {
      db_->Prepare("DELETE FROM library_entries WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, id)
          .Run();
      if (db_->Changes() == 0) {
        Refuse(ErrorCode::kNotFound, "library entry " + std::to_string(id) + " not found");
      }
      return common::Ok{};
    });
  }

  Result<int64_t> CountEntries(const std::string& tenant, const LibraryFilter& filter) override {
    return Run("count library entries", [&] {
      FilterSql where = BuildFilter(filter, 2);
      auto s = db_->Prepare(
          Sql({"SELECT COUNT(*) FROM library_entries WHERE tenant_id = ?1", where.where}));
      s.Bind(1, tenant);
      BindFilter(s, where, 2);
      s.Step();
      return s.Int(0);
    });
  }

  // Transition jobs.

  Result<TransitionJob> CreateJob(const std::string& tenant, const TransitionJob& job) override {
    return Run("create transition job", [&] {
      TransitionJob in = job;
      if (in.id.empty()) in.id = RandomId();
      RequireValidId("transition job", in.id);
      if (in.state.empty()) in.state = "pending";
      if (in.state != "pending" && in.state != "running" && !IsFinished(in.state)) {
        Refuse(
            ErrorCode::kInvalidArgument,
            "job state '" + in.state + "' is invalid: use pending, running, succeeded or failed");
      }
      in.created_at_ms = OrNow(in.created_at_ms);
      auto s = db_->Prepare(
          Sql({"INSERT INTO transition_jobs (tenant_id, id, state, previous_mode, total_bytes, "
               "read_bytes, exchanges_read, entries_staged, entries_skipped, error, created_at, "
               "updated_at, finished_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING ",
               kJobColumns}));
      s.BindAll(tenant, in.id, in.state, in.previous_mode, in.total_bytes, in.read_bytes,
                in.exchanges_read, in.entries_staged, in.entries_skipped, in.error,
                in.created_at_ms, in.created_at_ms, in.finished_at_ms);
      try {
        s.Step();
      } catch (const SqliteError& e) {
        if (IsUniqueViolation(e)) {
          Refuse(ErrorCode::kConflict, "transition job '" + in.id + "' already exists");
        }
        throw;
      }
      TransitionJob out = ReadJob(s);
      s.Run();
      return out;
    });
  }

  Result<TransitionJob> GetJob(const std::string& tenant, const std::string& id) override {
    return Run("get transition job", [&] { return LoadJob(tenant, id); });
  }

  Result<Page<TransitionJob>> ListJobs(const std::string& tenant,
                                       const PageRequest& page) override {
    return Run("list transition jobs", [&] {
      // Newest first: by created_at, ties broken by insertion order (pk).
      int64_t before_created = std::numeric_limits<int64_t>::max();
      int64_t before_pk = std::numeric_limits<int64_t>::max();
      if (!page.cursor.empty()) {
        auto fields = DecodeCursor("jobs", page.cursor, 2);
        before_created = CursorInt(fields[0]);
        before_pk = CursorInt(fields[1]);
      }
      const int limit = ClampLimit(page.limit);
      auto s = db_->Prepare(Sql({"SELECT ", kJobColumns,
                                 " FROM transition_jobs WHERE tenant_id = ?1 AND "
                                 "(created_at, pk) < (?2, ?3) "
                                 "ORDER BY created_at DESC, pk DESC LIMIT ?4"}));
      s.BindAll(tenant, before_created, before_pk, limit + 1);
      Page<TransitionJob> out;
      int64_t last_kept_pk = 0;
      while (s.Step()) {
        if (static_cast<int>(out.items.size()) == limit) {
          out.next_cursor = EncodeCursor("jobs", {std::to_string(out.items.back().created_at_ms),
                                                  std::to_string(last_kept_pk)});
          break;
        }
        last_kept_pk = s.Int(0);
        out.items.push_back(ReadJob(s));
      }
      return out;
    });
  }

  Result<std::vector<TransitionJob>> UnfinishedJobs(const std::string& tenant) override {
    return Run("list unfinished transition jobs", [&] {
      auto s = db_->Prepare(Sql({"SELECT ", kJobColumns,
                                 " FROM transition_jobs WHERE tenant_id = ?1 AND "
                                 "state IN ('pending', 'running') ORDER BY created_at, pk"}));
      s.Bind(1, tenant);
      std::vector<TransitionJob> out;
      while (s.Step()) out.push_back(ReadJob(s));
      return out;
    });
  }

  Status MarkJobRunning(const std::string& tenant, const std::string& id,
                        int64_t total_bytes) override {
    return Run("mark transition job running", [&] {
      Transaction tx(*db_);
      RequireUnfinished(LoadJob(tenant, id), "mark it running");
      db_->Prepare(
             "UPDATE transition_jobs SET state = 'running', total_bytes = ?3, updated_at = ?4 "
             "WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, id, total_bytes, NowMs())
          .Run();
      tx.Commit();
      return common::Ok{};
    });
  }

  Status StageBatch(const std::string& tenant, const std::string& job_id,
                    const std::vector<LibraryEntry>& entries,
                    const std::vector<TrafficOffset>& staged_offsets,
                    const BatchProgress& progress) override {
    return Run("stage a transition batch", [&] {
      for (const LibraryEntry& e : entries) ValidateEntry(e);
      for (const TrafficOffset& o : staged_offsets) {
        if (o.file.empty() || o.offset < 0) {
          Refuse(ErrorCode::kInvalidArgument,
                 "a staged offset needs a file and an offset of 0 or more");
        }
      }
      if (progress.read_bytes < 0 || progress.exchanges_read < 0 || progress.entries_staged < 0 ||
          progress.entries_skipped < 0) {
        Refuse(ErrorCode::kInvalidArgument, "batch progress counts cannot be negative");
      }
      const int64_t now = NowMs();
      Transaction tx(*db_);
      RequireUnfinished(LoadJob(tenant, job_id), "stage more into it");
      for (const LibraryEntry& e : entries) {
        db_->Prepare(
               "INSERT INTO staged_entries (tenant_id, job_id, service, method, uri, "
               "uri_template, match_key, seq, status, exchange_json, source, scrubbed_at, "
               "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
               "ON CONFLICT (tenant_id, job_id, service, match_key, seq) DO UPDATE SET "
               "method = excluded.method, uri = excluded.uri, "
               "uri_template = excluded.uri_template, status = excluded.status, "
               "exchange_json = excluded.exchange_json, source = excluded.source, "
               "scrubbed_at = excluded.scrubbed_at")
            .BindAll(tenant, job_id, e.service, e.method, e.uri, e.uri_template, e.match_key, e.seq,
                     e.status, e.exchange_json, e.source, e.scrubbed_at_ms,
                     e.created_at_ms != 0 ? e.created_at_ms : now)
            .Run();
      }
      for (const TrafficOffset& o : staged_offsets) {
        db_->Prepare(
               "INSERT INTO staged_offsets (tenant_id, job_id, file, byte_offset) "
               "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, job_id, file) "
               "DO UPDATE SET byte_offset = excluded.byte_offset")
            .BindAll(tenant, job_id, o.file, o.offset)
            .Run();
      }
      db_->Prepare(
             "UPDATE transition_jobs SET read_bytes = read_bytes + ?3, "
             "exchanges_read = exchanges_read + ?4, entries_staged = entries_staged + ?5, "
             "entries_skipped = entries_skipped + ?6, updated_at = ?7 "
             "WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, job_id, progress.read_bytes, progress.exchanges_read,
                   progress.entries_staged, progress.entries_skipped, now)
          .Run();
      tx.Commit();
      return common::Ok{};
    });
  }

  Result<std::vector<TrafficOffset>> StagedOffsets(const std::string& tenant,
                                                   const std::string& job_id) override {
    return Run("read staged offsets", [&] {
      LoadJob(tenant, job_id);
      auto s = db_->Prepare(
          "SELECT file, byte_offset FROM staged_offsets WHERE tenant_id = ?1 AND job_id = ?2 "
          "ORDER BY file");
      s.BindAll(tenant, job_id);
      std::vector<TrafficOffset> out;
      while (s.Step()) out.push_back(TrafficOffset{s.Text(0), s.Int(1)});
      return out;
    });
  }

  Status PublishJob(const std::string& tenant, const std::string& job_id) override {
    return Run("publish transition job", [&] {
      const int64_t now = NowMs();
      Transaction tx(*db_);
      TransitionJob job = LoadJob(tenant, job_id);
      // Publishing is idempotent: a retry after a publish that committed changes nothing.
      if (job.state == "succeeded") return common::Ok{};
      if (job.state == "failed") {
        Refuse(ErrorCode::kFailedPrecondition,
               "transition job '" + job_id + "' failed (" + job.error +
                   ") and its staging was discarded; start a new transition");
      }
      try {
        // The WHERE clause is also what lets SQLite parse ON CONFLICT after a SELECT.
        db_->Prepare(
               "INSERT INTO library_entries (tenant_id, service, method, uri, uri_template, "
               "match_key, seq, status, exchange_json, source, scrubbed_at, created_at, "
               "updated_at) "
               "SELECT tenant_id, service, method, uri, uri_template, match_key, seq, status, "
               "exchange_json, source, scrubbed_at, ?3, ?3 FROM staged_entries "
               "WHERE tenant_id = ?1 AND job_id = ?2 ORDER BY pk "
               "ON CONFLICT (tenant_id, service, match_key, seq) DO UPDATE SET "
               "method = excluded.method, uri = excluded.uri, "
               "uri_template = excluded.uri_template, status = excluded.status, "
               "exchange_json = excluded.exchange_json, source = excluded.source, "
               "scrubbed_at = excluded.scrubbed_at, updated_at = excluded.updated_at")
            .BindAll(tenant, job_id, now)
            .Run();
      } catch (const SqliteError& err) {
        if (IsSealRefusal(err)) {
          Refuse(ErrorCode::kConflict,
                 "the seal refused it: transition job '" + job_id +
                     "' staged an unscrubbed entry over a scrubbed library entry; nothing was "
                     "published and the staging is kept (discard the job, then scrub and "
                     "transition again)");
        }
        throw;
      }
      db_->Prepare(
             "INSERT INTO committed_offsets (tenant_id, file, byte_offset, updated_at) "
             "SELECT tenant_id, file, byte_offset, ?3 FROM staged_offsets "
             "WHERE tenant_id = ?1 AND job_id = ?2 "
             "ON CONFLICT (tenant_id, file) DO UPDATE SET "
             "byte_offset = excluded.byte_offset, updated_at = excluded.updated_at")
          .BindAll(tenant, job_id, now)
          .Run();
      // The staged entries are left for PurgeStaging: deleting them here would double the
      // publishing transaction's work.
      db_->Prepare("DELETE FROM staged_offsets WHERE tenant_id = ?1 AND job_id = ?2")
          .BindAll(tenant, job_id)
          .Run();
      db_->Prepare(
             "UPDATE transition_jobs SET state = 'succeeded', error = '', finished_at = ?3, "
             "updated_at = ?3 WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, job_id, now)
          .Run();
      tx.Commit();
      return common::Ok{};
    });
  }

  Status PurgeStaging(const std::string& tenant, const std::string& job_id) override {
    return Run("purge transition staging", [&] {
      Transaction tx(*db_);
      TransitionJob job = LoadJob(tenant, job_id);
      if (job.state != "succeeded" && job.state != "failed") {
        Refuse(ErrorCode::kFailedPrecondition,
               "transition job '" + job_id + "' is still " + job.state +
                   "; its staging is purged once it has finished");
      }
      DeleteStaging(tenant, job_id);
      tx.Commit();
      return common::Ok{};
    });
  }

  Status DiscardJob(const std::string& tenant, const std::string& job_id,
                    const std::string& reason) override {
    return Run("discard transition job", [&] {
      const int64_t now = NowMs();
      Transaction tx(*db_);
      TransitionJob job = LoadJob(tenant, job_id);
      // Discarding twice keeps the first reason.
      if (job.state == "failed") return common::Ok{};
      if (job.state == "succeeded") {
        Refuse(ErrorCode::kFailedPrecondition,
               "transition job '" + job_id + "' was already published; it cannot be discarded");
      }
      DeleteStaging(tenant, job_id);
      db_->Prepare(
             "UPDATE transition_jobs SET state = 'failed', error = ?3, finished_at = ?4, "
             "updated_at = ?4 WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, job_id, reason, now)
          .Run();
      tx.Commit();
      return common::Ok{};
    });
  }

  Result<std::vector<TrafficOffset>> CommittedOffsets(const std::string& tenant) override {
    return Run("read committed offsets", [&] {
      auto s = db_->Prepare(
          "SELECT file, byte_offset FROM committed_offsets WHERE tenant_id = ?1 ORDER BY file");
      s.Bind(1, tenant);
      std::vector<TrafficOffset> out;
      while (s.Step()) out.push_back(TrafficOffset{s.Text(0), s.Int(1)});
      return out;
    });
  }

  // Unmatched requests.

  Status RecordUnmatched(const std::string& tenant,
                         const std::vector<UnmatchedRequest>& requests) override {
    return Run("record unmatched requests", [&] {
      for (const UnmatchedRequest& r : requests) {
        if (r.count < 0) {
          Refuse(ErrorCode::kInvalidArgument, "an unmatched request count cannot be negative");
        }
      }
      if (requests.empty()) return common::Ok{};
      const int64_t now = NowMs();
      Transaction tx(*db_);
      for (const UnmatchedRequest& r : requests) {
        const int64_t first = r.first_seen_ms != 0 ? r.first_seen_ms : now;
        const int64_t last = r.last_seen_ms != 0 ? r.last_seen_ms : first;
        db_->Prepare(
               "INSERT INTO unmatched_requests (tenant_id, service, method, uri, count, "
               "first_seen_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
               "ON CONFLICT (tenant_id, service, method, uri) DO UPDATE SET "
               "count = unmatched_requests.count + excluded.count, "
               "first_seen_at = MIN(unmatched_requests.first_seen_at, excluded.first_seen_at), "
               "last_seen_at = MAX(unmatched_requests.last_seen_at, excluded.last_seen_at)")
            .BindAll(tenant, r.service, r.method, r.uri, r.count, first, last)
            .Run();
      }
      tx.Commit();
      return common::Ok{};
    });
  }

  Result<Page<UnmatchedRequest>> ListUnmatched(const std::string& tenant,
                                               const PageRequest& page) override {
    return Run("list unmatched requests", [&] {
      int64_t after = 0;
      if (!page.cursor.empty()) after = CursorInt(DecodeCursor("unmatched", page.cursor, 1)[0]);
      const int limit = ClampLimit(page.limit);
      auto s = db_->Prepare(Sql({"SELECT ", kUnmatchedColumns,
                                 " FROM unmatched_requests WHERE tenant_id = ?1 AND pk > ?2 "
                                 "ORDER BY pk LIMIT ?3"}));
      s.BindAll(tenant, after, limit + 1);
      return ReadPage<UnmatchedRequest>(s, limit, "unmatched", ReadUnmatched);
    });
  }

  // API keys.

  Result<ApiKeyRecord> CreateApiKey(const std::string& tenant, const ApiKeyRecord& key) override {
    return Run("create api key", [&] {
      ApiKeyRecord in = key;
      if (in.id.empty()) in.id = RandomId();
      RequireValidId("api key", in.id);
      if (!IsSha256Hex(in.key_sha256)) {
        Refuse(ErrorCode::kInvalidArgument,
               "key_sha256 must be the SHA-256 of the key as 64 lower-case hex digits; the raw "
               "key is never stored");
      }
      if (in.role != "admin" && in.role != "editor" && in.role != "viewer") {
        Refuse(ErrorCode::kInvalidArgument,
               "api key role '" + in.role + "' is invalid: use admin, editor or viewer");
      }
      in.created_at_ms = OrNow(in.created_at_ms);
      try {
        db_->Prepare(
               "INSERT INTO api_keys (tenant_id, id, name, prefix, key_sha256, role, "
               "created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .BindAll(tenant, in.id, in.name, in.prefix, in.key_sha256, in.role, in.created_at_ms,
                     in.revoked_at_ms)
            .Run();
      } catch (const SqliteError& e) {
        if (IsUniqueViolation(e)) {
          Refuse(ErrorCode::kConflict,
                 "an api key with id '" + in.id + "' or with the same key hash already exists");
        }
        throw;
      }
      return in;
    });
  }

  Result<std::pair<std::string, ApiKeyRecord>> FindApiKey(const std::string& key_sha256) override {
    return Run("find api key", [&] {
      // Deliberately not tenant-scoped: authentication happens before the tenant is known.
      auto s = db_->Prepare(
          Sql({"SELECT tenant_id, ", kApiKeyColumns, " FROM api_keys WHERE key_sha256 = ?1"}));
      s.Bind(1, key_sha256);
      if (!s.Step()) Refuse(ErrorCode::kNotFound, "no api key has that hash");
      return std::pair<std::string, ApiKeyRecord>(s.Text(0), ReadApiKey(s, 1));
    });
  }

  Result<Page<ApiKeyRecord>> ListApiKeys(const std::string& tenant,
                                         const PageRequest& page) override {
    return Run("list api keys", [&] {
      int64_t after = 0;
      if (!page.cursor.empty()) after = CursorInt(DecodeCursor("apikeys", page.cursor, 1)[0]);
      const int limit = ClampLimit(page.limit);
      auto s = db_->Prepare(Sql({"SELECT ", kApiKeyColumns,
                                 " FROM api_keys WHERE tenant_id = ?1 AND pk > ?2 "
                                 "ORDER BY pk LIMIT ?3"}));
      s.BindAll(tenant, after, limit + 1);
      return ReadPage<ApiKeyRecord>(s, limit, "apikeys",
                                    [](const Statement& st) { return ReadApiKey(st); });
    });
  }

  Status RevokeApiKey(const std::string& tenant, const std::string& id) override {
    return Run("revoke api key", [&] {
      // Revoking twice keeps the first revocation time.
      db_->Prepare(
             "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?3) "
             "WHERE tenant_id = ?1 AND id = ?2")
          .BindAll(tenant, id, NowMs())
          .Run();
      if (db_->Changes() == 0) Refuse(ErrorCode::kNotFound, "api key '" + id + "' not found");
      return common::Ok{};
    });
  }

  // Audit log.

  Result<AuditEvent> AppendAudit(const std::string& tenant, const AuditEvent& event) override {
    return Run("append audit event", [&] {
      AuditEvent in = event;
      if (in.detail_json.empty()) in.detail_json = "{}";
      boost::system::error_code ec;
      boost::json::value detail = boost::json::parse(in.detail_json, ec);
      if (ec || !detail.is_object()) {
        Refuse(ErrorCode::kInvalidArgument, "audit detail_json must be a JSON object");
      }
      in.at_ms = OrNow(in.at_ms);
      auto s = db_->Prepare(
          "INSERT INTO audit_log (tenant_id, at, actor, action, target, detail_json) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
      s.BindAll(tenant, in.at_ms, in.actor, in.action, in.target, in.detail_json);
      s.Step();
      in.id = s.Int(0);
      s.Run();
      return in;
    });
  }

  Result<Page<AuditEvent>> ListAudit(const std::string& tenant, const PageRequest& page) override {
    return Run("list audit events", [&] {
      int64_t before = std::numeric_limits<int64_t>::max();
      if (!page.cursor.empty()) before = CursorInt(DecodeCursor("audit", page.cursor, 1)[0]);
      const int limit = ClampLimit(page.limit);
      auto s = db_->Prepare(Sql({"SELECT ", kAuditColumns,
                                 " FROM audit_log WHERE tenant_id = ?1 AND id < ?2 "
                                 "ORDER BY id DESC LIMIT ?3"}));
      s.BindAll(tenant, before, limit + 1);
      Page<AuditEvent> out;
      while (s.Step()) out.items.push_back(ReadAudit(s));
      if (static_cast<int>(out.items.size()) > limit) {
        out.items.pop_back();
        out.next_cursor = EncodeCursor("audit", {std::to_string(out.items.back().id)});
      }
      return out;
    });
  }

  // Idempotency keys.

  Result<std::optional<IdempotentResponse>> GetIdempotent(const std::string& tenant,
                                                          const std::string& key) override {
    return Run("get idempotency key", [&] {
      auto s = db_->Prepare(
          "SELECT idem_key, request_sha256, status, body, created_at FROM idempotency_keys "
          "WHERE tenant_id = ?1 AND idem_key = ?2");
      s.BindAll(tenant, key);
      std::optional<IdempotentResponse> out;
      if (s.Step()) {
        out = IdempotentResponse{s.Text(0), s.Text(1), static_cast<int>(s.Int(2)), s.Text(3),
                                 s.Int(4)};
      }
      return out;
    });
  }

  Status PutIdempotent(const std::string& tenant, const IdempotentResponse& response) override {
    return Run("store idempotent response", [&] {
      if (response.key.empty()) {
        Refuse(ErrorCode::kInvalidArgument, "an idempotency key cannot be empty");
      }
      try {
        db_->Prepare(
               "INSERT INTO idempotency_keys (tenant_id, idem_key, request_sha256, status, body, "
               "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .BindAll(tenant, response.key, response.request_sha256, response.status, response.body,
                     OrNow(response.created_at_ms))
            .Run();
      } catch (const SqliteError& e) {
        if (IsUniqueViolation(e)) {
          Refuse(ErrorCode::kConflict,
                 "idempotency key '" + response.key + "' already holds a response");
        }
        throw;
      }
      return common::Ok{};
    });
  }

 private:
  // Runs body under the connection mutex and turns whatever it throws into an Error.
  template <typename F>
  auto Run(std::string_view what, F&& body) -> Result<std::invoke_result_t<F>> {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      return body();
    } catch (const Error& e) {
      return e;
    } catch (const SqliteError& e) {
      ErrorCode code = sqlite::MapSqliteCode(e.code());
      std::string message =
          "SQLite store '" + path_ + "': cannot " + std::string(what) + ": " + e.what();
      if (e.code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        message += " (the tenant it belongs to does not exist; create the tenant first)";
      } else if (code == ErrorCode::kUnavailable) {
        message +=
            " (the database is busy or cannot be written; check the disk and the file's "
            "permissions, then retry)";
      }
      return MakeError(std::move(message), code);
    } catch (const std::exception& e) {
      return MakeError("SQLite store '" + path_ + "': cannot " + std::string(what) + ": " +
                       e.what());
    }
  }

  // Reads up to limit rows (the statement was asked for limit + 1) whose first column is the
  // pk that orders them ascending; the next cursor is the last kept row's pk.
  template <typename T, typename Reader>
  Page<T> ReadPage(Statement& s, int limit, std::string_view list, Reader read) {
    Page<T> out;
    int64_t last_kept_pk = 0;
    while (s.Step()) {
      if (static_cast<int>(out.items.size()) == limit) {
        out.next_cursor = EncodeCursor(list, {std::to_string(last_kept_pk)});
        break;
      }
      last_kept_pk = s.Int(0);
      out.items.push_back(read(s));
    }
    return out;
  }

  // Call with the mutex held.
  TransitionJob LoadJob(const std::string& tenant, const std::string& id) {
    auto s = db_->Prepare(
        Sql({"SELECT ", kJobColumns, " FROM transition_jobs WHERE tenant_id = ?1 AND id = ?2"}));
    s.BindAll(tenant, id);
    if (!s.Step()) Refuse(ErrorCode::kNotFound, "transition job '" + id + "' not found");
    return ReadJob(s);
  }

  static void RequireUnfinished(const TransitionJob& job, std::string_view action) {
    if (IsFinished(job.state)) {
      Refuse(ErrorCode::kFailedPrecondition,
             "transition job '" + job.id + "' has already " +
                 (job.state == "succeeded" ? "succeeded" : "failed") + "; cannot " +
                 std::string(action));
    }
  }

  void DeleteStaging(const std::string& tenant, const std::string& job_id) {
    db_->Prepare("DELETE FROM staged_entries WHERE tenant_id = ?1 AND job_id = ?2")
        .BindAll(tenant, job_id)
        .Run();
    db_->Prepare("DELETE FROM staged_offsets WHERE tenant_id = ?1 AND job_id = ?2")
        .BindAll(tenant, job_id)
        .Run();
  }

  std::mutex mu_;
  std::unique_ptr<Database> db_;  // guarded by mu_
  const std::string path_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  try {
    auto db = std::make_unique<Database>(path);
    sqlite3_busy_timeout(db->handle(), kBusyTimeoutMs);
    // foreign_keys is per connection and a no-op inside a transaction, so it is set first.
    db->Exec("PRAGMA foreign_keys = ON");
    db->Exec("PRAGMA journal_mode = WAL");
    // NORMAL is safe in WAL mode: a power loss can lose the last commits, never corrupt.
    db->Exec("PRAGMA synchronous = NORMAL");
    auto version = sqlite::ApplyMigrations(*db);
    if (!version) {
      return MakeError("SQLite store '" + path + "': " + version.error(), version.error_code());
    }
    return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), path));
  } catch (const SqliteError& e) {
    ErrorCode code = sqlite::MapSqliteCode(e.code());
    std::string message = "SQLite store '" + path + "': " + e.what();
    if (code == ErrorCode::kFailedPrecondition) {
      message +=
          " (the file is not a SQLite database or is damaged; restore it from a backup "
          "or point gostly at another path)";
    }
    return MakeError(std::move(message), code);
  } catch (const std::exception& e) {
    return MakeError("SQLite store '" + path + "': " + e.what());
  }
}

int SqliteLatestSchemaVersion() { return sqlite::LatestVersion(); }

}  // namespace gostly::store
