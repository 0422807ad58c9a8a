// The SQLite half of OpenFreshStore: a new database file per call, in one private temporary
// directory per test binary that is removed (with every file in it) when the binary exits.
#include "backends.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace gostly::store::testing {
namespace {

const test_support::TempDir& SqliteDir() {
  static const test_support::TempDir dir("gostly-store-test");
  return dir;
}

std::unique_ptr<Store> OpenFreshSqliteStore() {
  static std::atomic<int> counter{0};
  const std::string path =
      (SqliteDir() / ("store-" + std::to_string(counter.fetch_add(1)) + ".db")).string();
  auto store = OpenSqliteStore(path);
  // Thrown rather than returned as null (backends.hpp promises a store): GoogleTest fails
  // the test with this message.
  if (!store.ok()) {
    throw std::runtime_error("cannot open a fresh SQLite store at " + path + ": " + store.error());
  }
  return std::move(store).value();
}

}  // namespace

std::unique_ptr<Store> OpenFreshStore(const std::string& backend) {
  if (backend == "sqlite") return OpenFreshSqliteStore();
  if (backend == "postgres") return OpenFreshPostgresStore();
  throw std::invalid_argument("unknown store backend '" + backend + "'");
}

}  // namespace gostly::store::testing
