#include "store/postgres/pg_connection.hpp"

#include <charconv>
#include <cstring>

namespace gostly::store::postgres {
namespace {

constexpr const char* kConnectTimeoutSeconds = "5";

std::string TrimMessage(const char* message) {
  std::string text = message != nullptr ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string Unavailable(std::string_view what, const std::string& reason) {
  return "PostgreSQL is unavailable (" + std::string(what) + "): " + reason +
         "; check that the server is running and DATABASE_URL points at it";
}

}  // namespace

PgParams& PgParams::Add(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(std::string(value));
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::Add(bool value) {
  values_.emplace_back(value ? "true" : "false");
  return *this;
}

PgParams& PgParams::Add(const std::optional<int64_t>& value) {
  if (value) return Add(*value);
  return AddNull();
}

PgParams& PgParams::AddNull() {
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
  return pointers;
}

int64_t PgRows::affected() const {
  if (!result_) return 0;
  const char* tuples = PQcmdTuples(result_.get());
  int64_t n = 0;
  std::from_chars(tuples, tuples + std::strlen(tuples), n);
  return n;
}

bool PgRows::IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }

std::string PgRows::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t PgRows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* value = PQgetvalue(result_.get(), row, col);
  int64_t n = 0;
  std::from_chars(value, value + PQgetlength(result_.get(), row, col), n);
  return n;
}

std::optional<int64_t> PgRows::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

bool PgRows::Bool(int row, int col) const {
  return !IsNull(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

Error ErrorFromResult(PGconn* conn, const PGresult* result, std::string_view what) {
  const std::string message =
      TrimMessage(result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn));
  const char* field = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string state = field != nullptr ? field : "";

  // A connection that broke (server stopped, network gone) reports either class 08, an
  // administrator shutdown (57P01..57P03), or a libpq-generated error with no SQLSTATE.
  if (PQstatus(conn) == CONNECTION_BAD || state.starts_with("08") || state == "57P01" ||
      state == "57P02" || state == "57P03") {
    return common::MakeError(Unavailable(what, message), ErrorCode::kUnavailable);
  }
  if (state == kSqlStateSealed || state == kSqlStateAppendOnly || state.starts_with("23")) {
    return common::MakeError(std::string(what) + ": " + message, ErrorCode::kConflict);
  }
  if (state == "42501") {
    return common::MakeError(std::string(what) + ": permission denied for the database role (" +
                                 message + "); the schema's grants refuse this",
                             ErrorCode::kFailedPrecondition);
  }
  if (state.starts_with("22")) {
    return common::MakeError(std::string(what) + ": " + message, ErrorCode::kInvalidArgument);
  }
  if (state.starts_with("40") || state.starts_with("53") || state == "57014") {
    return common::MakeError(std::string(what) + ": " + message + " (retry later)",
                             ErrorCode::kUnavailable);
  }
  return common::MakeError(std::string(what) + ": " + message +
                               (state.empty() ? "" : " [SQLSTATE " + state + "]"),
                           ErrorCode::kUnspecified);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  // Keywords are applied in order and the expanded URL comes last, so a connect_timeout or
  // application_name in the URL wins over these defaults.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "gostly", url.c_str(), nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, 1));
  if (!conn) {
    return common::MakeError(Unavailable("connect", "out of memory"), ErrorCode::kUnavailable);
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return common::MakeError(Unavailable("connect", TrimMessage(PQerrorMessage(conn.get()))),
                             ErrorCode::kUnavailable);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(std::move(conn)));
}

Result<PgRows> PgConnection::Exec(std::string_view sql, const PgParams& params) {
  if (params.has_nul()) {
    return common::MakeError("a text value contains a NUL byte, which PostgreSQL cannot store",
                             ErrorCode::kInvalidArgument);
  }
  const std::string statement(sql);
  const auto pointers = params.Pointers();
  PgResultPtr result(PQexecParams(conn_.get(), statement.c_str(), params.size(), nullptr,
                                  pointers.empty() ? nullptr : pointers.data(), nullptr,
                                  nullptr, 0));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorFromResult(conn_.get(), result.get(), "query");
  }
  return PgRows(std::move(result));
}

Status PgConnection::ExecScript(const std::string& sql) {
  PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorFromResult(conn_.get(), result.get(), "script");
  }
  return common::OkStatus();
}

void PgConnection::RollbackQuietly() {
  if (PQstatus(conn_.get()) != CONNECTION_OK) return;
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  PgResultPtr ignored(PQexec(conn_.get(), "ROLLBACK"));
}

bool PgConnection::Healthy() const {
  return PQstatus(conn_.get()) == CONNECTION_OK &&
         PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

Result<std::string> QuoteIdentifier(PGconn* conn, const std::string& name) {
  char* quoted = PQescapeIdentifier(conn, name.c_str(), name.size());
  if (quoted == nullptr) return ErrorFromResult(conn, nullptr, "quote identifier");
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

}  // namespace gostly::store::postgres
