// The OpenAPI importer (JSON or YAML) on arbitrary bytes: it must never crash, a success must
// report as many exchanges as it returns, and every exchange must survive the JSON Lines form
// the proxy stores (EncodeExchangeLine → DecodeExchangeLine) with identical bodies. The
// bundler (relative-file $refs) reads the input as every referenced file too, so refs that
// lead back to it form cycles; what it bundles must import without crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "library/exchange.hpp"
#include "seed/importer.hpp"
#include "seed/openapi_bundle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  gostly::seed::ImportOptions options;
  options.max_bytes = 1 << 20;
  options.max_entries = 64;
  options.default_timestamp = "2024-01-01T00:00:00.000Z";
  gostly::seed::ImportReport report;
  gostly::seed::SpecFileReader every_file_is_the_input =
      [&](const std::string&) -> gostly::common::Result<std::string> { return std::string(input); };
  auto bundled = gostly::seed::BundleOpenApi(input, "dir/spec.yaml", every_file_is_the_input,
                                             options, nullptr);
  if (bundled.ok()) {
    (void)gostly::seed::ImportOpenApi(*bundled, options, nullptr);
  } else if (bundled.error().empty()) {
    std::abort();
  }
  auto result = gostly::seed::ImportOpenApi(input, options, &report);
  (void)gostly::seed::DetectFormat(input);
  if (!result.ok()) {
    if (result.error().empty()) std::abort();
    return 0;
  }
  if (report.created != result->size() || result->size() > options.max_entries) std::abort();
  for (const auto& exchange : *result) {
    auto line = gostly::library::EncodeExchangeLine(exchange);
    auto decoded = gostly::library::DecodeExchangeLine(line);
    if (!decoded.ok()) std::abort();
    if (decoded->request_body != exchange.request_body ||
        decoded->response_body != exchange.response_body || decoded->uri != exchange.uri ||
        decoded->status != exchange.status) {
      std::abort();
    }
  }
  return 0;
}
