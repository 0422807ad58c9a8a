// How bodies and headers are written into JSON Lines records (DESIGN §4), losslessly:
//  - a body that is JSON and re-serialises byte-for-byte is embedded as JSON
//    (`<field>_encoding: "json"`);
//  - other valid UTF-8 text without control bytes is a JSON string ("text");
//  - anything else is base64 ("base64").
// Decoding always returns the exact original bytes. Also: canonical JSON and the body hash
// used by exact matching (key order and whitespace do not matter).
// All functions are pure and thread-safe.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace gostly::common {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

enum class BodyEncoding { kJson, kText, kBase64 };
std::string_view ToString(BodyEncoding encoding);  // "json", "text", "base64"

// How EncodeBody stores `body`: kJson only when it is JSON that re-serialises byte-for-byte.
// Runs on the capture path: it parses without building a document (see body_codec.cpp).
BodyEncoding ClassifyBody(std::string_view body);

namespace detail {
// The definition ClassifyBody implements, by parsing and re-serialising a document: the
// reference its tests and fuzz target compare against.
BodyEncoding ClassifyBodyByDom(std::string_view body);
}  // namespace detail

void EncodeBody(boost::json::object& record, std::string_view field, std::string_view body);

// Appends `text` as a JSON string literal (quotes included). Bytes that are not valid UTF-8
// are read as Latin-1 so the line always parses; valid UTF-8 is kept as is.
void AppendJsonString(std::string& out, std::string_view text);
// The same without the quotes: for a string literal assembled from several pieces.
void AppendJsonEscaped(std::string& out, std::string_view text);
Result<std::string> DecodeBody(const boost::json::object& record, std::string_view field);

// Headers as a JSON object; a repeated header becomes an array of its values, in order.
boost::json::object EncodeHeaders(const HeaderList& headers);
Result<HeaderList> DecodeHeaders(const boost::json::value& value);

std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// True for well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

// True for valid UTF-8 without control characters other than tab, CR and LF.
bool IsPrintableUtf8(std::string_view bytes);

// Serialises a JSON value with object keys sorted recursively and no whitespace.
std::string CanonicalJson(const boost::json::value& value);

// 64-bit hash of a request body for exact matching: the canonical form when the body
// parses as JSON, otherwise the raw bytes. The empty body hashes to 0.
std::uint64_t BodyHash(std::string_view body);

// 64-bit XXH3 of arbitrary bytes.
std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed = 0);

}  // namespace gostly::common
