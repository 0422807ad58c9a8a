// Test-only seam for the snapshot's exact-tier index. Not part of the library's API.
#pragma once

#include <cstdint>

namespace gostly::library::test_hooks {

// While alive, every exact-tier key hash is ANDed with `mask` in Build and FindExact, so a
// mask of 0 makes all keys collide and a test can prove that colliding keys are still told
// apart. Set it before Build and keep it for the lookups on that snapshot. Not thread-safe
// against concurrent Builds; tests only.
class ScopedKeyHashMask {
 public:
  explicit ScopedKeyHashMask(std::uint64_t mask);
  ~ScopedKeyHashMask();
  ScopedKeyHashMask(const ScopedKeyHashMask&) = delete;
  ScopedKeyHashMask& operator=(const ScopedKeyHashMask&) = delete;

 private:
  std::uint64_t previous_;
};

}  // namespace gostly::library::test_hooks
