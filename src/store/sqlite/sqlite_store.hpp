// SQLite backend of the Store (the embedded default): one database file in WAL mode.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace gostly::store {

// Opens (creating if needed) the database at path and applies migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

// The newest SQLite schema version this binary knows.
int SqliteLatestSchemaVersion();

}  // namespace gostly::store
