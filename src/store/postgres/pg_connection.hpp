// Thin RAII layer over libpq for the PostgreSQL store: an owned connection, an owned result
// set, text parameters that are always bound (never spliced into SQL), and the mapping from
// SQLSTATE / connection state to common::ErrorCode.
//
// Thread-safety: a PgConnection is used by one thread at a time (the pool hands it out);
// PgRows is a plain value.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gostly::store::postgres {

using common::Error;
using common::ErrorCode;
using common::Result;
using common::Status;

// SQLSTATEs the schema's triggers raise (class "GS" is not used by PostgreSQL itself).
inline constexpr const char* kSqlStateSealed = "GS001";
inline constexpr const char* kSqlStateAppendOnly = "GS002";

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;

// Positional parameters ($1, $2, ...), sent in text format. A NUL byte cannot travel in a
// text parameter, so a value holding one makes the statement fail with kInvalidArgument
// instead of being silently truncated.
class PgParams {
 public:
  PgParams& Add(std::string_view value);
  PgParams& Add(const std::string& value) { return Add(std::string_view(value)); }
  PgParams& Add(const char* value) { return Add(std::string_view(value)); }
  PgParams& Add(int64_t value);
  PgParams& Add(int value) { return Add(static_cast<int64_t>(value)); }
  PgParams& Add(bool value);
  PgParams& Add(const std::optional<int64_t>& value);
  PgParams& AddNull();

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers valid while this object lives and is not modified.
  std::vector<const char*> Pointers() const;
  bool has_nul() const { return has_nul_; }

 private:
  std::vector<std::optional<std::string>> values_;
  bool has_nul_ = false;
};

// The rows of a successful statement, read in text format.
class PgRows {
 public:
  PgRows() = default;
  explicit PgRows(PgResultPtr result) : result_(std::move(result)) {}

  int size() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool empty() const { return size() == 0; }
  // Rows changed by INSERT/UPDATE/DELETE.
  int64_t affected() const;
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;  // 0 for NULL or unparsable
  std::optional<int64_t> OptionalInt(int row, int col) const;
  bool Bool(int row, int col) const;

 private:
  PgResultPtr result_;
};

// The error for a failed statement: kUnavailable for a lost or unusable connection
// (class 08, 57P01..57P03, libpq errors without SQLSTATE on a bad connection), kConflict for
// integrity violations (class 23) and the schema's trigger codes, kInvalidArgument for data
// exceptions (class 22), kFailedPrecondition for a missing privilege (42501), kUnavailable
// for serialization failures and deadlocks (40xxx: retry) and resource exhaustion (53xxx).
Error ErrorFromResult(PGconn* conn, const PGresult* result, std::string_view what);

// One connection. Open() applies a connect timeout unless the URL sets one.
class PgConnection {
 public:
  // kUnavailable with libpq's reason when the server cannot be reached or refuses us.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);

  // One statement with bound parameters (extended protocol).
  Result<PgRows> Exec(std::string_view sql, const PgParams& params = {});
  // One or more statements without parameters (simple protocol): migrations only.
  Status ExecScript(const std::string& sql);
  // Rolls back an open transaction, ignoring errors (the connection is then judged by
  // Healthy()).
  void RollbackQuietly();

  // Usable for the next caller: connected and not inside a transaction.
  bool Healthy() const;
  PGconn* raw() { return conn_.get(); }

 private:
  explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}
  PgConnPtr conn_;
};

// Quotes an SQL identifier (a role name in GRANT), on the connection's encoding.
Result<std::string> QuoteIdentifier(PGconn* conn, const std::string& name);

}  // namespace gostly::store::postgres
