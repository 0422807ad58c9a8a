// The peer importers (Hoverfly, WireMock, VCR.py, go-vcr, Keploy, Betamax) on arbitrary
// bytes: none may crash, a success must report as many exchanges as it returns (within max_entries),
// and every exchange must survive the JSON Lines form the proxy stores with identical
// bodies, URI and status.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "library/exchange.hpp"
#include "seed/importer.hpp"

namespace {

using Importer = gostly::common::Result<std::vector<gostly::library::Exchange>> (*)(
    std::string_view, const gostly::seed::ImportOptions&, gostly::seed::ImportReport*);

void Check(Importer import, std::string_view input, const gostly::seed::ImportOptions& options) {
  gostly::seed::ImportReport report;
  auto result = import(input, options, &report);
  if (!result.ok()) {
    if (result.error().empty()) std::abort();
    return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  gostly::seed::ImportOptions options;
  options.max_bytes = 1 << 20;
  options.max_entries = 64;
  options.default_timestamp = "2024-01-01T00:00:00.000Z";
  (void)gostly::seed::DetectFormat(input);
  Check(&gostly::seed::ImportHoverfly, input, options);
  Check(&gostly::seed::ImportWireMock, input, options);
  Check(&gostly::seed::ImportVcr, input, options);
  Check(&gostly::seed::ImportGoVcr, input, options);
  Check(&gostly::seed::ImportKeploy, input, options);
  Check(&gostly::seed::ImportBetamax, input, options);
  return 0;
}
