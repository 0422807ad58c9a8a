#include "seed/exporter.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "common/body_codec.hpp"
#include "library/wire.hpp"
#include "seed/json_input.hpp"

namespace gostly::seed {
namespace json = boost::json;

namespace {

json::array HarNameValues(const common::HeaderList& headers) {
  json::array out;
  for (const auto& [name, value] : headers) {
    out.push_back(json::object{{"name", name}, {"value", value}});
  }
  return out;
}

json::array HarQuery(std::string_view uri) {
  json::array out;
  auto ref = boost::urls::parse_relative_ref(uri);
  if (!ref) return out;
  // Decoded as HAR readers expect, unless the escapes decode to bytes that are not UTF-8
  // (`%ee`): a JSON string cannot hold those, so the encoded text is written instead.
  auto text = [](boost::urls::pct_string_view encoded) {
    std::string decoded = encoded.decode();
    return common::IsValidUtf8(decoded) ? decoded : std::string(encoded);
  };
  for (const auto& param : ref->encoded_params()) {
    out.push_back(json::object{{"name", text(param.key)}, {"value", text(param.value)}});
  }
  return out;
}

// Text when the bytes are valid UTF-8 (JSON strings can hold them), else base64.
void PutBody(json::object& into, std::string_view text_field, std::string_view body) {
  if (common::IsValidUtf8(body)) {
    into[text_field] = body;
  } else {
    into[text_field] = common::Base64Encode(body);
    into["encoding"] = "base64";
  }
}

json::object HarEntry(const ExportEntry& entry) {
  const library::Exchange& ex = *entry.exchange;
  json::object request{{"method", ex.method},
                       {"url", std::string(entry.base_url) + ex.uri},
                       {"httpVersion", "HTTP/1.1"},
                       {"cookies", json::array()},
                       {"headers", HarNameValues(ex.request_headers)},
                       {"queryString", HarQuery(ex.uri)},
                       {"headersSize", -1},
                       {"bodySize", ex.request_body.size()}};
  if (!ex.request_body.empty()) {
    json::object post{{"mimeType", detail::FindHeader(ex.request_headers, "content-type")}};
    PutBody(post, "text", ex.request_body);
    request["postData"] = std::move(post);
  }
  json::object content{{"size", ex.response_body.size()},
                       {"mimeType", detail::FindHeader(ex.response_headers, "content-type")}};
  PutBody(content, "text", ex.response_body);
  json::object response{{"status", ex.status},
                        {"statusText", library::ReasonPhrase(ex.status)},
                        {"httpVersion", "HTTP/1.1"},
                        {"cookies", json::array()},
                        {"headers", HarNameValues(ex.response_headers)},
                        {"content", std::move(content)},
                        {"redirectURL", detail::FindHeader(ex.response_headers, "location")},
                        {"headersSize", -1},
                        {"bodySize", ex.response_body.size()}};
  const double wait = ex.latency_ms > 0 ? ex.latency_ms : 0;
  return json::object{
      {"startedDateTime", ex.timestamp.empty() ? "1970-01-01T00:00:00.000Z" : ex.timestamp},
      {"time", wait},
      {"request", std::move(request)},
      {"response", std::move(response)},
      {"cache", json::object()},
      {"timings", json::object{{"send", 0}, {"wait", wait}, {"receive", 0}}},
      {"_service", ex.service},
      {"_seq", entry.seq}};
}

std::string ScenarioState(int seq) {
  return seq == 0 ? "Started" : "seq-" + std::to_string(seq);
}

json::object WireMockMapping(const ExportEntry& entry) {
  const library::Exchange& ex = *entry.exchange;
  json::object request{{"method", ex.method}, {"url", ex.uri}};
  if (!ex.request_body.empty()) {
    // JSON compares as JSON (whitespace and key order aside), as MOCK's body hash does.
    json::object pattern;
    boost::system::error_code ec;
    json::value parsed = json::parse(ex.request_body, ec);
    if (!ec && (parsed.is_object() || parsed.is_array())) {
      pattern["equalToJson"] = std::move(parsed);
    } else if (common::IsValidUtf8(ex.request_body)) {
      pattern["equalTo"] = ex.request_body;
    } else {
      pattern["binaryEqualTo"] = common::Base64Encode(ex.request_body);
    }
    request["bodyPatterns"] = json::array{std::move(pattern)};
  }
  // WireMock frames the body itself; a repeated name becomes a list, as WireMock reads it.
  common::HeaderList kept;
  for (const auto& header : ex.response_headers) {
    if (!library::IsHopByHopOrFraming(header.first)) kept.push_back(header);
  }
  json::object headers = common::EncodeHeaders(kept);
  json::object response{{"status", ex.status}};
  if (!headers.empty()) response["headers"] = std::move(headers);
  if (!ex.response_body.empty()) {
    if (common::IsValidUtf8(ex.response_body)) {
      response["body"] = ex.response_body;
    } else {
      response["base64Body"] = common::Base64Encode(ex.response_body);
    }
  }
  json::object mapping{{"name", ex.method + " " + ex.uri},
                       {"request", std::move(request)},
                       {"response", std::move(response)},
                       {"metadata", json::object{{"gostly", json::object{{"service", ex.service},
                                                                          {"seq", entry.seq}}}}}};
  if (entry.seq > 0 || !entry.last_in_sequence) {
    mapping["scenarioName"] = entry.sequence_key;
    mapping["requiredScenarioState"] = ScenarioState(entry.seq);
    if (!entry.last_in_sequence) mapping["newScenarioState"] = ScenarioState(entry.seq + 1);
  }
  return mapping;
}

}  // namespace

std::string_view ToString(ExportFormat format) {
  switch (format) {
    case ExportFormat::kJsonl:
      return "jsonl";
    case ExportFormat::kHar:
      return "har";
    case ExportFormat::kWireMock:
      return "wiremock";
  }
  return "jsonl";
}

std::optional<ExportFormat> ParseExportFormat(std::string_view name) {
  for (ExportFormat f : {ExportFormat::kJsonl, ExportFormat::kHar, ExportFormat::kWireMock}) {
    if (ToString(f) == name) return f;
  }
  return std::nullopt;
}

ExportWriter::ExportWriter(ExportFormat format, std::ostream& out,
                           std::string_view creator_version)
    : format_(format), out_(out) {
  if (format_ == ExportFormat::kHar) {
    json::object creator{{"name", "gostly"}, {"version", creator_version}};
    out_ << "{\"log\":{\"version\":\"1.2\",\"creator\":" << json::serialize(creator)
         << ",\"entries\":[\n";
  } else if (format_ == ExportFormat::kWireMock) {
    out_ << "{\"mappings\":[\n";
  }
}

void ExportWriter::Add(const ExportEntry& entry) {
  const library::Exchange& ex = *entry.exchange;
  switch (format_) {
    case ExportFormat::kJsonl:
      out_ << library::EncodeExchangeLine(ex);
      break;
    case ExportFormat::kHar:
      out_ << (written_ > 0 ? ",\n" : "") << json::serialize(HarEntry(entry));
      break;
    case ExportFormat::kWireMock:
      out_ << (written_ > 0 ? ",\n" : "") << json::serialize(WireMockMapping(entry));
      break;
  }
  ++written_;
}

void ExportWriter::Finish() {
  if (finished_) return;
  finished_ = true;
  if (format_ == ExportFormat::kHar) {
    out_ << "\n]}}\n";
  } else if (format_ == ExportFormat::kWireMock) {
    out_ << "\n]}\n";
  }
  out_.flush();
}

}  // namespace gostly::seed
