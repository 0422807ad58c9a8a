// Thin RAII layer over the sqlite3 C API used by SqliteStore: one connection, a cache of
// prepared statements, parameter binding, transactions, and the mapping from SQLite result
// codes to ErrorCode.
//
// Failures throw SqliteError (the code and SQLite's message); SqliteStore catches it once
// per public method and turns it into a Result, so no exception crosses the Store
// interface. Values only ever reach SQL through bound parameters; the only text passed to
// Exec is constant (pragmas, migration scripts).
//
// Thread-safety: none. A Database and the Statements it hands out must be used by one
// thread at a time (SqliteStore holds its mutex around every use).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.hpp"

namespace gostly::store::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  // The extended result code (e.g. SQLITE_CONSTRAINT_TRIGGER).
  int code() const { return code_; }

 private:
  int code_;
};

// SQLITE_CONSTRAINT → kConflict; BUSY, LOCKED, CANTOPEN, IOERR, FULL, READONLY, NOMEM →
// kUnavailable; CORRUPT, NOTADB → kFailedPrecondition; anything else → kUnspecified.
common::ErrorCode MapSqliteCode(int code);

class Database;

// A prepared statement borrowed from the Database's cache for one use: bind, step, read.
// Its destructor resets the statement and clears its bindings so the next user starts clean.
class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite. Text is copied (SQLITE_TRANSIENT).
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<int64_t>(value)); }
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::optional<int64_t>& value);

  // Binds the arguments to parameters 1..N in order.
  template <typename... Args>
  Statement& BindAll(const Args&... args) {
    int index = 0;
    (Bind(++index, args), ...);
    return *this;
  }

  // Advances to the next row: true when there is one, false when done; throws on error.
  bool Step();
  // Steps to completion, ignoring rows.
  void Run();

  int64_t Int(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::string Text(int column) const;

 private:
  Database* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens (creating if needed) the file at path. Throws SqliteError.
  explicit Database(const std::string& path);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs constant SQL, possibly several statements. Never pass values through here.
  void Exec(const char* sql);
  // A cached prepared statement for this SQL text (prepared on first use).
  Statement Prepare(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;
  // Throws SqliteError built from the connection's current error, prefixed with what.
  [[noreturn]] void Fail(int code, std::string_view what) const;

  sqlite3* handle() const { return db_.get(); }

 private:
  struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct FinalizeStmt {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  // Declared before the cache so that statements are finalized before the connection closes.
  std::unique_ptr<sqlite3, CloseDb> db_;
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, FinalizeStmt>> cache_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so a transaction never
// fails half-way on a lock upgrade); ROLLBACK on destruction unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace gostly::store::sqlite
