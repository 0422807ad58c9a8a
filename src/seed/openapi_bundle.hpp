// OpenAPI specs split over several files: `$ref: schemas/pet.yaml#/Pet`. The importer reads one
// document (that is all POST /v1/seed/openapi receives), so the client that has the files
// bundles them first: every relative-file $ref is resolved against the file that holds it,
// the referenced documents are inlined under the root's "x-gostly-bundle" object and the
// refs rewritten to point there. `gostly seed FILE` does this before it sends the spec.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "seed/importer.hpp"

namespace gostly::seed {

// Reads a referenced file by its path (the bundler passes paths joined and normalised
// against the referencing file's directory). An error is reported and the ref left as it
// was, so the importer then skips what needed it, with the reason.
using SpecFileReader = std::function<common::Result<std::string>(const std::string& path)>;

struct BundleReport {
  std::vector<std::string> files;     // referenced files read, in the order first reached
  std::vector<std::string> warnings;  // refs left unresolved, with the reason (each once)
};

// `text` is the spec at `path`. When it has no relative-file $ref the result is `text`
// unchanged; otherwise one JSON document with the referenced files inlined. Remote refs
// (http://, https://, //host) are never fetched: they are left as they are and reported.
// Bounds: options.max_bytes over all files together, at most 1000 files. Errors only for
// the root document itself (not JSON/YAML, over the limit).
common::Result<std::string> BundleOpenApi(std::string_view text, std::string_view path,
                                          const SpecFileReader& read,
                                          const ImportOptions& options, BundleReport* report);

// A reader of local files for BundleOpenApi: regular files named *.json, *.yaml or *.yml
// only (a spec cannot make the client read anything else), each at most `max_bytes`.
SpecFileReader LocalSpecFileReader(std::size_t max_bytes);

namespace detail {
// A spec's text (JSON or YAML, a UTF-8 byte order mark allowed) as JSON; YAML goes through
// the bounded, tag-checked conversion the importer uses. Errors name line and column.
common::Result<boost::json::value> ParseSpecText(std::string_view text,
                                                 const ImportOptions& options);
}  // namespace detail

}  // namespace gostly::seed
