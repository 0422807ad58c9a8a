#include <filesystem>

#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace gostly::store {

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  const std::string& url = options.database_url;
  if (url.empty()) {
    std::error_code ec;
    auto parent = std::filesystem::path(options.sqlite_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    return OpenSqliteStore(options.sqlite_path);
  }
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return OpenPostgresStore(url, options.admin_database_url);
  }
  return common::MakeError("DATABASE_URL must start with postgres:// or postgresql:// (got '" +
                               url.substr(0, url.find(':')) + ":…'); unset it to use SQLite",
                           common::ErrorCode::kInvalidArgument);
}

int LatestSchemaVersion(const std::string& backend) {
  return backend == "postgres" ? PostgresLatestSchemaVersion() : SqliteLatestSchemaVersion();
}

}  // namespace gostly::store
