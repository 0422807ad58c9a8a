// Seeding importers: turn files users already have (HAR captures, Postman collections) into
// library::Exchange records, with a report of what was created, skipped and why.
//
// All functions are pure (no I/O, no globals) and thread-safe. They never throw: bad input
// is an Error naming what is wrong (a JSON syntax error names its line, column and byte
// offset). Nothing is invented: a request without a recorded or saved response is reported
// in ImportReport::skipped, never turned into an exchange. See README.md for the decisions.
#pragma once

#include <cstddef>
#include <string>
#include <optional>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "library/exchange.hpp"

namespace gostly::seed {

// One input element that did not become an exchange.
struct Skipped {
  std::string where;   // "entries[3]" (HAR), "item 'Auth' > 'Get token'" (Postman)
  std::string reason;  // "response status is 0 (request never completed)", "no saved response"
};

struct ImportReport {
  std::string format;  // "har 1.2", "postman v2.1.0", ...
  std::size_t created = 0;
  std::vector<Skipped> skipped;
  std::vector<std::string> warnings;  // lossy conversions, unresolved variables (each once)
};

struct ImportOptions {
  std::string service = "default";
  // Stamped on every exchange: the seeding "window" these exchanges belong to.
  std::string recording_session_id = "seed-import";
  // Bounds: input larger than max_bytes is refused before parsing; at most max_entries
  // exchanges are produced (the rest are reported in one Skipped record).
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_entries = 100000;
  // Postman only: an environment as JSON text, either a Postman environment export
  // ({"values":[{"key":..,"value":..,"enabled":..}]}) or a flat object {"name": "value"}.
  // Environment values win over collection variables (Postman's precedence). Empty: none.
  std::string environment;
  // Timestamp for exchanges whose source has none (Postman; HAR entries without
  // startedDateTime). Empty: the current UTC time, RFC 3339 with milliseconds.
  std::string default_timestamp;
};

enum class Format {
  kHar,
  kPostman,
  kOpenApi,
  // Other record/replay tools (peer importers, see README.md "Other tools' recordings").
  kHoverfly,
  kWireMock,
  kVcr,     // VCR.py cassette (YAML; requests carry "uri")
  kGoVcr,   // go-vcr cassette (YAML; requests carry "url")
  kKeploy,  // Keploy mocks/tests (YAML documents with version api.keploy.io/…, kind, spec)
  kBetamax,  // Betamax / Ruby VCR JSON cassette (http_interactions)
  kUnknown
};
std::string_view ToString(Format format);  // "har", "postman", "openapi", "unknown"

// Classifies by content, never by file name: HAR has log.entries (an array); a Postman v2
// collection has info.schema containing "schema.getpostman.com" or "collection/v2"; an
// OpenAPI/Swagger document has a top-level "openapi" or "swagger" key (JSON, or YAML text
// whose first such line is "openapi:" / "swagger:"). A Hoverfly simulation has data.pairs;
// WireMock mappings are {"mappings": [...]}, one mapping (request + response objects) or a
// JSON array whose first element is one. YAML with a top-level "interactions:" key is a
// VCR.py cassette when its first request key naming the URL is "uri:", go-vcr when it is
// "url:"; YAML with a top-level "version: api.keploy.io/..." is Keploy; JSON with an
// "http_interactions" array is Betamax. Anything else is kUnknown.
Format DetectFormat(std::string_view text);

// Every importable format (kUnknown excluded), in a stable order; and the name → format
// mapping of ToString (nullopt for names that are not one).
const std::vector<Format>& ImportableFormats();
std::optional<Format> ParseFormat(std::string_view name);

// HAR 1.1 / 1.2 (and dialects such as Polly.JS recordings). `report` may be null.
common::Result<std::vector<library::Exchange>> ImportHar(std::string_view text,
                                                         const ImportOptions& options,
                                                         ImportReport* report);

// Postman collection v2.0 / v2.1: one exchange per saved example response. `report` may be
// null.
common::Result<std::vector<library::Exchange>> ImportPostman(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report);

// Peer importers (see README.md "Other tools' recordings"). `report` may be null.
// Hoverfly simulation (schema v1..v5.x): one exchange per data.pairs[] element whose request
// matchers are all literal ("exact"; plain values in old schemas); others are skipped.
common::Result<std::vector<library::Exchange>> ImportHoverfly(std::string_view text,
                                                              const ImportOptions& options,
                                                              ImportReport* report);
// WireMock stub mappings: one mapping, {"mappings": [...]} or a JSON array of mappings. One
// exchange per mapping with a literal url/urlPath and an inline body; scenario mappings come
// out in scenario-state order (the replay sequence).
common::Result<std::vector<library::Exchange>> ImportWireMock(std::string_view text,
                                                              const ImportOptions& options,
                                                              ImportReport* report);

// VCR.py cassette (YAML): one exchange per interactions[] element; !!binary bodies are
// decoded, compressed bodies stay compressed with their Content-Encoding. Tags other than
// the YAML core schema (e.g. !!python/object) are refused; alias expansion is bounded.
common::Result<std::vector<library::Exchange>> ImportVcr(std::string_view text,
                                                         const ImportOptions& options,
                                                         ImportReport* report);
// go-vcr cassette v1/v2 (YAML): as ImportVcr, with request.url, response.code/status and
// response.duration as the latency.
common::Result<std::vector<library::Exchange>> ImportGoVcr(std::string_view text,
                                                           const ImportOptions& options,
                                                           ImportReport* report);
// Keploy mocks/tests (YAML documents): one exchange per document of kind Http; other kinds
// (Postgres, Mongo, Generic, ...) are skipped with a reason.
common::Result<std::vector<library::Exchange>> ImportKeploy(std::string_view text,
                                                            const ImportOptions& options,
                                                            ImportReport* report);
// Betamax / Ruby VCR JSON cassette: one exchange per http_interactions[] element; bodies
// from body.string or body.base64_string (decoded); recorded_at as the timestamp.
common::Result<std::vector<library::Exchange>> ImportBetamax(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report);

// OpenAPI 3.0 / 3.1 and Swagger 2.0, JSON or YAML: one exchange per (path, method,
// documented response status); bodies from explicit examples, else synthesised
// deterministically from the schema. Path parameters get concrete example values; the
// servers/basePath prefix is not part of the URI. See README.md ("OpenAPI"). `report` may
// be null.
common::Result<std::vector<library::Exchange>> ImportOpenApi(std::string_view text,
                                                             const ImportOptions& options,
                                                             ImportReport* report);

// Imports `text` as `format` (the matching Import* function). kInvalidArgument for kUnknown.
common::Result<std::vector<library::Exchange>> Import(Format format, std::string_view text,
                                                      const ImportOptions& options,
                                                      ImportReport* report);

}  // namespace gostly::seed
