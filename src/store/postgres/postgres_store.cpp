// Placeholder until the PostgreSQL backend lands (being written now); replaced, not kept.
#include "store/postgres/postgres_store.hpp"

namespace gostly::store {
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string&, const std::string&) {
  return common::MakeError("PostgreSQL store not built yet");
}
int PostgresLatestSchemaVersion() { return 0; }
}  // namespace gostly::store
