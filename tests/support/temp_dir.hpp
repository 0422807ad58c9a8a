// A private temporary directory (mkdtemp under $TMPDIR, else /tmp), removed with its
// contents when the guard goes out of scope. Set GOSTLY_KEEP_TEST_DIRS=1 to keep it for a
// post-mortem; its path is then printed to stderr.
#pragma once

#include <filesystem>
#include <string>

namespace gostly::test_support {

class TempDir {
 public:
  // Throws std::system_error when the directory cannot be created.
  explicit TempDir(const std::string& prefix = "gostly-test");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

}  // namespace gostly::test_support
