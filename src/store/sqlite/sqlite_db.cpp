#include "store/sqlite/sqlite_db.hpp"

#include <string>

namespace gostly::store::sqlite {

common::ErrorCode MapSqliteCode(int code) {
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      return common::ErrorCode::kConflict;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return common::ErrorCode::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return common::ErrorCode::kFailedPrecondition;
    default:
      return common::ErrorCode::kUnspecified;
  }
}

Statement::~Statement() {
  // reset returns the error of the last step, which has already been reported by Step().
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) db_->Fail(rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  // A default-constructed string_view has a null data pointer, which SQLite would bind as
  // NULL; every text we bind means a (possibly empty) string.
  const char* data = value.data() != nullptr ? value.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->Fail(rc, "bind");
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& value) {
  if (value) return Bind(index, *value);
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) db_->Fail(rc, "bind");
  return *this;
}

bool Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_->Fail(rc, "step");
}

void Statement::Run() {
  while (Step()) {
  }
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

Database::Database(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: SqliteStore serialises all use of the connection with its own mutex, so
  // SQLite's per-call connection mutex would only add cost.
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw SqliteError(rc, "cannot open SQLite database '" + path + "': " + message +
                              " (check that the directory exists and is writable)");
  }
  sqlite3_extended_result_codes(raw, 1);
}

Database::~Database() = default;

void Database::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(sqlite3_extended_errcode(db_.get()), text);
  }
}

Statement Database::Prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) Fail(rc, "prepare");
    it = cache_.emplace(std::string(sql), std::unique_ptr<sqlite3_stmt, FinalizeStmt>(stmt)).first;
  }
  return Statement(*this, it->second.get());
}

int64_t Database::Changes() const { return sqlite3_changes64(db_.get()); }

void Database::Fail(int code, std::string_view what) const {
  int extended = sqlite3_extended_errcode(db_.get());
  // The connection's extended code describes the same failure in more detail, unless it is
  // stale (a different primary code).
  if ((extended & 0xff) != (code & 0xff)) extended = code;
  throw SqliteError(extended, std::string(what) + ": " + sqlite3_errmsg(db_.get()));
}

Transaction::Transaction(Database& db) : db_(db) { db_.Prepare("BEGIN IMMEDIATE").Run(); }

Transaction::~Transaction() {
  if (done_) return;
  // ROLLBACK can only fail when SQLite has already rolled back on its own (e.g. after
  // SQLITE_FULL); there is nothing more to undo then.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::Commit() {
  db_.Prepare("COMMIT").Run();
  done_ = true;
}

}  // namespace gostly::store::sqlite
