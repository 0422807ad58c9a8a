// The PostgreSQL half of the store test backends: one throw-away cluster per test binary,
// started on first use and stopped when the binary exits, and a fresh database per store,
// migrated as the owner role and used as the application role (so row-level security
// binds every statement the suite runs).
#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <string>

#include "backends.hpp"
#include "store/postgres/postgres_store.hpp"
#include "support/pg_cluster.hpp"

namespace gostly::store::testing {
namespace {

struct SharedCluster {
  std::unique_ptr<test_support::PgCluster> cluster;
  std::string error;  // why it could not start; then every caller fails with it
};

SharedCluster& Shared() {
  // A function-local static: started by the first test that needs it (on the main test
  // thread), stopped and removed by its destructor when the binary exits.
  static SharedCluster shared = [] {
    SharedCluster s;
    try {
      s.cluster = std::make_unique<test_support::PgCluster>();
    } catch (const std::exception& e) {
      s.error = e.what();
    }
    return s;
  }();
  return shared;
}

}  // namespace

// Also used by postgres_store_test.cpp for its raw-SQL checks. Null (after ADD_FAILURE)
// when the cluster could not start.
test_support::PgCluster* SharedPostgresCluster() {
  auto& shared = Shared();
  if (!shared.cluster) {
    ADD_FAILURE() << "cannot start the PostgreSQL test cluster: " << shared.error;
    return nullptr;
  }
  return shared.cluster.get();
}

std::unique_ptr<Store> OpenFreshPostgresStore() {
  auto* cluster = SharedPostgresCluster();
  if (cluster == nullptr) return nullptr;
  std::string database;
  try {
    database = cluster->CreateDatabase("gostly_store");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot create a PostgreSQL test database: " << e.what();
    return nullptr;
  }
  auto store = OpenPostgresStore(cluster->AppUrl(database), cluster->OwnerUrl(database));
  if (!store.ok()) {
    ADD_FAILURE() << "cannot open a fresh PostgreSQL store on " << database << ": "
                  << store.error();
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace gostly::store::testing
