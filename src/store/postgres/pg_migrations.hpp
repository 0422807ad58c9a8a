// Versioned schema migrations for the PostgreSQL store, and the grants that give the
// application role exactly the access it needs.
//
// Each migration runs in its own transaction and records its version in
// schema_migrations; the whole run holds a session advisory lock, so processes starting at
// the same time apply each migration once. A database already at a newer version than this
// binary knows is refused.
#pragma once

#include <string>

#include "store/postgres/pg_connection.hpp"

namespace gostly::store::postgres {

// The newest version in this binary's migration list.
int LatestVersion();

// Applies pending migrations on `admin` (a connection as the schema owner), then, when
// app_role differs from the admin connection's role, grants app_role its privileges.
// kFailedPrecondition naming both versions when the database is newer than this binary.
Status Migrate(PgConnection& admin, const std::string& app_role);

}  // namespace gostly::store::postgres
