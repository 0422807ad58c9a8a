#include "control/control_api.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "control/ids.hpp"
#include "control/library_entry.hpp"
#include "library/exchange.hpp"
#include "library/uri_template.hpp"
#include "seed/importer.hpp"
#include "state/chaos.hpp"
#include "state/statechart.hpp"

namespace gostly::control {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

// ---- request helpers ---------------------------------------------------------------------

json::object ParseObject(const ApiRequest& request) {
  if (request.body.empty()) {
    throw ApiError(422, "invalid_json", "The request body is empty; send a JSON object.");
  }
  boost::system::error_code ec;
  json::stream_parser parser;
  std::size_t used = parser.write(request.body.data(), request.body.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    throw ApiError(422, "invalid_json",
                   fmt::format("The body is not valid JSON ({} at byte {}).", ec.message(), used));
  }
  json::value v = parser.release();
  if (!v.is_object()) throw ApiError(422, "invalid_json", "The body must be a JSON object.");
  return std::move(v.as_object());
}

[[noreturn]] void FieldError(std::string_view field, std::string_view problem) {
  throw ApiError(422, "invalid_field", fmt::format("Field '{}' {}.", field, problem));
}

std::string StringField(const json::object& o, std::string_view field, bool required,
                        std::string fallback = {}) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (required) FieldError(field, "is required");
    return fallback;
  }
  if (!v->is_string()) FieldError(field, "must be a string");
  return std::string(v->as_string());
}

// A service's chaos as the store keeps it: the normalised config ({"seed", "rules"}, every
// default spelled out, as the proxy will enforce it) without "service", which is the row's;
// "" when it has no rules. Throws 422 naming the field ("chaos.rules[0].errors.rate …").
std::string ChaosText(const json::value& value, const std::string& service) {
  auto config = state::ServiceChaosFromJson(value, service, "chaos");
  if (!config) throw ApiError(422, "invalid_field", config.error() + ".");
  if (config->rules.empty()) return {};
  json::object normalised = state::ChaosConfigToJson(*config);
  return json::serialize(
      json::object{{"seed", config->seed}, {"rules", std::move(normalised["rules"])}});
}

// A service's statechart overrides as the store keeps them (normalised); "" for none.
std::string StatechartsText(const json::value& value) {
  auto charts = state::StatechartListFromJson(value, "statecharts");
  if (!charts) throw ApiError(422, "invalid_field", charts.error() + ".");
  if (charts->empty()) return {};
  return json::serialize(state::StatechartListToJson(*charts));
}

// Stored JSON text as a value; null for "" (none).
json::value StoredJson(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

void AddPushResult(json::object& out, const common::Status& pushed) {
  out["pushed_to_proxy"] = pushed.ok();
  if (!pushed) out["push_error"] = pushed.error();
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

store::PageRequest PageOf(const ApiRequest& request) {
  store::PageRequest page;
  page.cursor = request.Query("cursor");
  std::string limit = request.Query("limit");
  if (!limit.empty()) {
    char* end = nullptr;
    long n = std::strtol(limit.c_str(), &end, 10);
    if (end == limit.c_str() || *end != '\0' || n < 1 || n > 1000) {
      throw ApiError(422, "invalid_parameter", "Query parameter 'limit' must be 1-1000.");
    }
    page.limit = static_cast<int>(n);
  }
  return page;
}

template <typename T, typename F>
json::object PageJson(const store::Page<T>& page, F to_json) {
  json::array items;
  for (const auto& item : page.items) items.push_back(to_json(item));
  json::object out{{"items", std::move(items)}};
  out["next_cursor"] = page.next_cursor.empty() ? json::value(nullptr)
                                                : json::value(page.next_cursor);
  return out;
}

std::int64_t MockId(ApiRequest& request) {
  const std::string& raw = request.params["id"];
  char* end = nullptr;
  long long id = std::strtoll(raw.c_str(), &end, 10);
  if (end == raw.c_str() || *end != '\0' || id <= 0) {
    throw ApiError(404, "not_found", "No mock " + raw + ".");
  }
  return id;
}

// ---- representations ---------------------------------------------------------------------

json::value TimeOrNull(std::int64_t ms) {
  return ms == 0 ? json::value(nullptr) : json::value(FormatMs(ms));
}

json::object ServiceJson(const store::ServiceRecord& s) {
  json::array headers;
  for (const auto& h : s.redact_headers) headers.emplace_back(h);
  json::object o{{"id", s.id},
                 {"upstream", s.upstream},
                 {"redact_headers", std::move(headers)},
                 {"repeat_policy", s.repeat_policy},
                 {"created_at", TimeOrNull(s.created_at_ms)},
                 {"updated_at", TimeOrNull(s.updated_at_ms)}};
  o["host"] = s.host.empty() ? json::value(nullptr) : json::value(s.host);
  o["path_prefix"] = s.path_prefix.empty() ? json::value(nullptr) : json::value(s.path_prefix);
  o["mode"] = s.mode.empty() ? json::value(nullptr) : json::value(s.mode);
  o["chaos"] = StoredJson(s.chaos);
  o["statecharts"] = StoredJson(s.statecharts);
  return o;
}

// The proxy's default route (BACKEND_URL): addressable by the chaos and statechart
// sub-resources although it has no routing rule.
constexpr const char* kDefaultService = "default";

// /v1/services/{id}/chaos: the service's config as the proxy's /ghost/chaos lists it.
json::object ServiceChaosJson(const store::ServiceRecord& s) {
  json::object out{{"service", s.id}, {"seed", 0}, {"rules", json::array{}}};
  json::value stored = StoredJson(s.chaos);
  if (stored.is_object()) {
    for (const auto& [key, value] : stored.as_object()) out[key] = value;
  }
  return out;
}

// /v1/services/{id}/statecharts: the service's overrides (the bundled machines not included).
json::object ServiceStatechartsJson(const store::ServiceRecord& s) {
  json::value stored = StoredJson(s.statecharts);
  return json::object{{"service", s.id},
                      {"statecharts", stored.is_array() ? stored : json::array{}}};
}

json::object MockJson(const store::LibraryEntry& e) {
  boost::system::error_code ec;
  json::value exchange = json::parse(e.exchange_json, ec);
  if (ec) exchange = nullptr;
  return json::object{{"id", e.id},
                      {"service", e.service},
                      {"method", e.method},
                      {"uri", e.uri},
                      {"uri_template", e.uri_template},
                      {"match_key", e.match_key},
                      {"seq", e.seq},
                      {"status", e.status},
                      {"source", e.source},
                      {"sealed", e.scrubbed_at_ms.has_value()},
                      {"scrubbed_at", TimeOrNull(e.scrubbed_at_ms.value_or(0))},
                      {"created_at", TimeOrNull(e.created_at_ms)},
                      {"updated_at", TimeOrNull(e.updated_at_ms)},
                      {"exchange", std::move(exchange)}};
}

json::object JobJson(const store::TransitionJob& j) {
  // Whole percent: JSON readers get an integer, not Boost's 5E-1.
  std::int64_t percent = j.state == "succeeded" ? 100
                         : j.total_bytes > 0    ? std::min<std::int64_t>(
                                                   99, j.read_bytes * 100 / j.total_bytes)
                                                : 0;
  json::object o{{"job_id", j.id},
                 {"state", j.state},
                 {"previous_mode", j.previous_mode},
                 {"progress_percent", percent},
                 {"total_bytes", j.total_bytes},
                 {"read_bytes", j.read_bytes},
                 {"exchanges_read", j.exchanges_read},
                 {"entries_staged", j.entries_staged},
                 {"entries_skipped", j.entries_skipped},
                 {"created_at", TimeOrNull(j.created_at_ms)},
                 {"updated_at", TimeOrNull(j.updated_at_ms)},
                 {"finished_at", TimeOrNull(j.finished_at_ms)}};
  o["error"] = j.error.empty() ? json::value(nullptr) : json::value(j.error);
  return o;
}

json::object ApiKeyJson(const store::ApiKeyRecord& k) {
  json::object o{{"id", k.id},
                 {"name", k.name},
                 {"prefix", k.prefix},
                 {"role", k.role},
                 {"created_at", TimeOrNull(k.created_at_ms)}};
  o["revoked_at"] = TimeOrNull(k.revoked_at_ms.value_or(0));
  return o;
}

json::object AuditJson(const store::AuditEvent& a) {
  boost::system::error_code ec;
  json::value detail = json::parse(a.detail_json, ec);
  if (ec) detail = json::object{};
  return json::object{{"id", a.id},
                      {"at", TimeOrNull(a.at_ms)},
                      {"actor", a.actor},
                      {"action", a.action},
                      {"target", a.target},
                      {"detail", std::move(detail)}};
}

json::object ExchangeRequestJson(const library::Exchange& ex) {
  json::object o{{"service", ex.service}, {"method", ex.method}, {"uri", ex.uri}};
  if (!ex.request_body.empty()) o["request_body"] = ex.request_body;
  o["request_body_encoding"] = "text";
  return o;
}

// The library record the proxy appends for a store row (POST /ghost/mocks accepts the
// JSON Lines record form).
json::value RecordForProxy(const store::LibraryEntry& entry) {
  json::value v = json::parse(entry.exchange_json);
  // A fresh manual session makes the edit win over what LEARN recorded for the key.
  v.as_object().erase("recording_session_id");
  return v;
}

// ---- schemas for the OpenAPI document ----------------------------------------------------

json::value Schema(std::string_view text) { return json::parse(text); }

const char* const kModeSchema =
    R"({"type":"object","required":["mode"],"properties":{"mode":{"type":"string","enum":["learn","mock","passthrough","LEARN","MOCK","PASSTHROUGH"]}}})";
const char* const kServiceSchema =
    R"({"type":"object","required":["id"],"properties":{"id":{"type":"string","pattern":"^[A-Za-z0-9._-]{1,64}$"},"host":{"type":"string"},"path_prefix":{"type":"string"},"upstream":{"type":"string"},"mode":{"type":"string","enum":["LEARN","MOCK","PASSTHROUGH"]},"redact_headers":{"type":"array","items":{"type":"string"}},"repeat_policy":{"type":"string","enum":["sequence","cycle","first","last"]},"chaos":{"type":["object","null"],"description":"as PUT /v1/services/{id}/chaos; left out: kept; null: cleared"},"statecharts":{"type":["array","null"],"items":{"type":"object"},"description":"as PUT /v1/services/{id}/statecharts; left out: kept; null: cleared"}}})";
const char* const kChaosSchema =
    R"({"type":"object","required":["rules"],"properties":{"seed":{"type":"integer","minimum":0},"rules":{"type":"array","items":{"type":"object","properties":{"match":{"type":"string","description":"METHOD /path/glob or /path/glob"},"latency":{"type":"object","required":["distribution"],"properties":{"distribution":{"type":"string","enum":["fixed","uniform","normal","lognormal"]},"ms":{"type":"number"},"min_ms":{"type":"number"},"max_ms":{"type":"number"},"mean_ms":{"type":"number"},"stddev_ms":{"type":"number"},"median_ms":{"type":"number"},"sigma":{"type":"number"}}},"max_latency_ms":{"type":"number"},"errors":{"type":"object","properties":{"rate":{"type":"number","minimum":0,"maximum":1},"statuses":{"type":"array","items":{"type":"object","properties":{"status":{"type":"integer"},"weight":{"type":"number"},"body":{}}}}}},"faults":{"type":"object","properties":{"reset":{"type":"number"},"empty":{"type":"number"},"malformed":{"type":"number"},"dribble":{"type":"number"}}},"markov":{"type":"object","required":["healthy_s","degraded_s"],"properties":{"healthy_s":{"type":"number"},"degraded_s":{"type":"number"},"degraded_error_rate":{"type":"number"},"latency_multiplier":{"type":"number"}}}}}}}})";
const char* const kStatechartsSchema =
    R"({"type":"object","required":["statecharts"],"properties":{"statecharts":{"type":"array","items":{"type":"object","required":["name","initial","transitions"],"properties":{"name":{"type":"string"},"initial":{"type":"string"},"field":{"type":"string"},"transitions":{"type":"object","additionalProperties":{"type":"object","additionalProperties":{"type":"string"}}}}}}}})";
const char* const kMockSchema =
    R"({"type":"object","required":["method","uri","status"],"properties":{"service":{"type":"string"},"method":{"type":"string"},"uri":{"type":"string"},"status":{"type":"integer"},"request_headers":{"type":"object"},"request_body":{},"response_headers":{"type":"object"},"response_body":{}}})";
const char* const kMockEditSchema =
    R"({"type":"object","properties":{"method":{"type":"string"},"uri":{"type":"string"},"status":{"type":"integer"},"request_headers":{"type":"object"},"request_body":{},"response_headers":{"type":"object"},"response_body":{}}})";
const char* const kApiKeySchema =
    R"({"type":"object","required":["name"],"properties":{"name":{"type":"string"},"role":{"type":"string","enum":["admin","editor","viewer"]}}})";

bool RoleAllows(const std::string& role, Access access) {
  switch (access) {
    case Access::kPublic:
    case Access::kViewer: return role == "viewer" || role == "editor" || role == "admin";
    case Access::kEditor: return role == "editor" || role == "admin";
    case Access::kAdmin: return role == "admin";
  }
  return false;
}

bool ValidServiceId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// Applies the API's body conventions to a record: a JSON value is embedded, a string is
// text, unless the caller declared the encoding.
void NormaliseBodies(json::object& o) {
  for (std::string_view f : {"request_body", "response_body"}) {
    std::string enc = std::string(f) + "_encoding";
    if (o.contains(f) && !o.contains(enc)) o[enc] = o.at(f).is_string() ? "text" : "json";
  }
  // A JSON response body given without a Content-Type is served as application/json.
  const json::value* body = o.if_contains("response_body");
  if (body == nullptr || !(body->is_object() || body->is_array())) return;
  json::value& headers = o["response_headers"];
  if (headers.is_null()) headers = json::object{};
  if (!headers.is_object()) return;  // the decoder reports the bad type
  for (const auto& [name, value] : headers.as_object()) {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type") return;
  }
  headers.as_object()["Content-Type"] = "application/json";
}

}  // namespace

ControlApi::ControlApi(ControlApiOptions options, store::Store& store, const ProxyLink& link,
                       TransitionRunner& transitions, TransitionRunner::ScrubberFor scrubber)
    : options_(std::move(options)),
      store_(store),
      link_(link),
      transitions_(transitions),
      scrubber_(std::move(scrubber)) {
  Register();
}

namespace {

Operation Op(std::string method, std::string pattern, std::string summary, Access access,
             int success_status = 200) {
  Operation op;
  op.method = std::move(method);
  op.pattern = std::move(pattern);
  op.summary = std::move(summary);
  op.access = access;
  op.success_status = success_status;
  return op;
}

Operation WithBody(Operation op, const char* schema) {
  op.request_schema = Schema(schema);
  return op;
}

Operation Paginated(Operation op, std::vector<std::string> query_params = {}) {
  op.paginated = true;
  op.query_params = std::move(query_params);
  return op;
}

}  // namespace

void ControlApi::Register() {
  auto bind = [this](ApiResponse (ControlApi::*fn)(ApiRequest&)) {
    return [this, fn](ApiRequest& r) { return (this->*fn)(r); };
  };
  const Access viewer = Access::kViewer;
  const Access editor = Access::kEditor;
  const Access admin = Access::kAdmin;
  router_.Add(Op("GET", "/healthz", "Liveness and store reachability", Access::kPublic),
              bind(&ControlApi::Health));
  router_.Add(Op("GET", "/v1/openapi.json", "This document", Access::kPublic), [this](ApiRequest&) {
    return JsonResponse(200, router_.OpenApi("Gostly control plane", options_.version));
  });
  router_.Add(Op("GET", "/v1/mode", "The proxy's current mode", viewer), bind(&ControlApi::GetMode));
  router_.Add(WithBody(Op("POST", "/v1/mode", "Set the proxy's mode (persisted, audited)", editor),
                       kModeSchema),
              bind(&ControlApi::SetMode));
  router_.Add(Paginated(Op("GET", "/v1/services", "List services", viewer)),
              bind(&ControlApi::ListServices));
  router_.Add(WithBody(Op("POST", "/v1/services",
                          "Create or replace a service; pushed to the proxy", editor, 201),
                       kServiceSchema),
              [this](ApiRequest& r) { return PutService(r, true); });
  router_.Add(Op("GET", "/v1/services/{id}", "Get a service", viewer), bind(&ControlApi::GetService));
  router_.Add(WithBody(Op("PUT", "/v1/services/{id}", "Replace a service; pushed to the proxy",
                          editor),
                       kServiceSchema),
              [this](ApiRequest& r) { return PutService(r, false); });
  router_.Add(Op("DELETE", "/v1/services/{id}", "Delete a service; pushed to the proxy", editor),
              bind(&ControlApi::DeleteService));
  router_.Add(Op("GET", "/v1/services/{id}/chaos", "A service's chaos rules", viewer),
              bind(&ControlApi::GetServiceChaos));
  router_.Add(
      WithBody(Op("PUT", "/v1/services/{id}/chaos",
                  "Replace a service's chaos rules (stored, audited, pushed to the proxy)", editor),
               kChaosSchema),
      [this](ApiRequest& r) { return SetServiceChaos(r, false); });
  router_.Add(Op("DELETE", "/v1/services/{id}/chaos",
                 "Remove a service's chaos rules; pushed to the proxy", editor),
              [this](ApiRequest& r) { return SetServiceChaos(r, true); });
  router_.Add(
      Op("GET", "/v1/services/{id}/statecharts",
         "A service's statechart overrides (the bundled machines apply to the rest)", viewer),
      bind(&ControlApi::GetServiceStatecharts));
  router_.Add(WithBody(Op("PUT", "/v1/services/{id}/statecharts",
                          "Replace a service's statechart overrides (stored, audited, pushed to "
                          "the proxy)",
                          editor),
                       kStatechartsSchema),
              [this](ApiRequest& r) { return SetServiceStatecharts(r, false); });
  router_.Add(Op("DELETE", "/v1/services/{id}/statecharts",
                 "Remove a service's statechart overrides; pushed to the proxy", editor),
              [this](ApiRequest& r) { return SetServiceStatecharts(r, true); });
  router_.Add(Paginated(Op("GET", "/v1/mocks", "List library entries", viewer),
                        {"service", "method", "uri", "status", "sealed"}),
              bind(&ControlApi::ListMocks));
  router_.Add(WithBody(Op("POST", "/v1/mocks",
                          "Add a library entry (scrubbed, sealed, served by the proxy)", editor,
                          201),
                       kMockSchema),
              bind(&ControlApi::CreateMock));
  router_.Add(Op("GET", "/v1/mocks/{id}", "Get a library entry", viewer), bind(&ControlApi::GetMock));
  router_.Add(WithBody(Op("PUT", "/v1/mocks/{id}", "Edit a library entry; the proxy serves the edit",
                          editor),
                       kMockEditSchema),
              bind(&ControlApi::EditMock));
  router_.Add(Op("DELETE", "/v1/mocks/{id}", "Delete a library entry; the proxy stops serving it",
                 editor),
              bind(&ControlApi::DeleteMock));
  router_.Add(Paginated(Op("GET", "/v1/traffic", "Recorded traffic (scrubbed on the way out)",
                           viewer),
                        {"service"}),
              bind(&ControlApi::ListTraffic));
  router_.Add(Paginated(Op("GET", "/v1/unmatched", "Requests MOCK could not answer, with counts",
                           viewer)),
              bind(&ControlApi::ListUnmatched));
  router_.Add(Paginated(Op("GET", "/v1/audit", "The audit log, newest first", viewer)),
              bind(&ControlApi::ListAudit));
  router_.Add(Paginated(Op("GET", "/v1/api-keys", "List API keys (never the keys themselves)",
                           admin)),
              bind(&ControlApi::ListApiKeys));
  router_.Add(WithBody(Op("POST", "/v1/api-keys", "Issue an API key; the raw key is shown once",
                          admin, 201),
                       kApiKeySchema),
              bind(&ControlApi::CreateApiKey));
  router_.Add(Op("DELETE", "/v1/api-keys/{id}", "Revoke an API key", admin),
              bind(&ControlApi::RevokeApiKey));
  router_.Add(Op("POST", "/v1/transition/start", "Start a LEARN to MOCK transition", editor, 202),
              bind(&ControlApi::StartTransition));
  router_.Add(Op("GET", "/v1/transition/{id}/status", "A transition's state and progress", viewer),
              bind(&ControlApi::TransitionStatus));
  router_.Add(Paginated(Op("GET", "/v1/transition/jobs", "Transitions, newest first", viewer)),
              bind(&ControlApi::ListJobs));
  router_.Add(Paginated(Op("GET", "/v1/export", "Sealed library entries only, for export", viewer),
                        {"service"}),
              bind(&ControlApi::Export));
  for (seed::Format format : seed::ImportableFormats()) {
    const std::string name(seed::ToString(format));
    Operation op = Op("POST", "/v1/seed/" + name,
                      "Seed the library from a " + name +
                          " file sent as the body (scrubbed, sealed, served by the proxy)",
                      editor, 201);
    op.query_params = {"service", "dry_run", "async"};
    router_.Add(std::move(op), [this, name](ApiRequest& r) { return Seed(r, name); });
  }
  router_.Add(Op("GET", "/v1/seed/jobs/{id}",
                 "An asynchronous seeding's phase, progress and, when finished, its report",
                 viewer),
              bind(&ControlApi::SeedJobStatus));
}

void ControlApi::Authenticate(ApiRequest& request, Access access) const {
  request.tenant = store::kDefaultTenant;
  if (access == Access::kPublic) {
    request.actor = "anonymous";
    return;
  }
  const std::string key = request.Header("x-api-key");
  if (key.empty()) {
    if (!options_.bootstrap_api_key.empty()) {
      throw ApiError(401, "unauthorized", "Send an API key in X-API-Key.");
    }
    request.actor = "anonymous";
    request.role = "admin";
    return;
  }
  const std::string& boot = options_.bootstrap_api_key;
  // Constant-time: compare digests of equal length, so neither content nor length leaks.
  if (!boot.empty()) {
    const std::string a = Sha256Hex(key);
    const std::string b = Sha256Hex(boot);
    if (CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0) {
      request.actor = "bootstrap-key";
      request.role = "admin";
      return;
    }
  }
  auto found = store_.FindApiKey(Sha256Hex(key));
  if (!found) {
    if (found.error_code() == common::ErrorCode::kUnavailable) ThrowStoreError(found.error_value());
    throw ApiError(401, "unauthorized", "The API key in X-API-Key is not valid.");
  }
  const auto& [tenant, record] = found.value();
  if (record.revoked_at_ms) throw ApiError(401, "unauthorized", "This API key was revoked.");
  request.tenant = tenant;
  request.actor = record.id;
  request.role = record.role;
  if (!RoleAllows(request.role, access)) {
    throw ApiError(403, "forbidden",
                   fmt::format("This API key's role ({}) may not do this.", request.role));
  }
}

ApiResponse ControlApi::Handle(ApiRequest& request) {
  auto match = router_.Find(request);
  if (match.operation == nullptr) {
    if (match.path_known) {
      throw ApiError(405, "method_not_allowed",
                     fmt::format("{} is not allowed on {}.", request.method, request.path));
    }
    throw ApiError(404, "not_found", fmt::format("No endpoint {} {}; see /v1/openapi.json.",
                                                 request.method, request.path));
  }
  Authenticate(request, match.operation->access);

  const std::string idem_key = request.Header("idempotency-key");
  if (request.method != "POST" || idem_key.empty()) return (*match.handler)(request);

  if (idem_key.size() > 255) {
    throw ApiError(422, "invalid_header", "Idempotency-Key must be at most 255 characters.");
  }
  const std::string fingerprint =
      Sha256Hex(request.method + '\n' + request.path + '\n' + request.body);
  auto stored = Unwrap(store_.GetIdempotent(request.tenant, idem_key));
  if (stored) {
    if (stored->request_sha256 != fingerprint) {
      throw ApiError(422, "idempotency_key_reused",
                     "This Idempotency-Key was used for a different request.");
    }
    ApiResponse replay;
    replay.status = stored->status;
    replay.body = stored->body;
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }
  ApiResponse response;
  try {
    response = (*match.handler)(request);
  } catch (const ApiError& e) {
    response = ErrorResponse(e.status(), e.error_code(), e.what());
  }
  if (response.status < 500) {
    store::IdempotentResponse record;
    record.key = idem_key;
    record.request_sha256 = fingerprint;
    record.status = response.status;
    record.body = response.body;
    // A concurrent duplicate may have stored it first; either answer is the same request's.
    (void)store_.PutIdempotent(request.tenant, record);
  }
  return response;
}

void ControlApi::Audit(const ApiRequest& request, std::string action, std::string target,
                       std::string detail_json) {
  store::AuditEvent event;
  event.actor = request.actor;
  event.action = std::move(action);
  event.target = std::move(target);
  event.detail_json = std::move(detail_json);
  auto appended = store_.AppendAudit(request.tenant, event);
  if (!appended) spdlog::error("audit: could not record {}: {}", event.action, appended.error());
}

// ---- health and mode ---------------------------------------------------------------------

ApiResponse ControlApi::Health(ApiRequest&) {
  auto ping = store_.Ping();
  auto mode = link_.GetMode();
  json::object body{{"store", store_.Backend()}, {"store_ok", ping.ok()},
                    {"proxy_ok", mode.ok()}};
  body["proxy_mode"] = mode ? json::value(*mode) : json::value(nullptr);
  if (!ping) {
    body["status"] = "degraded";
    body["detail"] = "The database is unavailable: " + ping.error();
    body["error_code"] = "store_unavailable";
    return JsonResponse(503, body);
  }
  body["status"] = "ok";
  return JsonResponse(200, body);
}

ApiResponse ControlApi::GetMode(ApiRequest&) {
  auto mode = link_.GetMode();
  if (!mode) throw ApiError(503, "proxy_unavailable", mode.error());
  return JsonResponse(200, json::object{{"mode", *mode}});
}

ApiResponse ControlApi::SetMode(ApiRequest& request) {
  json::object body = ParseObject(request);
  std::string mode = Upper(StringField(body, "mode", true));
  if (mode != "LEARN" && mode != "MOCK" && mode != "PASSTHROUGH") {
    FieldError("mode", "must be one of learn, mock, passthrough");
  }
  auto previous = link_.SetMode(mode);
  if (!previous) throw ApiError(503, "proxy_unavailable", previous.error());
  Audit(request, "mode.set", mode, json::serialize(json::object{{"previous", *previous}}));
  return JsonResponse(200, json::object{{"mode", mode}, {"previous", *previous}});
}

// ---- services ----------------------------------------------------------------------------

ApiResponse ControlApi::ListServices(ApiRequest& request) {
  auto page = Unwrap(store_.ListServices(request.tenant, PageOf(request)));
  return JsonResponse(200, PageJson(page, ServiceJson));
}

ApiResponse ControlApi::GetService(ApiRequest& request) {
  return JsonResponse(200, ServiceJson(Unwrap(store_.GetService(request.tenant,
                                                                 request.params["id"]))));
}

ApiResponse ControlApi::PutService(ApiRequest& request, bool create) {
  json::object body = ParseObject(request);
  store::ServiceRecord s;
  s.id = create ? StringField(body, "id", true) : request.params["id"];
  if (!create && body.contains("id") && StringField(body, "id", false) != s.id) {
    FieldError("id", "must match the id in the path");
  }
  if (!ValidServiceId(s.id)) FieldError("id", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
  s.host = StringField(body, "host", false);
  s.path_prefix = StringField(body, "path_prefix", false);
  if (s.host.empty() && s.path_prefix.empty()) {
    FieldError("host", "or 'path_prefix' is required (the routing rule)");
  }
  if (!s.path_prefix.empty() && s.path_prefix.front() != '/') {
    FieldError("path_prefix", "must start with '/'");
  }
  s.upstream = StringField(body, "upstream", false);
  if (!s.upstream.empty() && s.upstream.rfind("http://", 0) != 0 &&
      s.upstream.rfind("https://", 0) != 0) {
    FieldError("upstream", "must be an http:// or https:// URL");
  }
  s.mode = Upper(StringField(body, "mode", false));
  if (!s.mode.empty() && s.mode != "LEARN" && s.mode != "MOCK" && s.mode != "PASSTHROUGH") {
    FieldError("mode", "must be one of LEARN, MOCK, PASSTHROUGH or null");
  }
  s.repeat_policy = StringField(body, "repeat_policy", false, "sequence");
  if (s.repeat_policy != "sequence" && s.repeat_policy != "cycle" && s.repeat_policy != "first" &&
      s.repeat_policy != "last") {
    FieldError("repeat_policy", "must be one of sequence, cycle, first, last");
  }
  if (const json::value* h = body.if_contains("redact_headers"); h && !h->is_null()) {
    if (!h->is_array()) FieldError("redact_headers", "must be an array of header names");
    for (const auto& name : h->as_array()) {
      if (!name.is_string() || name.as_string().empty()) {
        FieldError("redact_headers", "must be an array of header names");
      }
      s.redact_headers.emplace_back(name.as_string());
    }
  }
  // chaos and statecharts have their own sub-resources: left out, they stay as stored (an
  // edit of the upstream does not drop them); null clears them.
  const json::value* chaos = body.if_contains("chaos");
  const json::value* charts = body.if_contains("statecharts");
  if (chaos != nullptr && !chaos->is_null()) s.chaos = ChaosText(*chaos, s.id);
  if (charts != nullptr && !charts->is_null()) s.statecharts = StatechartsText(*charts);
  if (chaos == nullptr || charts == nullptr) {
    auto existing = store_.GetService(request.tenant, s.id);
    if (existing) {
      if (chaos == nullptr) s.chaos = existing->chaos;
      if (charts == nullptr) s.statecharts = existing->statecharts;
    } else if (existing.error_code() != common::ErrorCode::kNotFound) {
      ThrowStoreError(existing.error_value());
    }
  }
  auto saved = Unwrap(store_.UpsertService(request.tenant, s));
  Audit(request, "service.upsert", s.id, json::serialize(ServiceJson(saved)));
  json::object out = ServiceJson(saved);
  AddPushResult(out, PushRoutes(request.tenant));
  return JsonResponse(create ? 201 : 200, out);
}

ApiResponse ControlApi::DeleteService(ApiRequest& request) {
  const std::string id = request.params["id"];
  auto deleted = store_.DeleteService(request.tenant, id);
  if (!deleted) ThrowStoreError(deleted.error_value());
  Audit(request, "service.delete", id);
  json::object out{{"deleted", id}};
  AddPushResult(out, PushRoutes(request.tenant));
  return JsonResponse(200, out);
}

store::ServiceRecord ControlApi::ServiceForBehaviour(ApiRequest& request) {
  const std::string& id = request.params["id"];
  auto s = store_.GetService(request.tenant, id);
  // The proxy's default route is a service too, without a rule to store: its chaos and
  // statecharts are kept in a rule-less record and pushed through /ghost/chaos and
  // /ghost/statecharts (see PushRoutes).
  if (!s && s.error_code() == common::ErrorCode::kNotFound && id == kDefaultService) {
    store::ServiceRecord def;
    def.id = kDefaultService;
    return def;
  }
  return Unwrap(std::move(s));
}

ApiResponse ControlApi::GetServiceChaos(ApiRequest& request) {
  return JsonResponse(200, ServiceChaosJson(ServiceForBehaviour(request)));
}

ApiResponse ControlApi::SetServiceChaos(ApiRequest& request, bool clear) {
  store::ServiceRecord s = ServiceForBehaviour(request);
  s.chaos = clear ? std::string() : ChaosText(json::value(ParseObject(request)), s.id);
  auto saved = Unwrap(store_.UpsertService(request.tenant, s));
  json::object out = ServiceChaosJson(saved);
  Audit(request, saved.chaos.empty() ? "service.chaos.clear" : "service.chaos.set", saved.id,
        json::serialize(out));
  AddPushResult(out, PushRoutes(request.tenant));
  return JsonResponse(200, out);
}

ApiResponse ControlApi::GetServiceStatecharts(ApiRequest& request) {
  return JsonResponse(200, ServiceStatechartsJson(ServiceForBehaviour(request)));
}

ApiResponse ControlApi::SetServiceStatecharts(ApiRequest& request, bool clear) {
  store::ServiceRecord s = ServiceForBehaviour(request);
  if (clear) {
    s.statecharts.clear();
  } else {
    json::object body = ParseObject(request);
    if (body.contains("service") && StringField(body, "service", false) != s.id) {
      FieldError("service", "must be absent or match the id in the path");
    }
    const json::value* charts = body.if_contains("statecharts");
    if (charts == nullptr) {
      FieldError("statecharts", "is required: an array of statecharts ([] for none)");
    }
    s.statecharts = StatechartsText(*charts);
  }
  auto saved = Unwrap(store_.UpsertService(request.tenant, s));
  json::object out = ServiceStatechartsJson(saved);
  Audit(request,
        saved.statecharts.empty() ? "service.statecharts.clear" : "service.statecharts.set",
        saved.id, json::serialize(out));
  AddPushResult(out, PushRoutes(request.tenant));
  return JsonResponse(200, out);
}

common::Status ControlApi::PushRoutes(const std::string& tenant) {
  json::array routes;
  std::optional<store::ServiceRecord> default_service;  // rule-less: chaos and statecharts only
  store::PageRequest page;
  page.limit = 1000;
  for (;;) {
    auto services = store_.ListServices(tenant, page);
    if (!services) return services.error_value();
    for (const auto& s : services->items) {
      if (s.host.empty() && s.path_prefix.empty()) {
        if (s.id == kDefaultService) default_service = s;
        continue;  // no rule: not a route entry
      }
      json::object r{{"service", s.id}, {"repeat_policy", s.repeat_policy}};
      if (!s.host.empty()) r["host"] = s.host;
      if (!s.path_prefix.empty()) r["path_prefix"] = s.path_prefix;
      if (!s.upstream.empty()) r["upstream"] = s.upstream;
      if (!s.mode.empty()) r["mode"] = s.mode;
      json::array headers;
      for (const auto& h : s.redact_headers) headers.emplace_back(h);
      r["redact_headers"] = std::move(headers);
      // Always sent, empty when none: the store is what the proxy enforces for the services it
      // lists, so a cleared config (or one cleared while the proxy was down) is dropped there.
      json::value chaos = StoredJson(s.chaos);
      json::value charts = StoredJson(s.statecharts);
      if (chaos.is_null() != s.chaos.empty() || charts.is_null() != s.statecharts.empty()) {
        return common::MakeError("service '" + s.id +
                                 "': its stored chaos or statecharts are not valid JSON; set "
                                 "them again through /v1/services/" +
                                 s.id + "/…");
      }
      r["chaos"] = chaos.is_null() ? json::value(json::object{{"rules", json::array{}}}) : chaos;
      r["statecharts"] = charts.is_null() ? json::value(json::array{}) : charts;
      routes.push_back(std::move(r));
    }
    if (services->next_cursor.empty()) break;
    page.cursor = services->next_cursor;
  }
  if (auto pushed = link_.PushRoutes(json::object{{"routes", std::move(routes)}}); !pushed) {
    return pushed;
  }
  if (!default_service) return common::OkStatus();
  // The default route's settings, cleared ones included, so the proxy enforces what is stored.
  json::object chaos = ServiceChaosJson(*default_service);
  if (auto pushed = link_.PutChaos(chaos); !pushed) return pushed;
  json::object charts = ServiceStatechartsJson(*default_service);
  return link_.PutStatecharts(charts);
}

// ---- mocks -------------------------------------------------------------------------------

ApiResponse ControlApi::ListMocks(ApiRequest& request) {
  store::LibraryFilter filter;
  filter.service = request.Query("service");
  filter.method = Upper(request.Query("method"));
  filter.uri_contains = request.Query("uri");
  std::string status = request.Query("status");
  if (!status.empty()) {
    filter.status = std::atoi(status.c_str());
    if (filter.status < 100 || filter.status > 999) {
      throw ApiError(422, "invalid_parameter", "Query parameter 'status' must be 100-999.");
    }
  }
  filter.sealed_only = request.Query("sealed") == "true";
  auto page = Unwrap(store_.ListEntries(request.tenant, filter, PageOf(request)));
  return JsonResponse(200, PageJson(page, MockJson));
}

ApiResponse ControlApi::GetMock(ApiRequest& request) {
  return JsonResponse(200, MockJson(Unwrap(store_.GetEntry(request.tenant, MockId(request)))));
}

namespace {

// Validates a record and turns it into a scrubbed, sealed library entry.
store::LibraryEntry EntryFromRecord(json::object record, const scrub::Scrubber& scrubber,
                                    std::string source) {
  if (!record.contains("timestamp")) record["timestamp"] = FormatMs(NowMs());
  if (!record.contains("recording_session_id")) {
    record["recording_session_id"] = "manual-" + FormatMs(NowMs());
  }
  NormaliseBodies(record);
  auto ex = library::DecodeExchangeLine(json::serialize(record));
  if (!ex) throw ApiError(422, "invalid_mock", "The mock is not valid: " + ex.error() + ".");
  if (ex->deleted) FieldError("deleted", "cannot be set through this endpoint");
  scrubber.ScrubExchange(*ex);
  return SealedEntry(*ex, 0, std::move(source));
}

}  // namespace

ApiResponse ControlApi::CreateMock(ApiRequest& request) {
  json::object body = ParseObject(request);
  if (!body.contains("service")) body["service"] = "default";
  if (!ValidServiceId(StringField(body, "service", true))) {
    FieldError("service", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  store::LibraryEntry entry =
      EntryFromRecord(std::move(body), scrubber_(request.tenant), "api");
  auto stored = Unwrap(store_.UpsertEntries(request.tenant, {entry}));
  if (stored.empty()) throw ApiError(500, "internal_error", "The store returned no row.");
  Audit(request, "mock.create", std::to_string(stored[0].id));
  auto pushed = link_.AddMocks(json::array{RecordForProxy(stored[0])});
  json::object out = MockJson(stored[0]);
  out["pushed_to_proxy"] = pushed.ok();
  if (!pushed) out["push_error"] = pushed.error();
  return JsonResponse(201, out);
}

ApiResponse ControlApi::EditMock(ApiRequest& request) {
  const std::int64_t id = MockId(request);
  json::object edit = ParseObject(request);
  store::LibraryEntry current = Unwrap(store_.GetEntry(request.tenant, id));
  json::value record_value = json::parse(current.exchange_json);
  json::object& record = record_value.as_object();
  static const std::set<std::string> kEditable = {
      "method", "uri", "status", "request_headers", "request_body", "request_body_encoding",
      "response_headers", "response_body", "response_body_encoding", "latency_ms"};
  for (const auto& [key, value] : edit) {
    std::string k(key);
    if (!kEditable.count(k)) {
      FieldError(k, "cannot be edited (editable: method, uri, status, request_headers, "
                    "request_body, response_headers, response_body, latency_ms)");
    }
    record[k] = value;
    // A new body without a declared encoding follows the API convention.
    if (k == "request_body" && !edit.contains("request_body_encoding")) {
      record.erase("request_body_encoding");
    }
    if (k == "response_body" && !edit.contains("response_body_encoding")) {
      record.erase("response_body_encoding");
    }
  }
  record.erase("recording_session_id");
  library::Exchange before;
  {
    auto decoded = library::DecodeExchangeLine(current.exchange_json);
    if (decoded) before = std::move(decoded).value();
  }
  store::LibraryEntry entry =
      EntryFromRecord(std::move(record), scrubber_(request.tenant), current.source);
  entry.id = id;
  entry.seq = entry.match_key == current.match_key ? current.seq : 0;
  auto updated = Unwrap(store_.UpdateEntry(request.tenant, entry));
  Audit(request, "mock.edit", std::to_string(id));

  // The proxy serves the edit: a fresh record wins over LEARN's for its key; a changed key
  // also retires the old one.
  common::Status pushed = common::OkStatus();
  if (updated.match_key != current.match_key && !before.method.empty()) {
    pushed = link_.DeleteMocks(json::array{ExchangeRequestJson(before)});
  }
  if (pushed) pushed = link_.AddMocks(json::array{RecordForProxy(updated)});
  json::object out = MockJson(updated);
  out["pushed_to_proxy"] = pushed.ok();
  if (!pushed) out["push_error"] = pushed.error();
  return JsonResponse(200, out);
}

ApiResponse ControlApi::DeleteMock(ApiRequest& request) {
  const std::int64_t id = MockId(request);
  store::LibraryEntry current = Unwrap(store_.GetEntry(request.tenant, id));
  auto deleted = store_.DeleteEntry(request.tenant, id);
  if (!deleted) ThrowStoreError(deleted.error_value());
  Audit(request, "mock.delete", std::to_string(id));
  common::Status pushed = common::OkStatus();
  auto decoded = library::DecodeExchangeLine(current.exchange_json);
  if (decoded) pushed = link_.DeleteMocks(json::array{ExchangeRequestJson(*decoded)});
  json::object out{{"deleted", id}, {"pushed_to_proxy", pushed.ok()}};
  if (!pushed) out["push_error"] = pushed.error();
  return JsonResponse(200, out);
}

// ---- traffic, unmatched, audit -------------------------------------------------------------

ApiResponse ControlApi::ListTraffic(ApiRequest& request) {
  // Cursor: "<file name>:<byte offset>"; files in name order.
  const std::string service = request.Query("service");
  const store::PageRequest page = PageOf(request);
  std::string cursor_file;
  std::int64_t cursor_offset = 0;
  if (!page.cursor.empty()) {
    std::size_t colon = page.cursor.rfind(':');
    if (colon == std::string::npos) throw ApiError(422, "invalid_parameter", "Bad cursor.");
    cursor_file = page.cursor.substr(0, colon);
    cursor_offset = std::atoll(page.cursor.c_str() + colon + 1);
  }
  std::vector<fs::path> files;
  std::error_code ec;
  const fs::path dir = options_.data_dir / "traffic";
  if (fs::exists(dir, ec)) {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() != ".jsonl") continue;
      if (!service.empty() && it->path().stem() != service) continue;
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  const scrub::Scrubber& scrubber = scrubber_(request.tenant);
  json::array items;
  std::string next;
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    if (!cursor_file.empty() && name < cursor_file) continue;
    std::int64_t offset = name == cursor_file ? cursor_offset : 0;
    std::ifstream in(file, std::ios::binary);
    if (!in) continue;
    in.seekg(offset);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no '\n': a write in progress or a torn line
      std::int64_t line_start = offset;
      offset += static_cast<std::int64_t>(line.size()) + 1;
      if (static_cast<int>(items.size()) >= page.limit) {
        next = name + ":" + std::to_string(line_start);
        break;
      }
      auto ex = library::DecodeExchangeLine(line);
      if (!ex) continue;
      scrubber.ScrubExchange(*ex);
      std::string encoded = library::EncodeExchangeLine(*ex);
      items.push_back(json::parse(encoded));
    }
    if (!next.empty()) break;
  }
  json::object out{{"items", std::move(items)}};
  out["next_cursor"] = next.empty() ? json::value(nullptr) : json::value(next);
  return JsonResponse(200, out);
}

common::Status ControlApi::SyncUnmatched(const std::string& tenant) {
  auto items = link_.Unmatched(1000);
  if (!items) return items.error_value();
  std::vector<store::UnmatchedRequest> deltas;
  const std::int64_t now = NowMs();
  {
    std::lock_guard lock(unmatched_mu_);
    for (const auto& item : *items) {
      if (!item.is_object()) continue;
      const auto& o = item.as_object();
      auto str = [&](std::string_view k) {
        const json::value* v = o.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      const json::value* c = o.if_contains("count");
      std::int64_t count = c && c->is_number() ? c->to_number<std::int64_t>() : 0;
      std::string key = tenant + '\n' + str("service") + '\n' + str("method") + '\n' + str("uri");
      std::int64_t& seen = unmatched_seen_[key];
      // The proxy's counts restart with the proxy: a smaller count is all new.
      std::int64_t delta = count >= seen ? count - seen : count;
      seen = count;
      if (delta <= 0) continue;
      store::UnmatchedRequest u;
      u.service = str("service");
      u.method = str("method");
      u.uri = str("uri");
      u.count = delta;
      u.first_seen_ms = now;
      u.last_seen_ms = now;
      deltas.push_back(std::move(u));
    }
  }
  if (deltas.empty()) return common::OkStatus();
  return store_.RecordUnmatched(tenant, deltas);
}

ApiResponse ControlApi::ListUnmatched(ApiRequest& request) {
  auto synced = SyncUnmatched(request.tenant);
  if (!synced) spdlog::debug("unmatched: sync skipped: {}", synced.error());
  auto page = Unwrap(store_.ListUnmatched(request.tenant, PageOf(request)));
  return JsonResponse(200, PageJson(page, [](const store::UnmatchedRequest& u) {
                        return json::object{{"service", u.service},
                                            {"method", u.method},
                                            {"uri", u.uri},
                                            {"count", u.count},
                                            {"first_seen", TimeOrNull(u.first_seen_ms)},
                                            {"last_seen", TimeOrNull(u.last_seen_ms)}};
                      }));
}

ApiResponse ControlApi::ListAudit(ApiRequest& request) {
  auto page = Unwrap(store_.ListAudit(request.tenant, PageOf(request)));
  return JsonResponse(200, PageJson(page, AuditJson));
}

// ---- API keys ----------------------------------------------------------------------------

ApiResponse ControlApi::ListApiKeys(ApiRequest& request) {
  auto page = Unwrap(store_.ListApiKeys(request.tenant, PageOf(request)));
  return JsonResponse(200, PageJson(page, ApiKeyJson));
}

ApiResponse ControlApi::CreateApiKey(ApiRequest& request) {
  json::object body = ParseObject(request);
  store::ApiKeyRecord key;
  key.name = StringField(body, "name", true);
  if (key.name.empty() || key.name.size() > 128) FieldError("name", "must be 1-128 characters");
  key.role = StringField(body, "role", false, "editor");
  if (key.role != "admin" && key.role != "editor" && key.role != "viewer") {
    FieldError("role", "must be one of admin, editor, viewer");
  }
  const std::string raw = NewApiKeySecret();
  key.id = NewId("key_");
  key.prefix = raw.substr(0, 8);
  key.key_sha256 = Sha256Hex(raw);
  auto stored = Unwrap(store_.CreateApiKey(request.tenant, key));
  Audit(request, "api_key.create", stored.id,
        json::serialize(json::object{{"name", stored.name}, {"role", stored.role}}));
  json::object out = ApiKeyJson(stored);
  out["key"] = raw;
  out["note"] = "Store this key now: it is not shown again.";
  return JsonResponse(201, out);
}

ApiResponse ControlApi::RevokeApiKey(ApiRequest& request) {
  const std::string id = request.params["id"];
  auto revoked = store_.RevokeApiKey(request.tenant, id);
  if (!revoked) ThrowStoreError(revoked.error_value());
  Audit(request, "api_key.revoke", id);
  return JsonResponse(200, json::object{{"revoked", id}});
}

// ---- transitions and export --------------------------------------------------------------

ApiResponse ControlApi::StartTransition(ApiRequest& request) {
  auto job = transitions_.Start(request.tenant, request.actor);
  if (!job) {
    if (job.error_code() == common::ErrorCode::kUnavailable &&
        job.error().find("proxy") != std::string::npos) {
      throw ApiError(503, "proxy_unavailable", job.error());
    }
    ThrowStoreError(job.error_value());
  }
  json::object out = JobJson(*job);
  out["status_url"] = "/v1/transition/" + job->id + "/status";
  return JsonResponse(202, out);
}

ApiResponse ControlApi::TransitionStatus(ApiRequest& request) {
  store::TransitionJob job = Unwrap(store_.GetJob(request.tenant, request.params["id"]));
  // Stored as finished but still switching the proxy's mode: not final yet.
  if (job.state != "running" && job.state != "pending" && transitions_.ActiveJob() == job.id) {
    job.state = "running";
  }
  return JsonResponse(200, JobJson(job));
}

ApiResponse ControlApi::ListJobs(ApiRequest& request) {
  auto page = Unwrap(store_.ListJobs(request.tenant, PageOf(request)));
  return JsonResponse(200, PageJson(page, JobJson));
}

ApiResponse ControlApi::Export(ApiRequest& request) {
  store::LibraryFilter filter;
  filter.service = request.Query("service");
  filter.sealed_only = true;
  auto page = Unwrap(store_.ListEntries(request.tenant, filter, PageOf(request)));
  json::array items;
  for (const auto& e : page.items) {
    // Defence in depth: the filter already asked the database for sealed rows only.
    if (!e.scrubbed_at_ms) continue;
    items.push_back(MockJson(e));
  }
  json::object out{{"items", std::move(items)}};
  out["next_cursor"] = page.next_cursor.empty() ? json::value(nullptr)
                                                : json::value(page.next_cursor);
  Audit(request, "library.export", filter.service.empty() ? "*" : filter.service,
        json::serialize(json::object{{"rows", out["items"].as_array().size()}}));
  return JsonResponse(200, out);
}

// One asynchronous seeding: its phase and progress, then its report or its error.
struct ControlApi::SeedJob {
  std::string id;
  std::string tenant;
  std::string format;
  std::string service;
  std::int64_t created_at_ms = 0;

  mutable std::mutex mu;
  std::string state = "running";  // running | succeeded | failed
  std::string phase = "queued";   // importing | sealing | storing | pushing | done
  std::size_t done = 0;
  std::size_t total = 0;
  json::object report;
  json::object error;  // {detail, error_code} when failed

  void Phase(std::string name, std::size_t of) {
    std::lock_guard lock(mu);
    phase = std::move(name);
    done = 0;
    total = of;
  }
  void Advance(std::size_t n) {
    std::lock_guard lock(mu);
    done += n;
  }
  json::object ToJson() const {
    std::lock_guard lock(mu);
    json::object o{{"job_id", id},       {"state", state}, {"phase", phase},
                   {"done", done},       {"total", total}, {"format", format},
                   {"service", service}, {"created_at", TimeOrNull(created_at_ms)}};
    o["report"] = report.empty() ? json::value(nullptr) : json::value(report);
    o["error"] = error.empty() ? json::value(nullptr) : json::value(error);
    return o;
  }
};

ControlApi::~ControlApi() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(seed_jobs_mu_);
    threads.swap(seed_threads_);
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

ApiResponse ControlApi::Seed(ApiRequest& request, const std::string& format) {
  if (request.body.empty()) throw ApiError(422, "invalid_body", "Send the file as the body.");
  if (request.Query("async") != "true") {
    return JsonResponse(request.Query("dry_run") == "true" ? 200 : 201,
                        RunSeed(request, format, nullptr));
  }
  const std::string service = request.Query("service").empty() ? "default" : request.Query("service");
  if (!ValidServiceId(service)) {
    throw ApiError(422, "invalid_parameter",
                   "Query parameter 'service' must be 1-64 characters of A-Z a-z 0-9 . _ -.");
  }
  auto job = std::make_shared<SeedJob>();
  job->id = NewId("seedjob-");
  job->tenant = request.tenant;
  job->format = format;
  job->service = service;
  job->created_at_ms = NowMs();
  {
    std::lock_guard lock(seed_jobs_mu_);
    std::size_t running = 0;
    for (const auto& [id, j] : seed_jobs_) {
      std::lock_guard job_lock(j->mu);
      if (j->state == "running") ++running;
    }
    constexpr std::size_t kMaxRunning = 2;
    if (running >= kMaxRunning) {
      throw ApiError(429, "too_many_seed_jobs",
                     "Two seed jobs are running already; retry when one has finished.");
    }
    // Keep the newest 100 finished jobs (ids sort by creation time).
    while (seed_jobs_.size() >= 100) {
      auto oldest = std::find_if(seed_jobs_.begin(), seed_jobs_.end(), [](const auto& kv) {
        std::lock_guard job_lock(kv.second->mu);
        return kv.second->state != "running";
      });
      if (oldest == seed_jobs_.end()) break;
      seed_jobs_.erase(oldest);
    }
    seed_jobs_[job->id] = job;
    // The body moves to the job (it may be large); the rest of the request is copied, as the
    // server still reads it (idempotency) after this returns.
    std::string body = std::move(request.body);
    ApiRequest copy = request;
    copy.body = std::move(body);
    seed_threads_.emplace_back([this, job, format, copy = std::move(copy)]() mutable {
      json::object report;
      json::object error;
      try {
        report = RunSeed(copy, format, job.get());
      } catch (const ApiError& e) {
        error = json::object{{"detail", e.what()}, {"error_code", e.error_code()}};
      } catch (const std::exception& e) {
        error = json::object{{"detail", e.what()}, {"error_code", "internal"}};
      }
      std::lock_guard finished(job->mu);
      job->state = error.empty() ? "succeeded" : "failed";
      job->phase = "done";
      job->report = std::move(report);
      job->error = std::move(error);
    });
  }
  json::object out = job->ToJson();
  ApiResponse response = JsonResponse(202, out);
  response.headers.emplace_back("Location", "/v1/seed/jobs/" + job->id);
  return response;
}

ApiResponse ControlApi::SeedJobStatus(ApiRequest& request) {
  std::shared_ptr<SeedJob> job;
  {
    std::lock_guard lock(seed_jobs_mu_);
    auto it = seed_jobs_.find(request.params["id"]);
    if (it != seed_jobs_.end() && it->second->tenant == request.tenant) job = it->second;
  }
  if (!job) throw ApiError(404, "not_found", "No seed job '" + request.params["id"] + "'.");
  return JsonResponse(200, job->ToJson());
}

json::object ControlApi::RunSeed(const ApiRequest& request, const std::string& format,
                                 SeedJob* job) {
  seed::ImportOptions options;
  options.service = request.Query("service").empty() ? "default" : request.Query("service");
  if (!ValidServiceId(options.service)) {
    throw ApiError(422, "invalid_parameter",
                   "Query parameter 'service' must be 1-64 characters of A-Z a-z 0-9 . _ -.");
  }
  const bool dry_run = request.Query("dry_run") == "true";
  options.recording_session_id = NewId("seed-");
  if (job != nullptr) job->Phase("importing", 0);
  const seed::Format detected = seed::DetectFormat(request.body);
  seed::ImportReport report;
  auto imported = seed::Import(seed::ParseFormat(format).value_or(seed::Format::kUnknown),
                               request.body, options, &report);
  if (!imported) {
    std::string detail = imported.error();
    if (detected != seed::Format::kUnknown && seed::ToString(detected) != format) {
      detail += " (the body looks like " + std::string(seed::ToString(detected)) +
                ": use /v1/seed/" + std::string(seed::ToString(detected)) + ")";
    }
    throw ApiError(422, "invalid_seed_file", detail);
  }
  std::vector<library::Exchange> exchanges = std::move(imported).value();

  // Same path as recorded traffic: scrub, key, seal. Repeats of a key keep their file order
  // as the replay sequence.
  const scrub::Scrubber& scrubber = scrubber_(request.tenant);
  std::map<std::string, int> next_seq;
  std::vector<store::LibraryEntry> entries;
  entries.reserve(exchanges.size());
  if (job != nullptr) job->Phase("sealing", exchanges.size());
  for (auto& ex : exchanges) {
    if (job != nullptr) job->Advance(1);
    scrubber.ScrubExchange(ex);
    const int seq = next_seq[ex.service + '\n' + MatchKey(ex)]++;
    entries.push_back(SealedEntry(ex, seq, "seed:" + format));
  }
  json::array skipped;
  for (const auto& s : report.skipped) {
    skipped.push_back(json::object{{"where", s.where}, {"reason", s.reason}});
  }
  json::array warnings;
  for (const auto& w : report.warnings) warnings.emplace_back(w);
  json::object out{{"format", report.format},
                   {"service", options.service},
                   {"dry_run", dry_run},
                   {"created", entries.size()},
                   {"skipped", std::move(skipped)},
                   {"warnings", std::move(warnings)}};
  if (dry_run) return out;

  constexpr std::size_t kChunk = 1000;
  if (job != nullptr) job->Phase("storing", entries.size());
  for (std::size_t at = 0; at < entries.size(); at += kChunk) {
    std::vector<store::LibraryEntry> chunk(
        entries.begin() + static_cast<std::ptrdiff_t>(at),
        entries.begin() + static_cast<std::ptrdiff_t>(std::min(entries.size(), at + kChunk)));
    Unwrap(store_.UpsertEntries(request.tenant, chunk));
    if (job != nullptr) job->Advance(chunk.size());
  }
  // The proxy serves the seeded (scrubbed) records from its local library. Its admin API
  // takes bodies up to MAX_BODY_BYTES, so records go in batches of bounded size.
  common::Status pushed = common::OkStatus();
  json::array batch;
  std::size_t batch_bytes = 0;
  if (job != nullptr) job->Phase("pushing", entries.size());
  auto flush = [&] {
    if (batch.empty() || !pushed) return;
    pushed = link_.AddMocks(batch);
    if (job != nullptr) job->Advance(batch.size());
    batch.clear();
    batch_bytes = 0;
  };
  for (const auto& e : entries) {
    if (batch_bytes + e.exchange_json.size() > 512 * 1024) flush();
    batch_bytes += e.exchange_json.size();
    batch.push_back(json::parse(e.exchange_json));
  }
  flush();
  out["pushed_to_proxy"] = pushed.ok();
  if (!pushed) out["push_error"] = pushed.error();
  Audit(request, "seed." + format, options.service,
        json::serialize(json::object{{"created", entries.size()},
                                     {"skipped", report.skipped.size()}}));
  return out;
}

}  // namespace gostly::control
