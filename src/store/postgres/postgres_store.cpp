// The PostgreSQL Store: libpq with bound parameters, a small connection pool, and every
// tenant-scoped statement inside a transaction that first sets gostly.tenant_id, which the
// row-level-security policies of the schema (pg_migrations.cpp) compare every row with.
#include "store/postgres/postgres_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_migrations.hpp"
#include "store/postgres/pg_pool.hpp"

namespace gostly::store {
namespace {

using common::Error;
using common::ErrorCode;
using common::MakeError;
using postgres::PgConnection;
using postgres::PgParams;
using postgres::PgPool;
using postgres::PgRows;

constexpr size_t kPoolSize = 4;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int ClampLimit(int limit) { return std::clamp(limit, 1, 1000); }

Error Prefixed(const Error& error, std::string_view op) {
  return MakeError(std::string(op) + ": " + error.message, error.code);
}

Error NotFound(const std::string& what) {
  return MakeError(what + " not found", ErrorCode::kNotFound);
}

Error Invalid(const std::string& what) { return MakeError(what, ErrorCode::kInvalidArgument); }

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return std::nullopt;
    out.push_back(static_cast<char>(value));
  }
  return out;
}

// Cursors are opaque to callers: "p" and the hex of the last row's sort key.
std::string EncodeCursor(std::string_view key) { return "p" + Hex(key); }

Result<std::string> DecodeCursor(const std::string& cursor) {
  if (cursor.empty()) return std::string();
  std::optional<std::string> key;
  if (cursor.front() == 'p') key = Unhex(std::string_view(cursor).substr(1));
  if (!key || key->empty()) return Invalid("invalid page cursor '" + cursor + "'");
  return *key;
}

// The whole of text as a decimal integer.
bool ParseInt(std::string_view text, int64_t* value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// A cursor over a positive integer key; 0 when there is none.
Result<int64_t> DecodeIntCursor(const std::string& cursor) {
  auto key = DecodeCursor(cursor);
  if (!key) return key.error_value();
  if (key->empty()) return int64_t{0};
  int64_t value = 0;
  if (!ParseInt(*key, &value) || value <= 0) {
    return Invalid("invalid page cursor '" + cursor + "'");
  }
  return value;
}

// Service and tenant ids: [A-Za-z0-9._-]{1,64}.
bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

std::string HeadersToJson(const std::vector<std::string>& headers) {
  boost::json::array array;
  for (const auto& header : headers) array.emplace_back(header);
  return boost::json::serialize(array);
}

std::vector<std::string> HeadersFromJson(const std::string& text) {
  std::vector<std::string> headers;
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  if (ec || !value.is_array()) return headers;
  for (const auto& item : value.as_array()) {
    if (item.is_string()) headers.emplace_back(item.as_string());
  }
  return headers;
}

// Column lists and the row readers that match them.

constexpr const char* kTenantColumns = "id, name, created_at";

Tenant TenantFromRow(const PgRows& rows, int r) {
  return Tenant{rows.Text(r, 0), rows.Text(r, 1), rows.Int(r, 2)};
}

constexpr const char* kServiceColumns =
    "id, host, path_prefix, upstream, mode, redact_headers::text, repeat_policy, created_at, "
    "updated_at, chaos, statecharts";

ServiceRecord ServiceFromRow(const PgRows& rows, int r) {
  ServiceRecord s;
  s.id = rows.Text(r, 0);
  s.host = rows.Text(r, 1);
  s.path_prefix = rows.Text(r, 2);
  s.upstream = rows.Text(r, 3);
  s.mode = rows.Text(r, 4);
  s.redact_headers = HeadersFromJson(rows.Text(r, 5));
  s.repeat_policy = rows.Text(r, 6);
  s.created_at_ms = rows.Int(r, 7);
  s.updated_at_ms = rows.Int(r, 8);
  s.chaos = rows.Text(r, 9);  // NULL reads as ""
  s.statecharts = rows.Text(r, 10);
  return s;
}

constexpr const char* kEntryColumns =
    "id, service, method, uri, uri_template, match_key, seq, status, exchange_json, source, "
    "scrubbed_at, created_at, updated_at";

LibraryEntry EntryFromRow(const PgRows& rows, int r) {
  LibraryEntry e;
  e.id = rows.Int(r, 0);
  e.service = rows.Text(r, 1);
  e.method = rows.Text(r, 2);
  e.uri = rows.Text(r, 3);
  e.uri_template = rows.Text(r, 4);
  e.match_key = rows.Text(r, 5);
  e.seq = static_cast<int>(rows.Int(r, 6));
  e.status = static_cast<int>(rows.Int(r, 7));
  e.exchange_json = rows.Text(r, 8);
  e.source = rows.Text(r, 9);
  e.scrubbed_at_ms = rows.OptionalInt(r, 10);
  e.created_at_ms = rows.Int(r, 11);
  e.updated_at_ms = rows.Int(r, 12);
  return e;
}

// $2..$6 of a library query: service, method, uri substring, status, sealed only.
constexpr const char* kEntryFilter =
    " ($2 = '' OR service = $2) AND ($3 = '' OR method = $3)"
    " AND ($4 = '' OR strpos(uri, $4) > 0) AND ($5::int = 0 OR status = $5::int)"
    " AND (NOT $6::boolean OR scrubbed_at IS NOT NULL)";

void AddFilter(PgParams& params, const LibraryFilter& filter) {
  params.Add(filter.service)
      .Add(filter.method)
      .Add(filter.uri_contains)
      .Add(filter.status)
      .Add(filter.sealed_only);
}

constexpr const char* kJobColumns =
    "id, state, previous_mode, total_bytes, read_bytes, exchanges_read, entries_staged, "
    "entries_skipped, error, created_at, updated_at, finished_at";

TransitionJob JobFromRow(const PgRows& rows, int r) {
  TransitionJob j;
  j.id = rows.Text(r, 0);
  j.state = rows.Text(r, 1);
  j.previous_mode = rows.Text(r, 2);
  j.total_bytes = rows.Int(r, 3);
  j.read_bytes = rows.Int(r, 4);
  j.exchanges_read = rows.Int(r, 5);
  j.entries_staged = rows.Int(r, 6);
  j.entries_skipped = rows.Int(r, 7);
  j.error = rows.Text(r, 8);
  j.created_at_ms = rows.Int(r, 9);
  j.updated_at_ms = rows.Int(r, 10);
  j.finished_at_ms = rows.Int(r, 11);
  return j;
}

constexpr const char* kUnmatchedColumns = "service, method, uri, count, first_seen, last_seen";

UnmatchedRequest UnmatchedFromRow(const PgRows& rows, int r) {
  return UnmatchedRequest{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2),
                          rows.Int(r, 3),  rows.Int(r, 4),  rows.Int(r, 5)};
}

constexpr const char* kKeyColumns = "id, name, prefix, key_sha256, role, created_at, revoked_at";

ApiKeyRecord KeyFromRow(const PgRows& rows, int r, int first = 0) {
  ApiKeyRecord k;
  k.id = rows.Text(r, first + 0);
  k.name = rows.Text(r, first + 1);
  k.prefix = rows.Text(r, first + 2);
  k.key_sha256 = rows.Text(r, first + 3);
  k.role = rows.Text(r, first + 4);
  k.created_at_ms = rows.Int(r, first + 5);
  k.revoked_at_ms = rows.OptionalInt(r, first + 6);
  return k;
}

constexpr const char* kAuditColumns = "id, at_ms, actor, action, target, detail_json";

AuditEvent AuditFromRow(const PgRows& rows, int r) {
  AuditEvent a;
  a.id = rows.Int(r, 0);
  a.at_ms = rows.Int(r, 1);
  a.actor = rows.Text(r, 2);
  a.action = rows.Text(r, 3);
  a.target = rows.Text(r, 4);
  a.detail_json = rows.Text(r, 5);
  return a;
}

// Builds a page from rows fetched with LIMIT limit+1: the extra row only says "more".
template <typename T, typename FromRow, typename KeyOf>
Page<T> MakePage(const PgRows& rows, int limit, FromRow from_row, KeyOf key_of) {
  Page<T> page;
  const int n = std::min(rows.size(), limit);
  page.items.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) page.items.push_back(from_row(rows, r));
  if (rows.size() > limit) page.next_cursor = EncodeCursor(key_of(rows, n - 1));
  return page;
}

// Parameters $2..$11 of an entry write: service .. scrubbed_at in kEntryColumns order.
void AddEntryValues(PgParams& params, const LibraryEntry& e) {
  params.Add(e.service)
      .Add(e.method)
      .Add(e.uri)
      .Add(e.uri_template)
      .Add(e.match_key)
      .Add(e.seq)
      .Add(e.status)
      .Add(e.exchange_json)
      .Add(e.source)
      .Add(e.scrubbed_at_ms);
}

// Rows per multi-row INSERT: 13 parameters a row stays far below PostgreSQL's 65 535.
constexpr std::size_t kRowsPerStatement = 500;

// "($1, $2, …), (…)" for `rows` rows of `columns` parameters after `first - 1` others, each
// placeholder followed by its cast from `casts` ("" for text).
std::string ValuesList(std::size_t rows, const std::vector<const char*>& casts, int first) {
  std::string sql;
  int n = first;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 0; c < casts.size(); ++c) {
      if (c > 0) sql += ", ";
      sql += '$';
      sql += std::to_string(n++);
      sql += casts[c];
    }
    sql += ')';
  }
  return sql;
}

// The entries of `chunk` with a key that appears again later in it dropped: ON CONFLICT
// cannot touch one row twice in a statement, and the later entry is the one that wins.
std::vector<const LibraryEntry*> LastPerKey(std::span<const LibraryEntry> chunk) {
  std::vector<const LibraryEntry*> out;
  std::set<std::tuple<std::string_view, std::string_view, int>> seen;
  for (std::size_t i = chunk.size(); i-- > 0;) {
    const LibraryEntry& e = chunk[i];
    if (seen.emplace(e.service, e.match_key, e.seq).second) out.push_back(&e);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

bool ValidMode(const std::string& mode) {
  return mode.empty() || mode == "LEARN" || mode == "MOCK" || mode == "PASSTHROUGH";
}

bool ValidRepeatPolicy(const std::string& policy) {
  return policy == "sequence" || policy == "cycle" || policy == "first" || policy == "last";
}

bool ValidSha256Hex(const std::string& hex) {
  return hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsJsonObject(const std::string& text) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(text, ec);
  return !ec && value.is_object();
}

bool ValidRole(const std::string& role) {
  return role == "admin" || role == "editor" || role == "viewer";
}

bool ValidJobState(const std::string& state) {
  return state == "pending" || state == "running" || state == "succeeded" || state == "failed";
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::string url) : pool_(std::move(url), kPoolSize) {}

  std::string Backend() const override { return "postgres"; }

  // The connecting role, and whether row-level security binds it at all.
  struct RoleInfo {
    std::string name;
    bool bypasses_rls = false;
  };
  Result<RoleInfo> CurrentRole() {
    return Run("connect", nullptr, [](PgConnection& conn) -> Result<RoleInfo> {
      auto rows = conn.Exec(
          "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
          "WHERE rolname = current_user");
      if (!rows) return rows.error_value();
      if (rows->empty()) return MakeError("the connecting role is not in pg_roles");
      return RoleInfo{rows->Text(0, 0), rows->Bool(0, 1)};
    });
  }

  Status Ping() override {
    return Run("Ping", nullptr, [](PgConnection& conn) -> Status {
      auto rows = conn.Exec("SELECT 1");
      if (!rows) return rows.error_value();
      return common::OkStatus();
    });
  }

  Result<int> SchemaVersion() override {
    return Run("SchemaVersion", nullptr, [](PgConnection& conn) -> Result<int> {
      auto rows = conn.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
      if (!rows) return rows.error_value();
      return static_cast<int>(rows->Int(0, 0));
    });
  }

  Result<Tenant> CreateTenant(const Tenant& tenant) override {
    if (!ValidId(tenant.id)) {
      return Invalid("CreateTenant: tenant id '" + tenant.id +
                     "' must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    return Run("CreateTenant", nullptr, [&](PgConnection& conn) -> Result<Tenant> {
      auto rows = conn.Exec(std::string("INSERT INTO tenants (id, name, created_at) "
                                        "VALUES ($1, $2, $3::bigint) RETURNING ") +
                                kTenantColumns,
                            PgParams()
                                .Add(tenant.id)
                                .Add(tenant.name.empty() ? tenant.id : tenant.name)
                                .Add(tenant.created_at_ms > 0 ? tenant.created_at_ms : NowMs()));
      if (!rows) return rows.error_value();
      return TenantFromRow(*rows, 0);
    });
  }

  Result<std::vector<Tenant>> ListTenants() override {
    return Run("ListTenants", nullptr, [](PgConnection& conn) -> Result<std::vector<Tenant>> {
      auto rows = conn.Exec(std::string("SELECT ") + kTenantColumns +
                            " FROM tenants ORDER BY created_at, id");
      if (!rows) return rows.error_value();
      std::vector<Tenant> out;
      for (int r = 0; r < rows->size(); ++r) out.push_back(TenantFromRow(*rows, r));
      return out;
    });
  }

  Result<ServiceRecord> UpsertService(const std::string& tenant,
                                      const ServiceRecord& service) override {
    if (!ValidId(service.id)) {
      return Invalid("UpsertService: service id '" + service.id +
                     "' must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    if (!ValidMode(service.mode)) {
      return Invalid("UpsertService: mode '" + service.mode +
                     "' must be empty, LEARN, MOCK or PASSTHROUGH");
    }
    const std::string policy = service.repeat_policy.empty() ? "sequence" : service.repeat_policy;
    if (!ValidRepeatPolicy(policy)) {
      return Invalid("UpsertService: repeat_policy '" + policy +
                     "' must be sequence, cycle, first or last");
    }
    const int64_t now = NowMs();
    return Run("UpsertService", &tenant, [&](PgConnection& conn) -> Result<ServiceRecord> {
      auto rows = conn.Exec(
          std::string("INSERT INTO services (tenant_id, id, host, path_prefix, upstream, mode, "
                      "redact_headers, repeat_policy, created_at, updated_at, chaos, statecharts) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::bigint, $10::bigint, "
                      "NULLIF($11, ''), NULLIF($12, '')) "
                      "ON CONFLICT (tenant_id, id) DO UPDATE SET host = EXCLUDED.host, "
                      "path_prefix = EXCLUDED.path_prefix, upstream = EXCLUDED.upstream, "
                      "mode = EXCLUDED.mode, redact_headers = EXCLUDED.redact_headers, "
                      "repeat_policy = EXCLUDED.repeat_policy, updated_at = EXCLUDED.updated_at, "
                      "chaos = EXCLUDED.chaos, statecharts = EXCLUDED.statecharts "
                      "RETURNING ") +
              kServiceColumns,
          PgParams()
              .Add(tenant)
              .Add(service.id)
              .Add(service.host)
              .Add(service.path_prefix)
              .Add(service.upstream)
              .Add(service.mode)
              .Add(HeadersToJson(service.redact_headers))
              .Add(policy)
              .Add(service.created_at_ms > 0 ? service.created_at_ms : now)
              .Add(now)
              .Add(service.chaos)
              .Add(service.statecharts));
      if (!rows) return rows.error_value();
      return ServiceFromRow(*rows, 0);
    });
  }

  Result<ServiceRecord> GetService(const std::string& tenant, const std::string& id) override {
    return Run("GetService", &tenant, [&](PgConnection& conn) -> Result<ServiceRecord> {
      auto rows = conn.Exec(std::string("SELECT ") + kServiceColumns +
                                " FROM services WHERE tenant_id = $1 AND id = $2",
                            PgParams().Add(tenant).Add(id));
      if (!rows) return rows.error_value();
      if (rows->empty()) return NotFound("service '" + id + "'");
      return ServiceFromRow(*rows, 0);
    });
  }

  Result<Page<ServiceRecord>> ListServices(const std::string& tenant,
                                           const PageRequest& page) override {
    auto after = DecodeCursor(page.cursor);
    if (!after) return Prefixed(after.error_value(), "ListServices");
    const int limit = ClampLimit(page.limit);
    return Run("ListServices", &tenant, [&](PgConnection& conn) -> Result<Page<ServiceRecord>> {
      auto rows = conn.Exec(std::string("SELECT ") + kServiceColumns +
                                " FROM services WHERE tenant_id = $1 AND id > $2"
                                " ORDER BY id LIMIT $3::int",
                            PgParams().Add(tenant).Add(*after).Add(limit + 1));
      if (!rows) return rows.error_value();
      return MakePage<ServiceRecord>(*rows, limit, ServiceFromRow,
                                     [](const PgRows& rs, int r) { return rs.Text(r, 0); });
    });
  }

  Status DeleteService(const std::string& tenant, const std::string& id) override {
    return Run("DeleteService", &tenant, [&](PgConnection& conn) -> Status {
      auto rows = conn.Exec("DELETE FROM services WHERE tenant_id = $1 AND id = $2",
                            PgParams().Add(tenant).Add(id));
      if (!rows) return rows.error_value();
      if (rows->affected() == 0) return NotFound("service '" + id + "'");
      return common::OkStatus();
    });
  }

  Result<std::vector<LibraryEntry>> UpsertEntries(
      const std::string& tenant, const std::vector<LibraryEntry>& entries) override {
    const int64_t now = NowMs();
    return Run("UpsertEntries", &tenant,
               [&](PgConnection& conn) -> Result<std::vector<LibraryEntry>> {
                 // Multi-row statements: a round trip per 500 rows, not per row.
                 std::map<std::tuple<std::string, std::string, int>, LibraryEntry> by_key;
                 const std::span<const LibraryEntry> all(entries);
                 for (std::size_t at = 0; at < all.size(); at += kRowsPerStatement) {
                   const auto rows_in =
                       LastPerKey(all.subspan(at, std::min(kRowsPerStatement, all.size() - at)));
                   PgParams params;
                   params.Add(tenant);
                   for (const LibraryEntry* e : rows_in) {
                     AddEntryValues(params, *e);
                     params.Add(e->created_at_ms > 0 ? e->created_at_ms : now).Add(now);
                   }
                   const std::string sql =
                       std::string(kUpsertEntriesHead) +
                       ValuesList(rows_in.size(), kEntryCasts, 2) + kUpsertEntriesTail +
                       kEntryColumns;
                   auto rows = conn.Exec(sql, params);
                   if (!rows) return rows.error_value();
                   for (int r = 0; r < rows->size(); ++r) {
                     LibraryEntry e = EntryFromRow(*rows, r);
                     by_key[{e.service, e.match_key, e.seq}] = std::move(e);
                   }
                 }
                 std::vector<LibraryEntry> stored;
                 stored.reserve(entries.size());
                 for (const auto& e : entries) stored.push_back(by_key.at({e.service, e.match_key, e.seq}));
                 return stored;
               });
  }

  Result<LibraryEntry> GetEntry(const std::string& tenant, int64_t id) override {
    return Run("GetEntry", &tenant, [&](PgConnection& conn) -> Result<LibraryEntry> {
      auto rows = conn.Exec(std::string("SELECT ") + kEntryColumns +
                                " FROM library_entries WHERE tenant_id = $1 AND id = $2::bigint",
                            PgParams().Add(tenant).Add(id));
      if (!rows) return rows.error_value();
      if (rows->empty()) return NotFound("library entry " + std::to_string(id));
      return EntryFromRow(*rows, 0);
    });
  }

  Result<Page<LibraryEntry>> ListEntries(const std::string& tenant, const LibraryFilter& filter,
                                         const PageRequest& page) override {
    auto after = DecodeIntCursor(page.cursor);
    if (!after) return Prefixed(after.error_value(), "ListEntries");
    const int limit = ClampLimit(page.limit);
    return Run("ListEntries", &tenant, [&](PgConnection& conn) -> Result<Page<LibraryEntry>> {
      PgParams params;
      params.Add(tenant);
      AddFilter(params, filter);
      params.Add(*after).Add(limit + 1);
      auto rows = conn.Exec(std::string("SELECT ") + kEntryColumns +
                                " FROM library_entries WHERE tenant_id = $1 AND" + kEntryFilter +
                                " AND id > $7::bigint ORDER BY id LIMIT $8::int",
                            params);
      if (!rows) return rows.error_value();
      return MakePage<LibraryEntry>(*rows, limit, EntryFromRow, [](const PgRows& rs, int r) {
        return std::to_string(rs.Int(r, 0));
      });
    });
  }

  Result<LibraryEntry> UpdateEntry(const std::string& tenant, const LibraryEntry& entry) override {
    const int64_t now = NowMs();
    return Run("UpdateEntry", &tenant, [&](PgConnection& conn) -> Result<LibraryEntry> {
      PgParams params;
      params.Add(tenant);
      AddEntryValues(params, entry);
      params.Add(now).Add(entry.id);
      auto rows = conn.Exec(
          std::string("UPDATE library_entries SET service = $2, method = $3, uri = $4, "
                      "uri_template = $5, match_key = $6, seq = $7::int, status = $8::int, "
                      "exchange_json = $9, source = $10, scrubbed_at = $11::bigint, "
                      "updated_at = $12::bigint WHERE tenant_id = $1 AND id = $13::bigint "
                      "RETURNING ") +
              kEntryColumns,
          params);
      if (!rows) return rows.error_value();
      if (rows->empty()) return NotFound("library entry " + std::to_string(entry.id));
      return EntryFromRow(*rows, 0);
    });
  }

  Status DeleteEntry(const std::string& tenant, int64_t id) override {
    return Run("DeleteEntry", &tenant, [&](PgConnection& conn) -> Status {
      auto rows = conn.Exec("DELETE FROM library_entries WHERE tenant_id = $1 AND id = $2::bigint",
                            PgParams().Add(tenant).Add(id));
      if (!rows) return rows.error_value();
      if (rows->affected() == 0) return NotFound("library entry " + std::to_string(id));
      return common::OkStatus();
    });
  }

  Result<int64_t> CountEntries(const std::string& tenant, const LibraryFilter& filter) override {
    return Run("CountEntries", &tenant, [&](PgConnection& conn) -> Result<int64_t> {
      PgParams params;
      params.Add(tenant);
      AddFilter(params, filter);
      auto rows = conn.Exec(
          std::string("SELECT count(*) FROM library_entries WHERE tenant_id = $1 AND") +
              kEntryFilter,
          params);
      if (!rows) return rows.error_value();
      return rows->Int(0, 0);
    });
  }

  Result<TransitionJob> CreateJob(const std::string& tenant, const TransitionJob& job) override {
    const std::string state = job.state.empty() ? "pending" : job.state;
    if (!ValidJobState(state)) return Invalid("CreateJob: unknown job state '" + state + "'");
    const int64_t now = NowMs();
    return Run("CreateJob", &tenant, [&](PgConnection& conn) -> Result<TransitionJob> {
      auto rows = conn.Exec(
          std::string("INSERT INTO transition_jobs (tenant_id, id, state, previous_mode, "
                      "total_bytes, read_bytes, exchanges_read, entries_staged, "
                      "entries_skipped, error, created_at, updated_at, finished_at) "
                      "VALUES ($1, coalesce(nullif($2, ''), gen_random_uuid()::text), $3, $4, "
                      "$5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10, "
                      "$11::bigint, $12::bigint, $13::bigint) RETURNING ") +
              kJobColumns,
          PgParams()
              .Add(tenant)
              .Add(job.id)
              .Add(state)
              .Add(job.previous_mode)
              .Add(job.total_bytes)
              .Add(job.read_bytes)
              .Add(job.exchanges_read)
              .Add(job.entries_staged)
              .Add(job.entries_skipped)
              .Add(job.error)
              .Add(job.created_at_ms > 0 ? job.created_at_ms : now)
              .Add(now)
              .Add(job.finished_at_ms));
      if (!rows) return rows.error_value();
      return JobFromRow(*rows, 0);
    });
  }

  Result<TransitionJob> GetJob(const std::string& tenant, const std::string& id) override {
    return Run("GetJob", &tenant, [&](PgConnection& conn) -> Result<TransitionJob> {
      auto rows = conn.Exec(std::string("SELECT ") + kJobColumns +
                                " FROM transition_jobs WHERE tenant_id = $1 AND id = $2",
                            PgParams().Add(tenant).Add(id));
      if (!rows) return rows.error_value();
      if (rows->empty()) return NotFound("transition job '" + id + "'");
      return JobFromRow(*rows, 0);
    });
  }

  Result<Page<TransitionJob>> ListJobs(const std::string& tenant,
                                       const PageRequest& page) override {
    // Newest first: by created_at, ties by insertion order. The cursor is "created_at:ord".
    auto key = DecodeCursor(page.cursor);
    if (!key) return Prefixed(key.error_value(), "ListJobs");
    int64_t before_created = 0;
    int64_t before_ord = 0;
    if (!key->empty()) {
      const std::string_view text(*key);
      const auto colon = text.find(':');
      const bool parsed =
          colon != std::string_view::npos &&
          ParseInt(text.substr(0, colon), &before_created) &&
          ParseInt(text.substr(colon + 1), &before_ord) && before_ord > 0;
      if (!parsed) return Invalid("ListJobs: invalid page cursor '" + page.cursor + "'");
    }
    const int limit = ClampLimit(page.limit);
    return Run("ListJobs", &tenant, [&](PgConnection& conn) -> Result<Page<TransitionJob>> {
      auto rows = conn.Exec(std::string("SELECT ") + kJobColumns +
                                ", ord FROM transition_jobs WHERE tenant_id = $1"
                                " AND ($3::bigint = 0"
                                "      OR (created_at, ord) < ($2::bigint, $3::bigint))"
                                " ORDER BY created_at DESC, ord DESC LIMIT $4::int",
                            PgParams()
                                .Add(tenant)
                                .Add(before_created)
                                .Add(before_ord)
                                .Add(limit + 1));
      if (!rows) return rows.error_value();
      return MakePage<TransitionJob>(*rows, limit, JobFromRow, [](const PgRows& rs, int r) {
        return std::to_string(rs.Int(r, 9)) + ":" + std::to_string(rs.Int(r, 12));
      });
    });
  }

  Result<std::vector<TransitionJob>> UnfinishedJobs(const std::string& tenant) override {
    return Run("UnfinishedJobs", &tenant,
               [&](PgConnection& conn) -> Result<std::vector<TransitionJob>> {
                 auto rows = conn.Exec(std::string("SELECT ") + kJobColumns +
                                           " FROM transition_jobs WHERE tenant_id = $1"
                                           " AND state IN ('pending', 'running') ORDER BY ord",
                                       PgParams().Add(tenant));
                 if (!rows) return rows.error_value();
                 std::vector<TransitionJob> out;
                 for (int r = 0; r < rows->size(); ++r) out.push_back(JobFromRow(*rows, r));
                 return out;
               });
  }

  Status MarkJobRunning(const std::string& tenant, const std::string& id,
                        int64_t total_bytes) override {
    return Run("MarkJobRunning", &tenant, [&](PgConnection& conn) -> Status {
      auto state = LockActiveJob(conn, tenant, id);
      if (!state) return state.error_value();
      auto rows = conn.Exec(
          "UPDATE transition_jobs SET state = 'running', total_bytes = $3::bigint, "
          "updated_at = $4::bigint WHERE tenant_id = $1 AND id = $2",
          PgParams().Add(tenant).Add(id).Add(total_bytes).Add(NowMs()));
      if (!rows) return rows.error_value();
      return common::OkStatus();
    });
  }

  Status StageBatch(const std::string& tenant, const std::string& job_id,
                    const std::vector<LibraryEntry>& entries,
                    const std::vector<TrafficOffset>& staged_offsets,
                    const BatchProgress& progress) override {
    const int64_t now = NowMs();
    return Run("StageBatch", &tenant, [&](PgConnection& conn) -> Status {
      auto state = LockActiveJob(conn, tenant, job_id);
      if (!state) return state.error_value();
      const std::span<const LibraryEntry> all(entries);
      for (std::size_t at = 0; at < all.size(); at += kRowsPerStatement) {
        const auto rows_in =
            LastPerKey(all.subspan(at, std::min(kRowsPerStatement, all.size() - at)));
        PgParams params;
        params.Add(tenant).Add(job_id);
        for (const LibraryEntry* e : rows_in) {
          AddEntryValues(params, *e);
          params.Add(e->created_at_ms > 0 ? e->created_at_ms : now);
        }
        std::vector<const char*> casts(kEntryCasts.begin(), kEntryCasts.end() - 1);
        const std::string sql =
            "INSERT INTO staged_entries (tenant_id, job_id, service, method, uri, uri_template, "
            "match_key, seq, status, exchange_json, source, scrubbed_at, created_at) "
            "SELECT $1, $2, v.* FROM (VALUES " +
            ValuesList(rows_in.size(), casts, 3) +
            ") AS v "
            "ON CONFLICT (tenant_id, job_id, service, match_key, seq) DO UPDATE SET "
            "method = EXCLUDED.method, uri = EXCLUDED.uri, "
            "uri_template = EXCLUDED.uri_template, status = EXCLUDED.status, "
            "exchange_json = EXCLUDED.exchange_json, source = EXCLUDED.source, "
            "scrubbed_at = EXCLUDED.scrubbed_at";
        auto rows = conn.Exec(sql, params);
        if (!rows) return rows.error_value();
      }
      for (const auto& offset : staged_offsets) {
        auto rows = conn.Exec(
            "INSERT INTO staged_offsets (tenant_id, job_id, file, byte_offset) "
            "VALUES ($1, $2, $3, $4::bigint) ON CONFLICT (tenant_id, job_id, file) "
            "DO UPDATE SET byte_offset = EXCLUDED.byte_offset",
            PgParams().Add(tenant).Add(job_id).Add(offset.file).Add(offset.offset));
        if (!rows) return rows.error_value();
      }
      // Progress is per batch: it adds to what earlier batches recorded.
      auto rows = conn.Exec(
          "UPDATE transition_jobs SET read_bytes = read_bytes + $3::bigint, "
          "exchanges_read = exchanges_read + $4::bigint, "
          "entries_staged = entries_staged + $5::bigint, "
          "entries_skipped = entries_skipped + $6::bigint, updated_at = $7::bigint "
          "WHERE tenant_id = $1 AND id = $2",
          PgParams()
              .Add(tenant)
              .Add(job_id)
              .Add(progress.read_bytes)
              .Add(progress.exchanges_read)
              .Add(progress.entries_staged)
              .Add(progress.entries_skipped)
              .Add(now));
      if (!rows) return rows.error_value();
      return common::OkStatus();
    });
  }

  Result<std::vector<TrafficOffset>> StagedOffsets(const std::string& tenant,
                                                   const std::string& job_id) override {
    return Run("StagedOffsets", &tenant,
               [&](PgConnection& conn) -> Result<std::vector<TrafficOffset>> {
                 auto job = conn.Exec("SELECT 1 FROM transition_jobs WHERE tenant_id = $1 AND id = $2",
                                      PgParams().Add(tenant).Add(job_id));
                 if (!job) return job.error_value();
                 if (job->empty()) return NotFound("transition job '" + job_id + "'");
                 return Offsets(conn,
                                "SELECT file, byte_offset FROM staged_offsets "
                                "WHERE tenant_id = $1 AND job_id = $2 ORDER BY file",
                                PgParams().Add(tenant).Add(job_id));
               });
  }

  Status PublishJob(const std::string& tenant, const std::string& job_id) override {
    const int64_t now = NowMs();
    return Run("PublishJob", &tenant, [&](PgConnection& conn) -> Status {
      auto state = LockJob(conn, tenant, job_id);
      if (!state) return state.error_value();
      if (*state == "succeeded") return common::OkStatus();  // published already
      if (*state == "failed") {
        return MakeError("transition job '" + job_id + "' failed and cannot be published",
                         ErrorCode::kFailedPrecondition);
      }
      auto moved = conn.Exec(
          "INSERT INTO library_entries (tenant_id, service, method, uri, uri_template, "
          "match_key, seq, status, exchange_json, source, scrubbed_at, created_at, updated_at) "
          "SELECT tenant_id, service, method, uri, uri_template, match_key, seq, status, "
          "exchange_json, source, scrubbed_at, created_at, $3::bigint FROM staged_entries "
          "WHERE tenant_id = $1 AND job_id = $2 ORDER BY service, match_key, seq "
          "ON CONFLICT (tenant_id, service, match_key, seq) DO UPDATE SET "
          "method = EXCLUDED.method, uri = EXCLUDED.uri, uri_template = EXCLUDED.uri_template, "
          "status = EXCLUDED.status, exchange_json = EXCLUDED.exchange_json, "
          "source = EXCLUDED.source, scrubbed_at = EXCLUDED.scrubbed_at, "
          "updated_at = EXCLUDED.updated_at",
          PgParams().Add(tenant).Add(job_id).Add(now));
      if (!moved) return moved.error_value();
      auto offsets = conn.Exec(
          "INSERT INTO committed_offsets (tenant_id, file, byte_offset, updated_at) "
          "SELECT tenant_id, file, byte_offset, $3::bigint FROM staged_offsets "
          "WHERE tenant_id = $1 AND job_id = $2 "
          "ON CONFLICT (tenant_id, file) DO UPDATE SET byte_offset = EXCLUDED.byte_offset, "
          "updated_at = EXCLUDED.updated_at",
          PgParams().Add(tenant).Add(job_id).Add(now));
      if (!offsets) return offsets.error_value();
      // The staged entries are left for PurgeStaging: deleting them here would double the
      // publishing transaction's work.
      auto dropped = conn.Exec("DELETE FROM staged_offsets WHERE tenant_id = $1 AND job_id = $2",
                               PgParams().Add(tenant).Add(job_id));
      if (!dropped) return dropped.error_value();
      auto done = conn.Exec(
          "UPDATE transition_jobs SET state = 'succeeded', error = '', updated_at = $3::bigint, "
          "finished_at = $3::bigint WHERE tenant_id = $1 AND id = $2",
          PgParams().Add(tenant).Add(job_id).Add(now));
      if (!done) return done.error_value();
      return common::OkStatus();
    });
  }

  Status DiscardJob(const std::string& tenant, const std::string& job_id,
                    const std::string& reason) override {
    const int64_t now = NowMs();
    return Run("DiscardJob", &tenant, [&](PgConnection& conn) -> Status {
      auto state = LockJob(conn, tenant, job_id);
      if (!state) return state.error_value();
      if (*state == "failed") return common::OkStatus();  // discarded already
      if (*state == "succeeded") {
        return MakeError("transition job '" + job_id + "' was published and cannot be discarded",
                         ErrorCode::kFailedPrecondition);
      }
      for (const char* sql : {"DELETE FROM staged_entries WHERE tenant_id = $1 AND job_id = $2",
                              "DELETE FROM staged_offsets WHERE tenant_id = $1 AND job_id = $2"}) {
        auto rows = conn.Exec(sql, PgParams().Add(tenant).Add(job_id));
        if (!rows) return rows.error_value();
      }
      auto done = conn.Exec(
          "UPDATE transition_jobs SET state = 'failed', error = $3, updated_at = $4::bigint, "
          "finished_at = $4::bigint WHERE tenant_id = $1 AND id = $2",
          PgParams().Add(tenant).Add(job_id).Add(reason).Add(now));
      if (!done) return done.error_value();
      return common::OkStatus();
    });
  }

  Status PurgeStaging(const std::string& tenant, const std::string& job_id) override {
    return Run("PurgeStaging", &tenant, [&](PgConnection& conn) -> Status {
      auto state = LockJob(conn, tenant, job_id);
      if (!state) return state.error_value();
      if (*state != "succeeded" && *state != "failed") {
        return MakeError("transition job '" + job_id + "' is still " + *state +
                             "; its staging is purged once it has finished",
                         ErrorCode::kFailedPrecondition);
      }
      for (const char* sql : {"DELETE FROM staged_entries WHERE tenant_id = $1 AND job_id = $2",
                              "DELETE FROM staged_offsets WHERE tenant_id = $1 AND job_id = $2"}) {
        auto rows = conn.Exec(sql, PgParams().Add(tenant).Add(job_id));
        if (!rows) return rows.error_value();
      }
      return common::OkStatus();
    });
  }

  Result<std::vector<TrafficOffset>> CommittedOffsets(const std::string& tenant) override {
    return Run("CommittedOffsets", &tenant,
               [&](PgConnection& conn) -> Result<std::vector<TrafficOffset>> {
                 return Offsets(conn,
                                "SELECT file, byte_offset FROM committed_offsets "
                                "WHERE tenant_id = $1 ORDER BY file",
                                PgParams().Add(tenant));
               });
  }

  Status RecordUnmatched(const std::string& tenant,
                         const std::vector<UnmatchedRequest>& requests) override {
    const int64_t now = NowMs();
    return Run("RecordUnmatched", &tenant, [&](PgConnection& conn) -> Status {
      for (const auto& request : requests) {
        const int64_t first = request.first_seen_ms > 0 ? request.first_seen_ms : now;
        const int64_t last = request.last_seen_ms > 0 ? request.last_seen_ms : first;
        auto rows = conn.Exec(
            "INSERT INTO unmatched_requests (tenant_id, service, method, uri, count, "
            "first_seen, last_seen) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint, $7::bigint) "
            "ON CONFLICT (tenant_id, service, method, uri) DO UPDATE SET "
            "count = unmatched_requests.count + EXCLUDED.count, "
            "first_seen = least(unmatched_requests.first_seen, EXCLUDED.first_seen), "
            "last_seen = greatest(unmatched_requests.last_seen, EXCLUDED.last_seen)",
            PgParams()
                .Add(tenant)
                .Add(request.service)
                .Add(request.method)
                .Add(request.uri)
                .Add(request.count > 0 ? request.count : int64_t{1})  // a record is one sighting
                .Add(first)
                .Add(last));
        if (!rows) return rows.error_value();
      }
      return common::OkStatus();
    });
  }

  Result<Page<UnmatchedRequest>> ListUnmatched(const std::string& tenant,
                                               const PageRequest& page) override {
    auto after = DecodeIntCursor(page.cursor);
    if (!after) return Prefixed(after.error_value(), "ListUnmatched");
    const int limit = ClampLimit(page.limit);
    return Run("ListUnmatched", &tenant,
               [&](PgConnection& conn) -> Result<Page<UnmatchedRequest>> {
                 auto rows = conn.Exec(std::string("SELECT ") + kUnmatchedColumns +
                                           ", ord FROM unmatched_requests WHERE tenant_id = $1"
                                           " AND ord > $2::bigint ORDER BY ord LIMIT $3::int",
                                       PgParams().Add(tenant).Add(*after).Add(limit + 1));
                 if (!rows) return rows.error_value();
                 return MakePage<UnmatchedRequest>(
                     *rows, limit, UnmatchedFromRow,
                     [](const PgRows& rs, int r) { return std::to_string(rs.Int(r, 6)); });
               });
  }

  Result<ApiKeyRecord> CreateApiKey(const std::string& tenant, const ApiKeyRecord& key) override {
    if (!ValidRole(key.role)) {
      return Invalid("CreateApiKey: role '" + key.role + "' must be admin, editor or viewer");
    }
    if (!ValidSha256Hex(key.key_sha256)) {
      return Invalid("CreateApiKey: key_sha256 must be a SHA-256 in lower-case hex (64 digits)");
    }
    return Run("CreateApiKey", &tenant, [&](PgConnection& conn) -> Result<ApiKeyRecord> {
      auto rows = conn.Exec(
          std::string("INSERT INTO api_keys (tenant_id, id, name, prefix, key_sha256, role, "
                      "created_at, revoked_at) VALUES ($1, "
                      "coalesce(nullif($2, ''), gen_random_uuid()::text), $3, $4, $5, $6, "
                      "$7::bigint, $8::bigint) RETURNING ") +
              kKeyColumns,
          PgParams()
              .Add(tenant)
              .Add(key.id)
              .Add(key.name)
              .Add(key.prefix)
              .Add(key.key_sha256)
              .Add(key.role)
              .Add(key.created_at_ms > 0 ? key.created_at_ms : NowMs())
              .Add(key.revoked_at_ms));
      if (!rows) return rows.error_value();
      return KeyFromRow(*rows, 0);
    });
  }

  Result<std::pair<std::string, ApiKeyRecord>> FindApiKey(const std::string& key_sha256) override {
    // No tenant yet: the SECURITY DEFINER function is the only cross-tenant read, by hash.
    return Run("FindApiKey", nullptr,
               [&](PgConnection& conn) -> Result<std::pair<std::string, ApiKeyRecord>> {
                 auto rows = conn.Exec(std::string("SELECT tenant_id, ") + kKeyColumns +
                                           " FROM gostly_find_api_key($1)",
                                       PgParams().Add(key_sha256));
                 if (!rows) return rows.error_value();
                 if (rows->empty()) return NotFound("API key");
                 return std::make_pair(rows->Text(0, 0), KeyFromRow(*rows, 0, 1));
               });
  }

  Result<Page<ApiKeyRecord>> ListApiKeys(const std::string& tenant,
                                         const PageRequest& page) override {
    auto after = DecodeIntCursor(page.cursor);
    if (!after) return Prefixed(after.error_value(), "ListApiKeys");
    const int limit = ClampLimit(page.limit);
    return Run("ListApiKeys", &tenant, [&](PgConnection& conn) -> Result<Page<ApiKeyRecord>> {
      auto rows = conn.Exec(std::string("SELECT ") + kKeyColumns +
                                ", ord FROM api_keys WHERE tenant_id = $1 AND ord > $2::bigint"
                                " ORDER BY ord LIMIT $3::int",
                            PgParams().Add(tenant).Add(*after).Add(limit + 1));
      if (!rows) return rows.error_value();
      return MakePage<ApiKeyRecord>(
          *rows, limit, [](const PgRows& rs, int r) { return KeyFromRow(rs, r); },
          [](const PgRows& rs, int r) { return std::to_string(rs.Int(r, 7)); });
    });
  }

  Status RevokeApiKey(const std::string& tenant, const std::string& id) override {
    return Run("RevokeApiKey", &tenant, [&](PgConnection& conn) -> Status {
      auto rows = conn.Exec(
          "UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3::bigint) "
          "WHERE tenant_id = $1 AND id = $2",
          PgParams().Add(tenant).Add(id).Add(NowMs()));
      if (!rows) return rows.error_value();
      if (rows->affected() == 0) return NotFound("API key '" + id + "'");
      return common::OkStatus();
    });
  }

  Result<AuditEvent> AppendAudit(const std::string& tenant, const AuditEvent& event) override {
    const std::string detail = event.detail_json.empty() ? "{}" : event.detail_json;
    if (!IsJsonObject(detail)) return Invalid("AppendAudit: detail_json must be a JSON object");
    return Run("AppendAudit", &tenant, [&](PgConnection& conn) -> Result<AuditEvent> {
      auto rows = conn.Exec(
          std::string("INSERT INTO audit_log (tenant_id, at_ms, actor, action, target, "
                      "detail_json) VALUES ($1, $2::bigint, $3, $4, $5, $6) RETURNING ") +
              kAuditColumns,
          PgParams()
              .Add(tenant)
              .Add(event.at_ms > 0 ? event.at_ms : NowMs())
              .Add(event.actor)
              .Add(event.action)
              .Add(event.target)
              .Add(detail));
      if (!rows) return rows.error_value();
      return AuditFromRow(*rows, 0);
    });
  }

  Result<Page<AuditEvent>> ListAudit(const std::string& tenant,
                                     const PageRequest& page) override {
    auto before = DecodeIntCursor(page.cursor);
    if (!before) return Prefixed(before.error_value(), "ListAudit");
    const int limit = ClampLimit(page.limit);
    return Run("ListAudit", &tenant, [&](PgConnection& conn) -> Result<Page<AuditEvent>> {
      auto rows = conn.Exec(std::string("SELECT ") + kAuditColumns +
                                " FROM audit_log WHERE tenant_id = $1"
                                " AND ($2::bigint = 0 OR id < $2::bigint)"
                                " ORDER BY id DESC LIMIT $3::int",
                            PgParams().Add(tenant).Add(*before).Add(limit + 1));
      if (!rows) return rows.error_value();
      return MakePage<AuditEvent>(*rows, limit, AuditFromRow, [](const PgRows& rs, int r) {
        return std::to_string(rs.Int(r, 0));
      });
    });
  }

  Result<std::optional<IdempotentResponse>> GetIdempotent(const std::string& tenant,
                                                          const std::string& key) override {
    return Run("GetIdempotent", &tenant,
               [&](PgConnection& conn) -> Result<std::optional<IdempotentResponse>> {
                 auto rows = conn.Exec(
                     "SELECT key, request_sha256, status, encode(body, 'hex'), created_at "
                     "FROM idempotency_keys WHERE tenant_id = $1 AND key = $2",
                     PgParams().Add(tenant).Add(key));
                 if (!rows) return rows.error_value();
                 if (rows->empty()) return std::optional<IdempotentResponse>();
                 IdempotentResponse response;
                 response.key = rows->Text(0, 0);
                 response.request_sha256 = rows->Text(0, 1);
                 response.status = static_cast<int>(rows->Int(0, 2));
                 response.body = Unhex(rows->Text(0, 3)).value_or(std::string());
                 response.created_at_ms = rows->Int(0, 4);
                 return std::optional<IdempotentResponse>(std::move(response));
               });
  }

  Status PutIdempotent(const std::string& tenant, const IdempotentResponse& response) override {
    if (response.key.empty()) return Invalid("PutIdempotent: key is empty");
    return Run("PutIdempotent", &tenant, [&](PgConnection& conn) -> Status {
      // Bodies are bytes, not text: they travel hex-encoded into a bytea column.
      auto rows = conn.Exec(
          "INSERT INTO idempotency_keys (tenant_id, key, request_sha256, status, body, "
          "created_at) VALUES ($1, $2, $3, $4::int, decode($5, 'hex'), $6::bigint)",
          PgParams()
              .Add(tenant)
              .Add(response.key)
              .Add(response.request_sha256)
              .Add(response.status)
              .Add(Hex(response.body))
              .Add(response.created_at_ms > 0 ? response.created_at_ms : NowMs()));
      if (!rows) {
        if (rows.error_code() == ErrorCode::kConflict) {
          return MakeError("idempotency key '" + response.key + "' is already used",
                           ErrorCode::kConflict);
        }
        return rows.error_value();
      }
      return common::OkStatus();
    });
  }

 private:
  // Entry columns after tenant_id, with their casts (the last is created_at/updated_at).
  static inline const std::vector<const char*> kEntryCasts = {
      "", "", "", "", "", "::int", "::int", "", "", "::bigint", "::bigint", "::bigint"};
  static constexpr const char* kUpsertEntriesHead =
      "INSERT INTO library_entries (tenant_id, service, method, uri, uri_template, match_key, "
      "seq, status, exchange_json, source, scrubbed_at, created_at, updated_at) "
      "SELECT $1, v.* FROM (VALUES ";
  static constexpr const char* kUpsertEntriesTail =
      ") AS v ON CONFLICT (tenant_id, service, match_key, seq) DO UPDATE SET "
      "method = EXCLUDED.method, uri = EXCLUDED.uri, uri_template = EXCLUDED.uri_template, "
      "status = EXCLUDED.status, exchange_json = EXCLUDED.exchange_json, "
      "source = EXCLUDED.source, scrubbed_at = EXCLUDED.scrubbed_at, "
      "updated_at = EXCLUDED.updated_at "
      "RETURNING ";

  // Runs fn(conn) inside one transaction on a pooled connection, for `tenant` (which sets
  // gostly.tenant_id for this transaction only) or, with nullptr, for no tenant at all.
  // Errors come back prefixed with op; fn's error rolls the transaction back.
  template <typename F>
  std::invoke_result_t<F&, PgConnection&> Run(std::string_view op, const std::string* tenant,
                                              F&& fn) {
    if (tenant != nullptr && tenant->empty()) {
      return Invalid(std::string(op) + ": tenant is empty");
    }
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.Acquire();
      if (!lease) return Prefixed(lease.error_value(), op);
      PgConnection& conn = **lease;
      auto begun = conn.Exec("BEGIN");
      if (!begun) {
        // A pooled connection that outlived a server restart fails on its first statement.
        // Nothing has run yet, so retrying once on a fresh connection is safe.
        if (attempt == 0 && lease->reused() &&
            begun.error_code() == ErrorCode::kUnavailable) {
          pool_.DropIdle();
          continue;
        }
        return Prefixed(begun.error_value(), op);
      }
      if (tenant != nullptr) {
        auto set = conn.Exec("SELECT set_config('gostly.tenant_id', $1, true)",
                             PgParams().Add(*tenant));
        if (!set) {
          conn.RollbackQuietly();
          return Prefixed(set.error_value(), op);
        }
      }
      auto result = fn(conn);
      if (!result.ok()) {
        conn.RollbackQuietly();
        return Prefixed(result.error_value(), op);
      }
      auto committed = conn.Exec("COMMIT");
      if (!committed) return Prefixed(committed.error_value(), op);
      return result;
    }
  }

  // Locks a job row for the rest of the transaction and returns its state.
  static Result<std::string> LockJob(PgConnection& conn, const std::string& tenant,
                                     const std::string& id) {
    auto rows = conn.Exec(
        "SELECT state FROM transition_jobs WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        PgParams().Add(tenant).Add(id));
    if (!rows) return rows.error_value();
    if (rows->empty()) return NotFound("transition job '" + id + "'");
    return rows->Text(0, 0);
  }

  // As LockJob, and refuses a job that has finished.
  static Result<std::string> LockActiveJob(PgConnection& conn, const std::string& tenant,
                                           const std::string& id) {
    auto state = LockJob(conn, tenant, id);
    if (!state) return state;
    if (*state != "pending" && *state != "running") {
      return MakeError("transition job '" + id + "' has finished (" + *state + ")",
                       ErrorCode::kFailedPrecondition);
    }
    return state;
  }

  static Result<std::vector<TrafficOffset>> Offsets(PgConnection& conn, const char* sql,
                                                    const PgParams& params) {
    auto rows = conn.Exec(sql, params);
    if (!rows) return rows.error_value();
    std::vector<TrafficOffset> out;
    for (int r = 0; r < rows->size(); ++r) out.push_back({rows->Text(r, 0), rows->Int(r, 1)});
    return out;
  }

  PgPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const std::string& admin_url) {
  auto store = std::make_unique<PostgresStore>(url);
  auto role = store->CurrentRole();
  if (!role) return Prefixed(role.error_value(), "opening the PostgreSQL store");
  auto admin = PgConnection::Open(admin_url.empty() ? url : admin_url);
  if (!admin) {
    return Prefixed(admin.error_value(), "opening the PostgreSQL store for migrations");
  }
  if (auto migrated = postgres::Migrate(**admin, role->name); !migrated) {
    return Prefixed(migrated.error_value(), "migrating the PostgreSQL store");
  }
  if (role->bypasses_rls) {
    spdlog::warn(
        "PostgreSQL role '{}' is a superuser or has BYPASSRLS: row-level security does not "
        "isolate tenants for it; connect DATABASE_URL as an ordinary application role",
        role->name);
  }
  return std::unique_ptr<Store>(std::move(store));
}

int PostgresLatestSchemaVersion() { return postgres::LatestVersion(); }

}  // namespace gostly::store
