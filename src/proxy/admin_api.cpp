#include "proxy/admin_api.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <spdlog/spdlog.h>

#include "common/clock.hpp"
#include "library/exchange.hpp"
#include "proxy/redactor.hpp"

namespace gostly::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view QueryOf(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::string QueryParam(std::string_view query, std::string_view key) {
  // Admin parameters are service ids and numbers ([A-Za-z0-9._-]), so a plain split is
  // exact; a percent-encoded key or value simply does not match.
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::size_t QueryNumber(std::string_view query, std::string_view key, std::size_t fallback,
                        std::size_t max) {
  std::string v = QueryParam(query, key);
  std::size_t n = fallback;
  if (!v.empty()) {
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size()) n = fallback;
  }
  return std::min(n, max);
}

common::Result<json::value> ParseBody(const HttpRequest& request) {
  json::error_code ec;
  json::value v = json::parse(request.body(), ec);
  if (ec) return common::MakeError("request body is not valid JSON: " + ec.message());
  return v;
}

json::object ExchangeToJson(const library::Exchange& ex) {
  json::error_code ec;
  json::value v = json::parse(library::EncodeExchangeLine(ex), ec);
  return ec ? json::object() : v.as_object();
}

}  // namespace

bool SecretEquals(std::string_view a, std::string_view b) {
  // Hash both so the comparison time does not depend on where or whether lengths differ.
  unsigned char ha[SHA256_DIGEST_LENGTH];
  unsigned char hb[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), ha);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), hb);
  return CRYPTO_memcmp(ha, hb, SHA256_DIGEST_LENGTH) == 0;
}

bool AdminApi::IsAdminTarget(std::string_view target) {
  std::string_view path = PathOf(target);
  return path == "/health" || path == "/readyz" || path == "/metrics" || path == "/ca.crt" ||
         path.substr(0, 7) == "/ghost/";
}

bool AdminApi::Authorized(const HttpRequest& request) const {
  const std::string& key = state_.config().api_key;
  if (key.empty()) return true;
  auto it = request.find("X-API-Key");
  if (it == request.end()) return false;
  return SecretEquals(it->value(), key);
}

std::optional<Reply> AdminApi::HandleNow(const HttpRequest& request) {
  std::string_view target = request.target();
  std::string_view path = PathOf(target);
  std::string_view query = QueryOf(target);
  const auto method = request.method();
  Reply reply;
  if (path == "/health") {
    reply = JsonReply(200, json::object{{"status", "ok"}});
    reply.route = RouteKind::kHealth;
    return reply;
  }
  if (path == "/readyz") {
    auto view = state_.CurrentView();
    json::object o{{"status", "ready"},
                   {"mode", ToString(state_.mode().mode())},
                   {"library_keys", (*view)->snapshot->key_count()}};
    reply = JsonReply(200, o);
    reply.route = RouteKind::kHealth;
    return reply;
  }
  if (path == "/metrics") {
    state_.metrics().capture_queue_depth->Set(static_cast<double>(state_.capture().depth()));
    reply = TextReply(200, "text/plain; version=0.0.4", state_.registry().Render());
    reply.route = RouteKind::kMetrics;
    return reply;
  }
  if (path == "/ca.crt") {
    reply = ErrorReply(404, "tls_interception_disabled",
                       "TLS interception is off; start with ENABLE_TLS_INTERCEPTION=true to "
                       "get a CA certificate.");
    reply.route = RouteKind::kAdmin;
    return reply;
  }
  if (!Authorized(request)) {
    reply = ErrorReply(401, "unauthorized", "Send the GHOST_API_KEY value in X-API-Key.");
  } else if (path == "/ghost/mode") {
    reply = Mode(request);
  } else if (path == "/ghost/config" && method == http::verb::post) {
    reply = Config(request);
  } else if (path == "/ghost/mocks" && method == http::verb::get) {
    reply = ListMocks(query);
  } else if (path == "/ghost/mocks" &&
             (method == http::verb::post || method == http::verb::delete_)) {
    return std::nullopt;
  } else if (path == "/ghost/admin/reload" && method == http::verb::post) {
    reply = Reload();
  } else if (path == "/ghost/unmatched" && method == http::verb::get) {
    reply = Unmatched(query);
  } else if (path == "/ghost/upstreams") {
    reply = Upstreams(request);
  } else if (path == "/ghost/chaos") {
    reply = Chaos(request, query);
  } else if (path == "/ghost/resources") {
    reply = Resources(request);
  } else if (path == "/ghost/statecharts") {
    reply = Statecharts(request, query);
  } else if (path == "/ghost/sequences" || path.starts_with("/ghost/sequences/")) {
    reply = Sequences(request, path.substr(std::string_view("/ghost/sequences").size()));
  } else {
    reply = ErrorReply(404, "not_found", fmt::format("No admin endpoint {} {}.",
                                                     request.method_string(), path));
  }
  reply.route = RouteKind::kAdmin;
  return reply;
}

Reply AdminApi::Mode(const HttpRequest& request) {
  if (request.method() == http::verb::get) {
    return JsonReply(200, json::object{{"mode", ToString(state_.mode().mode())}});
  }
  if (request.method() != http::verb::post) {
    return ErrorReply(405, "method_not_allowed", "Use GET or POST on /ghost/mode.");
  }
  auto body = ParseBody(request);
  if (!body) return ErrorReply(400, "invalid_json", body.error());
  const json::value* m = body->is_object() ? body->as_object().if_contains("mode") : nullptr;
  auto mode = (m && m->is_string()) ? ParseMode(m->as_string()) : std::nullopt;
  if (!mode) {
    return ErrorReply(422, "invalid_mode",
                      "Field 'mode' must be one of learn, mock, passthrough, transitioning.");
  }
  std::string error;
  auto previous = state_.mode().Set(*mode, &error);
  if (!error.empty()) {
    state_.metrics().io_errors_persist->Inc();
    return ErrorReply(500, "persist_failed", error);
  }
  return JsonReply(200, json::object{{"mode", ToString(*mode)}, {"previous", ToString(previous)}});
}

Reply AdminApi::Config(const HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body || !body->is_object()) {
    return ErrorReply(400, "invalid_json", body ? "expected a JSON object" : body.error());
  }
  const auto& o = body->as_object();
  MissConfig miss;
  if (const json::value* s = o.if_contains("unmatched_status")) {
    if (!s->is_int64() || s->as_int64() < 200 || s->as_int64() > 599) {
      return ErrorReply(422, "invalid_field", "unmatched_status must be an integer 200-599");
    }
    miss.status = static_cast<int>(s->as_int64());
  }
  if (const json::value* b = o.if_contains("unmatched_body"); b && !b->is_null()) {
    miss.body = json::serialize(*b);
  }
  state_.SetMissConfig(miss);
  json::object out{{"unmatched_status", miss.status}};
  out["unmatched_body"] = miss.body.empty() ? json::value(nullptr) : json::parse(miss.body);
  return JsonReply(200, out);
}

Reply AdminApi::ListMocks(std::string_view query) {
  auto view = state_.CurrentView();
  const auto& snapshot = *(*view)->snapshot;
  std::size_t offset = QueryNumber(query, "offset", 0, SIZE_MAX);
  std::size_t limit = QueryNumber(query, "limit", 100, 1000);
  std::string service = QueryParam(query, "service");
  json::array items;
  std::size_t total = 0;
  if (service.empty()) {
    total = snapshot.key_count();
    for (const auto& ex : snapshot.List(offset, limit)) items.push_back(ExchangeToJson(ex));
  } else {
    // Filtered listing walks the keys in pages so memory stays bounded.
    constexpr std::size_t kPage = 4096;
    for (std::size_t start = 0;; start += kPage) {
      auto page = snapshot.List(start, kPage);
      for (const auto& ex : page) {
        if (ex.service != service) continue;
        if (total >= offset && items.size() < limit) items.push_back(ExchangeToJson(ex));
        ++total;
      }
      if (page.size() < kPage) break;
    }
  }
  return JsonReply(200, json::object{{"total", total}, {"offset", offset}, {"items", items}});
}

asio::awaitable<Reply> AdminApi::AddMocks(const HttpRequest& request) {
  auto body = ParseBody(request);
  if (!body) co_return ErrorReply(400, "invalid_json", body.error());
  json::array items;
  if (body->is_array()) {
    items = body->as_array();
  } else if (body->is_object()) {
    items.push_back(*body);
  } else {
    co_return ErrorReply(422, "invalid_body", "Expected a mock object or an array of them.");
  }
  const bool removing = request.method() == http::verb::delete_;
  auto view = state_.CurrentView();
  const std::string session = "manual-" + common::NowRfc3339();
  std::vector<CaptureRecord> records;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_object()) {
      co_return ErrorReply(422, "invalid_body", fmt::format("item {} is not an object", i));
    }
    json::object o = items[i].as_object();
    if (!o.contains("service")) o["service"] = "default";
    if (!o.contains("timestamp")) o["timestamp"] = common::NowRfc3339();
    if (!o.contains("recording_session_id")) o["recording_session_id"] = session;
    // A deletion names only the request; the tombstone needs no response.
    if (removing) {
      o["deleted"] = true;
      o.erase("status");
    }
    // Bodies given as JSON values are embedded; strings are text unless declared.
    for (std::string_view f : {"request_body", "response_body"}) {
      std::string enc = std::string(f) + "_encoding";
      if (o.contains(f) && !o.contains(enc)) o[enc] = o.at(f).is_string() ? "text" : "json";
    }
    auto ex = library::DecodeExchangeLine(json::serialize(o));
    if (!ex) co_return ErrorReply(422, "invalid_mock", fmt::format("item {}: {}", i, ex.error()));
    if (removing) {
      ex->request_headers.clear();
      ex->response_headers.clear();
      ex->response_body.clear();
    }
    const Route* route = (*view)->routes->FindService(ex->service);
    static const std::vector<std::string> kNoExtra;
    RedactHeaders(ex->request_headers, route ? route->redact_headers : kNoExtra);
    RedactHeaders(ex->response_headers, route ? route->redact_headers : kNoExtra);
    records.push_back({state_.MockFile(ex->service), library::EncodeExchangeLine(*ex)});
  }
  if (!state_.capture().TryReserve()) {
    co_return ErrorReply(503, "capture_backlog", "The writer is behind; retry.",
                         "Retry-After: 1\r\n");
  }
  std::size_t count = records.size();
  auto [ec] = co_await state_.capture().AsyncAppend(std::move(records), kNoThrow);
  if (ec) co_return ErrorReply(500, "write_failed", "Could not append to the library; see logs.");
  state_.ReloadLibrary();
  if (removing) co_return JsonReply(200, json::object{{"deleted", count}});
  co_return JsonReply(201, json::object{{"added", count}});
}

Reply AdminApi::Reload() {
  auto report = state_.ReloadLibrary();
  auto view = state_.CurrentView();
  json::array warnings;
  for (std::size_t i = 0; i < report.warnings.size() && i < 100; ++i) {
    warnings.emplace_back(report.warnings[i]);
  }
  return JsonReply(200, json::object{{"keys", (*view)->snapshot->key_count()},
                                     {"exchanges", report.loaded},
                                     {"skipped", report.skipped},
                                     {"torn", report.torn},
                                     {"warnings", warnings}});
}

Reply AdminApi::Unmatched(std::string_view query) {
  std::size_t limit = QueryNumber(query, "limit", 100, 1000);
  json::array items;
  for (const auto& item : state_.unmatched().Top(limit)) {
    items.push_back(json::object{{"service", item.service},
                                 {"method", item.method},
                                 {"uri", item.target},
                                 {"count", item.count}});
  }
  return JsonReply(200, json::object{{"items", items},
                                     {"overflow", state_.unmatched().overflow()}});
}

Reply AdminApi::Upstreams(const HttpRequest& request) {
  if (request.method() == http::verb::get) {
    auto view = state_.CurrentView();
    return JsonReply(200, (*view)->routes->ToJson());
  }
  if (request.method() != http::verb::post) {
    return ErrorReply(405, "method_not_allowed", "Use GET or POST on /ghost/upstreams.");
  }
  auto body = ParseBody(request);
  if (!body) return ErrorReply(400, "invalid_json", body.error());
  auto routes = RouteTable::ParseRoutes(*body);
  if (!routes) return ErrorReply(422, "invalid_routes", routes.error());
  auto saved = state_.SetRoutes(std::move(routes).value(), true);
  if (!saved) return ErrorReply(500, "persist_failed", saved.error());
  auto view = state_.CurrentView();
  return JsonReply(200, (*view)->routes->ToJson());
}

// GET: how many resources are recorded and how many MOCK changed; DELETE: forget the
// changes (back to the recorded resources, ids reseeded).
Reply AdminApi::Resources(const HttpRequest& request) {
  auto& resources = state_.resources();
  if (request.method() == http::verb::delete_) {
    resources.Reset();
  } else if (request.method() != http::verb::get) {
    return ErrorReply(405, "method_not_allowed", "Use GET or DELETE on /ghost/resources.");
  }
  return JsonReply(200, json::object{{"enabled", state_.config().stateful_mocks},
                                     {"recorded", resources.recorded()},
                                     {"changed", resources.changed()}});
}

// GET ?service=S: the statecharts in force; PUT {"service", "statecharts": [...]}: replaces
// that service's overrides (a machine named like a bundled one replaces it).
Reply AdminApi::Statecharts(const HttpRequest& request, std::string_view query) {
  auto list = [&](const std::string& service) {
    json::array charts;
    for (const auto& chart : state_.resources().Statecharts(service)) {
      charts.push_back(chart.ToJson());
    }
    return JsonReply(200, json::object{{"service", service}, {"statecharts", std::move(charts)}});
  };
  if (request.method() == http::verb::get) {
    std::string service = QueryParam(query, "service");
    return list(service.empty() ? "default" : service);
  }
  if (request.method() != http::verb::put) {
    return ErrorReply(405, "method_not_allowed", "Use GET or PUT on /ghost/statecharts.");
  }
  auto body = ParseBody(request);
  if (!body || !body->is_object()) {
    return ErrorReply(400, "invalid_json", body ? "expected a JSON object" : body.error());
  }
  const auto& o = body->as_object();
  const auto* service = o.if_contains("service");
  const auto* charts = o.if_contains("statecharts");
  if (service == nullptr || !service->is_string() || service->as_string().empty() ||
      charts == nullptr || !charts->is_array()) {
    return ErrorReply(422, "invalid_field",
                      "Send {\"service\": \"…\", \"statecharts\": [{\"name\", \"initial\", "
                      "\"transitions\"}, …]}.");
  }
  std::map<std::string, state::Statechart> overrides;
  for (std::size_t i = 0; i < charts->as_array().size(); ++i) {
    auto chart = state::StatechartFromJson(charts->as_array()[i]);
    if (!chart) {
      return ErrorReply(422, "invalid_statechart",
                        fmt::format("statecharts[{}]: {}", i, chart.error()));
    }
    overrides[chart->name] = std::move(chart).value();
  }
  const std::string name(service->as_string());
  state_.resources().SetStatecharts(name, std::move(overrides));
  return list(name);
}

// /ghost/sequences: GET list, POST define (or replace the route's), DELETE all;
// /ghost/sequences/reset (POST) rewinds all; /ghost/sequences/{id}: GET, DELETE;
// /ghost/sequences/{id}/reset (POST) rewinds one.
Reply AdminApi::Sequences(const HttpRequest& request, std::string_view rest) {
  auto& sequences = state_.sequences();
  const auto method = request.method();
  auto list = [&] {
    json::array items;
    for (const auto& s : sequences.List()) items.push_back(state::SequenceToJson(s));
    return JsonReply(200, json::object{{"items", std::move(items)}});
  };
  auto persist_failed = [&](const std::string& why) {
    state_.metrics().io_errors_persist->Inc();
    return ErrorReply(500, "persist_failed", why);
  };
  if (rest.empty() || rest == "/") {
    if (method == http::verb::get) return list();
    if (method == http::verb::delete_) {
      auto removed = sequences.Remove("");
      if (!removed) return persist_failed(removed.error());
      return list();
    }
    if (method != http::verb::post) {
      return ErrorReply(405, "method_not_allowed", "Use GET, POST or DELETE on /ghost/sequences.");
    }
    auto body = ParseBody(request);
    if (!body) return ErrorReply(400, "invalid_json", body.error());
    auto sequence = state::SequenceFromJson(*body);
    if (!sequence) return ErrorReply(422, "invalid_sequence", sequence.error());
    auto stored = sequences.Put(std::move(sequence).value());
    if (!stored) return persist_failed(stored.error());
    return JsonReply(201, state::SequenceToJson(*stored));
  }
  if (rest == "/reset" && method == http::verb::post) {
    sequences.Reset("");
    return list();
  }
  std::string_view id = rest.substr(1);
  const bool reset = id.ends_with("/reset");
  if (reset) id.remove_suffix(std::string_view("/reset").size());
  const auto all = sequences.List();
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& s) { return s.id == id; });
  if (it == all.end() || id.find('/') != std::string_view::npos) {
    return ErrorReply(404, "not_found", fmt::format("No sequence '{}'.", id));
  }
  if (reset && method == http::verb::post) {
    sequences.Reset(id);
    auto rewound = *it;
    rewound.position = 0;
    return JsonReply(200, state::SequenceToJson(rewound));
  }
  if (!reset && method == http::verb::get) return JsonReply(200, state::SequenceToJson(*it));
  if (!reset && method == http::verb::delete_) {
    auto removed = sequences.Remove(id);
    if (!removed) return persist_failed(removed.error());
    return JsonReply(200, json::object{{"deleted", std::string(id)}});
  }
  return ErrorReply(405, "method_not_allowed",
                    "Use GET or DELETE on /ghost/sequences/{id}, POST on …/{id}/reset.");
}

// GET: every service's chaos rules; PUT {"service"?, "seed"?, "rules": [...]}: replaces that
// service's rules (an empty list removes them); DELETE ?service=S (all without it).
Reply AdminApi::Chaos(const HttpRequest& request, std::string_view query) {
  auto& chaos = state_.chaos();
  auto list = [&] {
    json::array items;
    for (const auto& c : chaos.List()) items.push_back(state::ChaosConfigToJson(c));
    return JsonReply(200, json::object{{"items", std::move(items)}});
  };
  switch (request.method()) {
    case http::verb::get:
      return list();
    case http::verb::delete_:
      chaos.Clear(QueryParam(query, "service"));
      return list();
    case http::verb::put: {
      auto body = ParseBody(request);
      if (!body) return ErrorReply(400, "invalid_json", body.error());
      auto config = state::ChaosConfigFromJson(*body);
      if (!config) return ErrorReply(422, "invalid_chaos", config.error());
      chaos.Put(std::move(config).value());
      return list();
    }
    default:
      return ErrorReply(405, "method_not_allowed", "Use GET, PUT or DELETE on /ghost/chaos.");
  }
}

}  // namespace gostly::proxy
