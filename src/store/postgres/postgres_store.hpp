// PostgreSQL backend of the Store: several proxies and control planes can share it.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace gostly::store {

// Connects with url (the application role), applies migrations as admin_url's role (url's
// when empty), and returns a store whose connections run every statement under the
// tenant's row-level-security setting.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                 const std::string& admin_url);

// The newest PostgreSQL schema version this binary knows.
int PostgresLatestSchemaVersion();

}  // namespace gostly::store
