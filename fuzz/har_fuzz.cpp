// The Har importer on arbitrary bytes: it must never crash, a success must report as many
// exchanges as it returns, and every exchange must survive the JSON Lines form the proxy
// stores (EncodeExchangeLine → DecodeExchangeLine) with identical bodies. What it imported,
// exported as HAR and as WireMock mappings (gostly export), must import back the same.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "library/exchange.hpp"
#include "seed/exporter.hpp"
#include "seed/importer.hpp"

namespace {

using gostly::library::Exchange;

void ExpectExportsImportBack(const std::vector<Exchange>& exchanges,
                             const gostly::seed::ImportOptions& options) {
  using gostly::seed::ExportFormat;
  for (ExportFormat format : {ExportFormat::kHar, ExportFormat::kWireMock}) {
    std::ostringstream out;
    gostly::seed::ExportWriter writer(format, out, "fuzz");
    for (std::size_t i = 0; i < exchanges.size(); ++i) {
      const std::string key = std::to_string(i);  // every entry its own sequence
      writer.Add({.exchange = &exchanges[i], .sequence_key = key, .base_url = "http://h"});
    }
    writer.Finish();
    auto back = format == ExportFormat::kHar
                    ? gostly::seed::ImportHar(out.str(), options, nullptr)
                    : gostly::seed::ImportWireMock(out.str(), options, nullptr);
    // A recorded method "ANY" means "any method" to WireMock; our importer skips those.
    std::vector<const Exchange*> expected;
    for (const auto& ex : exchanges) {
      if (format == ExportFormat::kHar || ex.method != "ANY") expected.push_back(&ex);
    }
    if (!back.ok() || back->size() != expected.size()) std::abort();
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const Exchange& a = *expected[i];
      const Exchange& b = (*back)[i];
      if (a.method != b.method || a.uri != b.uri || a.status != b.status ||
          a.response_body != b.response_body) {
        std::abort();
      }
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
  gostly::seed::ImportReport report;
  auto result = gostly::seed::ImportHar(input, options, &report);
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
  ExpectExportsImportBack(*result, options);
  return 0;
}
