// Test backends for the store behaviour suite: each test gets a fresh, empty, migrated store.
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace gostly::store::testing {

// "sqlite" or "postgres". Never returns null: a backend that cannot be started fails the
// test with the reason (the PostgreSQL run is never skipped silently).
std::unique_ptr<Store> OpenFreshStore(const std::string& backend);

// The PostgreSQL half (postgres_backend.cpp): one throw-away cluster per test binary,
// a fresh database per call, connected as the application role.
std::unique_ptr<Store> OpenFreshPostgresStore();

}  // namespace gostly::store::testing
