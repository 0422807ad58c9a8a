// Library export in other tools' formats (issue 4): the sealed library as one HAR 1.2 log or
// one WireMock mappings file, written entry by entry so memory stays bounded by one entry.
// `gostly export --format har|wiremock` feeds it the rows of GET /v1/export (sealed only).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "library/exchange.hpp"

namespace gostly::seed {

enum class ExportFormat { kJsonl, kHar, kWireMock };

std::string_view ToString(ExportFormat format);                       // "jsonl", "har", "wiremock"
std::optional<ExportFormat> ParseExportFormat(std::string_view name);  // exact, lower case

// One library entry as exported: the exchange, its place in the replay sequence of its match
// key, and whether it is the last there (MOCK then keeps answering with it).
struct ExportEntry {
  const library::Exchange* exchange = nullptr;
  int seq = 0;
  bool last_in_sequence = true;
  std::string_view sequence_key;  // identifies the sequence (service + match key)
  std::string_view base_url;      // "http://host[:port]" for absolute HAR URLs
};

// Writes one document to `out`: the opening on construction, one item per Add, the closing
// on Finish (call it once; a writer destroyed without Finish leaves the document open).
//
// HAR: entries in Add order, bodies as text when they are valid UTF-8, else base64
// ("encoding": "base64", also on postData, which HAR readers that do not know it ignore);
// the service and sequence position ride along as "_service" and "_seq".
// WireMock: one mapping per entry, matching method, exact url (path and query) and the request
// body (equalToJson / equalTo / binaryEqualTo). A sequence of more than one entry becomes a
// scenario: "Started" → "seq-1" → … with the last mapping keeping its state, which is
// MOCK's default "sequence" policy (recorded order, then stick on the last).
class ExportWriter {
 public:
  ExportWriter(ExportFormat format, std::ostream& out, std::string_view creator_version);
  ExportWriter(const ExportWriter&) = delete;
  ExportWriter& operator=(const ExportWriter&) = delete;

  void Add(const ExportEntry& entry);
  void Finish();
  std::size_t written() const { return written_; }

 private:
  ExportFormat format_;
  std::ostream& out_;
  std::size_t written_ = 0;
  bool finished_ = false;
};

}  // namespace gostly::seed
