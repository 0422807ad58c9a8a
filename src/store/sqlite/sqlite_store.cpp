// Placeholder until the SQLite backend lands (being written now); replaced, not kept.
#include "store/sqlite/sqlite_store.hpp"

namespace gostly::store {
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string&) {
  return common::MakeError("SQLite store not built yet");
}
int SqliteLatestSchemaVersion() { return 0; }
}  // namespace gostly::store
