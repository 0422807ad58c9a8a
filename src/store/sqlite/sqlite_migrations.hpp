// The SQLite schema as an ordered list of migrations, and the runner that applies them.
//
// Each migration runs in its own transaction together with the schema_migrations row that
// records it, so a database is always at exactly one version. Migrations are append-only:
// once released, a script is never edited; a change is a new migration at the end.
#pragma once

#include <span>
#include <string_view>

#include "common/result.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace gostly::store::sqlite {

struct Migration {
  int version;            // 1, 2, 3 ... without gaps
  std::string_view name;  // what it adds, for operators reading schema_migrations
  const char* sql;        // constant SQL; may hold several statements
};

// All migrations, in version order.
std::span<const Migration> Migrations();

// The version of the last migration.
int LatestVersion();

// The version recorded in schema_migrations (0 for an empty database).
int CurrentVersion(Database& db);

// Creates schema_migrations if missing and applies every migration newer than the
// database's version, one transaction each; returns the resulting version. A database newer
// than LatestVersion() is refused with kFailedPrecondition and nothing is changed. Throws
// SqliteError on database errors.
common::Result<int> ApplyMigrations(Database& db);

}  // namespace gostly::store::sqlite
