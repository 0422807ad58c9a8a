// Helpers shared by the importers (internal to src/seed): bounded JSON parsing with
// positioned errors, URL → service-relative target, header filtering, timestamps.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/body_codec.hpp"
#include "common/result.hpp"
#include "seed/importer.hpp"

namespace gostly::seed::detail {

// When `produced` entries already reach options.max_entries, records the rest (items
// i..total-1, named `where` + "..", counted as `noun`) as one skip and returns true: the
// caller stops converting.
bool StopAtEntryLimit(std::size_t produced, std::size_t total, std::size_t i,
                      const std::string& where, std::string_view noun,
                      const ImportOptions& options, ImportReport& report);

// The importers' loop over a file's items: items 0..count-1 in order, each converted by
// `convert(i, item)` (returns "" when converted, else the reason it was skipped) and named
// `where(i)` in the report; past options.max_entries the rest is one Skipped record.
template <class Item, class Where, class Convert>
std::vector<Item> ConvertEach(std::size_t count, std::string_view noun, Where where,
                              Convert convert, const ImportOptions& options,
                              ImportReport& report) {
  std::vector<Item> out;
  for (std::size_t i = 0; i < count; ++i) {
    if (StopAtEntryLimit(out.size(), count, i, where(i), noun, options, report)) break;
    Item item;
    std::string why = convert(i, item);
    if (!why.empty()) {
      report.skipped.push_back({where(i), std::move(why)});
      continue;
    }
    out.push_back(std::move(item));
  }
  return out;
}

// Closes a report: the warning for Content-Encoding headers dropped from already-decoded
// bodies (when any) and the number created.
void FinishReport(std::size_t dropped_encodings, std::size_t created, ImportReport& report);

// Parses `text` as one JSON document. Refuses input over options.max_bytes. A syntax error
// names line, column and byte offset: "invalid JSON at line 3, column 7 (byte 42): ...".
common::Result<boost::json::value> ParseJsonInput(std::string_view text,
                                                  const ImportOptions& options);

struct Target {
  std::string host;    // host[:port] as written in the URL (may be empty)
  std::string target;  // origin-form: path (at least "/") plus "?query" when present
};

// Splits an absolute URL ("https://h:8080/p?q#f") into Host and origin-form target. Bytes
// that may not appear in a URI (spaces, braces, non-ASCII, a '%' not starting an escape)
// are percent-encoded first, as browsers do; the fragment is dropped. When
// `assume_http` is set, a URL without a scheme is read as "http://" + url (Postman's
// "{{host}}/path" form). Fails when Boost.URL cannot parse the result.
common::Result<Target> SplitUrl(std::string_view url, bool assume_http);

// ":authority", ":method", ... (HTTP/2 and HTTP/3 pseudo-headers).
bool IsPseudoHeader(std::string_view name);
bool HasHeader(const common::HeaderList& headers, std::string_view name);
void RemoveHeader(common::HeaderList& headers, std::string_view name);
std::string_view FindHeader(const common::HeaderList& headers, std::string_view name);

// True when a response labelled `coding` (a Content-Encoding value) carries `body` that is
// already decoded, so the label must be dropped. See README.md ("Compressed content").
bool StoredBodyIsDecoded(std::string_view coding, std::string_view body);

// Drops pseudo-headers and hop-by-hop/framing headers (library::IsHopByHopOrFraming);
// when the body is stored decoded, also Content-Encoding. Returns how many
// Content-Encoding headers were dropped.
std::size_t CleanResponseHeaders(common::HeaderList& headers, std::string_view body);
void CleanRequestHeaders(common::HeaderList& headers);

// application/x-www-form-urlencoded serialisation of name/value pairs (Boost.URL encoding).
std::string FormUrlEncode(const std::vector<std::pair<std::string, std::string>>& params);

// RFC 3339 UTC with milliseconds ("2024-01-02T03:04:05.678Z") for an ISO 8601 date-time
// with a zone (Z or ±hh:mm / ±hhmm); `text` unchanged when it cannot be read.
std::string NormalizeTimestamp(std::string_view text);
std::string NowRfc3339();

// Base64 as exporters write it: whitespace ignored, missing padding tolerated.
common::Result<std::string> DecodeBase64Lenient(std::string_view text);

// Typed field access without exceptions: null when absent or of another type.
const boost::json::object* GetObject(const boost::json::object& o, std::string_view key);
const boost::json::array* GetArray(const boost::json::object& o, std::string_view key);
const boost::json::string* GetString(const boost::json::object& o, std::string_view key);
// A scalar rendered as text (strings as is, numbers and booleans in JSON form); "" otherwise.
std::string ScalarText(const boost::json::value* v);

}  // namespace gostly::seed::detail
