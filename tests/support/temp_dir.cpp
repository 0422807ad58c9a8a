#include "support/temp_dir.hpp"

#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <system_error>
#include <vector>

namespace gostly::test_support {

TempDir::TempDir(const std::string& prefix) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  std::string pattern = (base / (prefix + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  const char* keep = std::getenv("GOSTLY_KEEP_TEST_DIRS");
  if (keep != nullptr && *keep != '\0' && *keep != '0') {
    std::cerr << "kept test directory " << path_ << std::endl;
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace gostly::test_support
