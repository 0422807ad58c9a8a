// Request targets through normalisation and template inference.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "library/uri_template.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  auto normalised = gostly::library::NormalizeTarget(target);
  // Normalisation is idempotent.
  if (gostly::library::NormalizeTarget(normalised) != normalised) std::abort();
  gostly::library::TemplatePath(target);
  gostly::library::ClassifySegment(target);
  return 0;
}
