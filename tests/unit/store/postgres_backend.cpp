// Placeholder until the PostgreSQL test cluster lands; replaced, not kept.
#include <gtest/gtest.h>

#include "backends.hpp"

namespace gostly::store::testing {
std::unique_ptr<Store> OpenFreshPostgresStore() {
  ADD_FAILURE() << "PostgreSQL test backend not built yet";
  return nullptr;
}
}  // namespace gostly::store::testing
