#include "proxy/request_handler.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <charconv>

#include "common/clock.hpp"
#include "library/exchange.hpp"
#include "library/wire.hpp"
#include "proxy/redactor.hpp"

namespace gostly::proxy {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace json = boost::json;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// The headers as views into the parsed message, the redaction floor applied: what capture
// writes, without copying a header. `out` is a per-thread buffer reused across requests.
void RedactedHeaderViews(const http::fields& fields, const std::vector<std::string>& extra,
                         std::vector<library::HeaderView>& out) {
  out.clear();
  for (const auto& f : fields) {
    const std::string_view name = f.name_string();
    out.push_back({name, IsRedactedHeader(name, extra) ? kRedacted : std::string_view(f.value())});
  }
}

void RedactedHeaderViews(const UpstreamResponse& response, const std::vector<std::string>& extra,
                         std::vector<library::HeaderView>& out) {
  out.clear();
  for (const auto& f : response.fields) {
    const std::string_view name = response.name(f);
    out.push_back({name, IsRedactedHeader(name, extra) ? kRedacted : response.value(f)});
  }
}

}  // namespace

std::string SerializeForwarded(const UpstreamResponse& response, bool head_request,
                               std::string_view extra) {
  using namespace std::string_view_literals;
  std::string out;
  const auto& body = response.body;
  out.reserve(256 + response.text.size() + 4 * response.fields.size() + body.size());
  const int status = response.status;
  char digits[24];
  out += "HTTP/1.1 "sv;
  // Three digits, as the upstream's were: an upstream "099" must not become "99".
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  std::string_view reason = response.reason();
  out += reason.empty() ? library::ReasonPhrase(status) : reason;
  out += "\r\n"sv;
  for (const auto& f : response.fields) {
    if (f.hop_by_hop) continue;
    out.append(response.name(f)).append(": "sv).append(response.value(f)).append("\r\n"sv);
  }
  out += extra;
  bool no_body = status < 200 || status == 204 || status == 304;
  if (head_request) {
    if (const std::string_view upstream_length = response.content_length();
        !upstream_length.empty()) {
      out.append("Content-Length: "sv).append(upstream_length).append("\r\n"sv);
    }
    out += "\r\n"sv;
    return out;
  }
  if (!no_body) {
    out += "Content-Length: "sv;
    out.append(digits, std::to_chars(digits, digits + sizeof digits, body.size()).ptr);
    out += "\r\n"sv;
  }
  out += "\r\n"sv;
  if (!no_body) out += body;
  return out;
}

std::string WithHeader(std::string_view wire, std::string_view header) {
  const std::size_t status_end = wire.find("\r\n");
  if (status_end == std::string_view::npos) return std::string(wire);
  std::string out;
  out.reserve(wire.size() + header.size());
  out.append(wire.substr(0, status_end + 2)).append(header).append(wire.substr(status_end + 2));
  return out;
}

RequestHandler::RequestHandler(ProxyState& state) : state_(state), admin_(state) {}

std::variant<Reply, RequestHandler::Pending> RequestHandler::Decide(
    const HttpRequest& request) {
  std::string_view target = request.target();
  if (AdminApi::IsAdminTarget(target)) {
    if (auto now = admin_.HandleNow(request)) return std::move(*now);
    return Pending{};
  }
  ViewRef view = state_.CurrentView();
  const ProxyView& v = **view;
  Resolved resolved = v.routes->Resolve(request[http::field::host], target);
  std::string rooted;
  std::string_view rel = resolved.target;
  if (resolved.needs_leading_slash) {
    rooted = "/";
    rooted += rel;
    rel = rooted;
  }
  const Route& route = *resolved.route;
  const Mode global = state_.mode().mode();
  const Mode mode = global == Mode::kTransitioning ? global : route.mode.value_or(global);
  // Chaos wraps MOCK and PASSTHROUGH (never LEARN: recordings stay true to the upstream).
  std::optional<state::ChaosDecision> chaos;
  if ((mode == Mode::kMock || mode == Mode::kPassthrough) && !state_.chaos().empty()) {
    chaos = state_.chaos().Decide(route.service, request.method_string(), rel);
    if (chaos) {
      if (auto instead = ChaosInstead(*chaos)) return std::move(*instead);
    }
  }
  switch (mode) {
    case Mode::kTransitioning:
      state_.metrics().CountRequest(MatchType::kTransitioning);
      return ErrorReply(503, "transitioning",
                        "The library is being rebuilt (LEARN -> MOCK transition); retry "
                        "shortly.",
                        "Retry-After: 5\r\nX-Ghost-Transitioning: true\r\n");
    case Mode::kMock: {
      // Looked up as LEARN recorded it: credential query values redacted.
      thread_local std::string redacted;
      Reply reply = Mock(request, view, route, RedactQueryCredentials(rel, redacted));
      if (chaos) ApplyChaos(reply, *chaos);
      return reply;
    }
    case Mode::kLearn:
    case Mode::kPassthrough:
      break;
  }
  return Pending{std::move(view), &route, std::string(rel), mode == Mode::kLearn, chaos};
}

// Forwarding is done here, in the one coroutine the session awaits; the work between the
// waits is in plain functions (RefuseForward, ForwardFailed, CaptureRecords,
// AnswerRecorded), which keeps the frame small.
asio::awaitable<Reply> RequestHandler::Complete(const HttpRequest& request,
                                                const Pending& pending) {
  Reply reply;
  if (pending.route == nullptr) {
    reply = co_await admin_.AddMocks(request);
    reply.route = RouteKind::kAdmin;
    co_return reply;
  }
  const Route& route = *pending.route;
  if (RefuseForward(route, pending.capture, reply)) {
    // answered without forwarding
  } else if (!pending.capture) {
    UpstreamResponse response;
    const ForwardResult result =
        co_await state_.forwarder().Forward(request, *route.upstream, pending.target, response);
    if (result.error != ForwardError::kNone) {
      reply = ForwardFailed(request, route, pending.target, false, result);
    } else {
      reply.status = response.status;
      reply.owned = SerializeForwarded(response, request.method() == http::verb::head, {});
      Recycle(std::move(response));
    }
  } else {
    reply = co_await Learn(request, route, pending.target);
  }
  if (pending.chaos) ApplyChaos(reply, *pending.chaos);
  co_return reply;
}

std::optional<Reply> RequestHandler::ChaosInstead(const state::ChaosDecision& decision) {
  auto& metrics = state_.metrics();
  const auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(decision.delay_ms));
  if (decision.fault != state::Fault::kNone && decision.fault != state::Fault::kDribble) {
    metrics.CountRequest(MatchType::kChaos);
    metrics.CountChaos(state::ToString(decision.fault));
    Reply r;
    r.status = 503;  // for the HTTP metrics only: nothing valid reaches the client
    r.fault = decision.fault;
    r.delay = delay;
    r.close = true;
    return r;
  }
  if (!decision.error) return std::nullopt;
  metrics.CountRequest(MatchType::kChaos);
  metrics.CountChaos("error");
  const auto& error = *decision.error;
  const std::string body =
      !error.body.empty()
          ? error.body
          : json::serialize(json::object{{"error", "chaos"},
                                         {"status", error.status},
                                         {"message", "Injected by the chaos rules of this service."}});
  Reply r = TextReply(error.status, "application/json", body, "X-Ghost-Chaos: true\r\n");
  r.delay = delay;
  return r;
}

void RequestHandler::ApplyChaos(Reply& reply, const state::ChaosDecision& decision) {
  if (decision.delay_ms <= 0 && decision.fault != state::Fault::kDribble) return;
  auto& metrics = state_.metrics();
  if (decision.delay_ms > 0) metrics.CountChaos("latency");
  if (decision.fault == state::Fault::kDribble) metrics.CountChaos("dribble");
  reply.delay += std::chrono::milliseconds(static_cast<std::int64_t>(decision.delay_ms));
  reply.fault = decision.fault;
  // The marker goes after the status line; the bytes are copied once to make room.
  const std::string_view bytes = reply.bytes();
  const std::size_t eol = bytes.find("\r\n");
  if (eol == std::string_view::npos) return;
  std::string marked;
  marked.reserve(bytes.size() + 22);
  marked.append(bytes.substr(0, eol + 2)).append("X-Ghost-Chaos: true\r\n").append(bytes.substr(eol + 2));
  reply.owned = std::move(marked);
  reply.view = {};
  reply.keep.reset();
}

Reply RequestHandler::Mock(const HttpRequest& request, const ViewRef& view, const Route& route,
                           std::string_view target) {
  const ProxyView& v = **view;
  std::string_view method = request.method_string();
  std::string_view body = request.body();
  auto& metrics = state_.metrics();
  // HEAD is answered from a recorded HEAD when there is one, else from the GET (the session
  // writes only the head).
  const library::MockResponse* head_hit = nullptr;
  if (request.method() == http::verb::head) {
    head_hit = v.snapshot->FindExact(route.service, method, target, body);
    if (head_hit == nullptr) method = "GET";
  }

  // Explicit sequences first: a deliberate instruction wins over anything recorded.
  if (auto answer = state_.sequences().Next(route.service, method, target)) {
    metrics.CountRequest(MatchType::kSequence);
    Reply r;
    r.status = answer->response.status;
    r.owned = library::SerializeResponse(
        answer->response.status, answer->response.headers, answer->response.body,
        fmt::format("X-Ghost-Sequence: {} {}/{}\r\n", answer->id, answer->index + 1,
                    answer->count));
    return r;
  }
  if (!state_.session_store().empty()) {
    if (auto hit = state_.session_store().Find(route.service, method, target, body,
                                               route.repeat_policy)) {
      metrics.CountRequest(MatchType::kSessionVerbatim);
      Reply r;
      r.view = *hit;
      r.keep = hit;
      r.status = ParseWireStatus(*hit);
      return r;
    }
  }
  // Stateful tier (DESIGN §12): mutations on known collections and resources this MOCK run
  // changed are answered before the exact tier; recorded resources after it.
  const bool stateful = state_.config().stateful_mocks;
  if (stateful) {
    if (auto r = state_.resources().Handle(route.service, method, target,
                                           request[http::field::content_type], body, true)) {
      // A deletion recorded for this very request answers as recorded (production's body);
      // the resource is gone either way.
      if (r->op == "delete") {
        if (const auto* recorded = v.snapshot->FindExact(route.service, method, target, body)) {
          metrics.CountRequest(MatchType::kExact);
          metrics.CountResource(r->op);
          Reply reply;
          reply.status = recorded->status;
          reply.view = recorded->wire;
          reply.keep = view;
          return reply;
        }
      }
      return ResourceAnswer(*r);
    }
  }
  const auto* hit = head_hit ? head_hit : v.snapshot->FindExact(route.service, method, target, body);
  if (hit != nullptr) {
    metrics.CountRequest(MatchType::kExact);
    Reply r;
    r.status = hit->status;
    r.view = hit->wire;
    r.keep = view;
    r.delay = LearnedDelay(v, route.service, method, target, hit->latency_ms);
    return r;
  }
  if (stateful && method == "GET") {
    if (auto r = state_.resources().Handle(route.service, method, target, {}, {}, false)) {
      return ResourceAnswer(*r);
    }
  }
  if (auto swap = v.snapshot->FindSwap(route.service, method, target)) {
    metrics.CountRequest(MatchType::kSmartSwap);
    Reply r;
    r.status = swap->status;
    r.owned = std::move(swap->wire);
    r.delay = LearnedDelay(v, route.service, method, target, -1);
    return r;
  }
  return Miss(v, route.service, method, target);
}

std::chrono::milliseconds RequestHandler::LearnedDelay(const ProxyView& view,
                                                      std::string_view service,
                                                      std::string_view method,
                                                      std::string_view target,
                                                      double recorded_ms) {
  const auto& config = state_.config();
  if (config.mock_latency == ProxyConfig::MockLatency::kOff) return std::chrono::milliseconds(0);
  double ms = 0;
  if (config.mock_latency == ProxyConfig::MockLatency::kRecorded) {
    ms = recorded_ms;
  } else if (auto fit = view.snapshot->FindLatencyFit(service, method, target)) {
    ms = state_.SampleLatency(fit->mu, fit->sigma);
  }
  const auto delay = std::chrono::milliseconds(
      static_cast<std::int64_t>(std::clamp(ms, 0.0, config.mock_latency_cap_ms)));
  if (delay.count() > 0) {
    state_.metrics().learned_latency_count->Inc();
    state_.metrics().learned_latency_ms->Inc(static_cast<std::uint64_t>(delay.count()));
  }
  return delay;
}

Reply RequestHandler::ResourceAnswer(const state::ResourceReply& answer) {
  state_.metrics().CountRequest(MatchType::kResourceStore);
  state_.metrics().CountResource(answer.op);
  std::string headers = "X-Ghost-Resource: true\r\n";
  if (!answer.transition.empty()) {
    headers += "X-Ghost-Transition: " + answer.transition + "\r\n";
  }
  return TextReply(answer.status, "application/json", answer.body, headers);
}

Reply RequestHandler::Miss(const ProxyView& view, std::string_view service,
                           std::string_view method, std::string_view target) {
  state_.metrics().CountRequest(MatchType::kMiss);
  if (state_.unmatched().Record(service, method, target)) {
    json::object rec;
    rec["timestamp"] = common::NowRfc3339();
    rec["service"] = service;
    rec["method"] = method;
    rec["uri"] = target;
    state_.capture().AppendDetached(
        {{state_.config().data_dir / "unmatched" / (SanitizeServiceId(service) + ".jsonl"),
          json::serialize(rec) + "\n"}});
  }
  const MissConfig& miss = *view.miss;
  constexpr std::string_view kMissHeader = "X-Ghost-Miss: true\r\n";
  if (!miss.body.empty()) {
    Reply r = TextReply(miss.status, "application/json", miss.body, kMissHeader);
    r.status = miss.status;
    return r;
  }
  // Built directly: a miss is on the hot path of suites that probe unrecorded routes.
  thread_local std::string body;
  body.clear();
  body += R"({"error":"no_mock","message":"No recorded response for )";
  common::AppendJsonEscaped(body, method);
  body += ' ';
  common::AppendJsonEscaped(body, target);
  body += " (service '";
  common::AppendJsonEscaped(body, service);
  body += "'). Record it in LEARN mode or add it with POST /ghost/mocks.\"";
  body += R"(,"service":)";
  common::AppendJsonString(body, service);
  body += R"(,"method":)";
  common::AppendJsonString(body, method);
  body += R"(,"uri":)";
  common::AppendJsonString(body, target);
  body += '}';
  Reply r = TextReply(miss.status, "application/json", body, kMissHeader);
  r.status = miss.status;
  return r;
}

bool RequestHandler::RefuseForward(const Route& route, bool capture, Reply& reply) {
  auto& metrics = state_.metrics();
  metrics.CountRequest(capture ? MatchType::kLearn : MatchType::kPassthrough);
  if (!route.upstream) {
    reply = ErrorReply(502, "no_upstream",
                       fmt::format("Service '{}' has no upstream. Start with BACKEND_URL=… or "
                                   "set one with POST /ghost/upstreams.",
                                   route.service));
    return true;
  }
  // Refuse before contacting the upstream, so an exchange we answer is never one we drop.
  if (capture && !state_.capture().TryReserve()) {
    metrics.capture_rejected->Inc();
    reply = ErrorReply(503, "capture_backlog",
                       "The capture writer is behind; the request was not forwarded.",
                       "Retry-After: 1\r\n");
    return true;
  }
  return false;
}

Reply RequestHandler::ForwardFailed(const HttpRequest& request, const Route& route,
                                    std::string_view target, bool capture,
                                    const ForwardResult& result) {
  if (capture) state_.capture().Release();
  std::string redacted_target;
  spdlog::warn("{} {}: {}", request.method_string(),
               RedactQueryCredentials(target, redacted_target), result.message);
  json::object o;
  o["error"] = result.error == ForwardError::kTimeout ? "upstream_timeout"
               : result.error == ForwardError::kBadResponse ? "upstream_bad_response"
                                                             : "upstream_unreachable";
  o["upstream"] = route.upstream->text;
  o["message"] = result.message;
  return JsonReply(result.error == ForwardError::kTimeout ? 504 : 502, o);
}

std::vector<CaptureRecord> RequestHandler::CaptureRecords(
    const HttpRequest& request, const Route& route, std::string_view recorded_target,
    const UpstreamResponse& response, std::chrono::system_clock::time_point started,
    double latency_ms) {
  // Encoded straight from the parsed messages: redaction happens here, before any I/O.
  thread_local std::vector<library::HeaderView> request_headers;
  thread_local std::vector<library::HeaderView> response_headers;
  RedactedHeaderViews(request, route.redact_headers, request_headers);
  RedactedHeaderViews(response, route.redact_headers, response_headers);
  const std::string timestamp = common::FormatRfc3339(started);
  const std::string session = state_.learn_session_id();
  const int status = response.status;
  library::ExchangeView ex;
  ex.timestamp = timestamp;
  ex.service = route.service;
  ex.method = request.method_string();
  ex.uri = recorded_target;
  ex.request_headers = request_headers;
  ex.request_body = request.body();
  ex.status = status;
  ex.response_headers = response_headers;
  ex.response_body = response.body;
  ex.latency_ms = latency_ms;
  ex.recording_session_id = session;

  std::vector<CaptureRecord> records;
  records.reserve(2);
  records.push_back({state_.TrafficFile(route.service), library::EncodeExchangeLine(ex),
                     state_.MockFile(route.service)});
  // A created or changed resource (DESIGN §12), recorded with the exchange.
  const auto verb = request.method();
  if (state_.config().stateful_mocks &&
      (verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch)) {
    if (auto resource = state_.resources().Observe(route.service, request.method_string(),
                                                   recorded_target, status, response.body)) {
      records.push_back({state_.ResourceFile(route.service), state::EncodeResourceLine(*resource)});
      state_.metrics().CountResource("recorded");
    }
  }
  return records;
}

std::string RequestHandler::AnswerRecorded(const HttpRequest& request, const Route& route,
                                           std::string_view recorded_target,
                                           const UpstreamResponse& response,
                                           bool capture_failed) {
  // Serialised once: the answer, and (with its header spliced in) the session copy.
  std::string wire = SerializeForwarded(response, false, {});
  // Un-redacted, RAM only: replays Set-Cookie/CSRF exchanges of this window verbatim.
  state_.session_store().Add(route.service, request.method_string(), recorded_target,
                             request.body(),
                             WithHeader(wire, "X-Ghost-Mock: session-verbatim\r\n"));
  if (capture_failed) {
    spdlog::error("capture of {} {} failed; the response is served but NOT recorded",
                  request.method_string(), recorded_target);
  }
  const bool head = request.method() == http::verb::head;
  if (!head && !capture_failed) return wire;
  return SerializeForwarded(response, head, capture_failed ? "X-Ghost-Capture: failed\r\n" : "");
}

// LEARN: forwarded, timed, and answered once the capture writer has written the exchange.
asio::awaitable<Reply> RequestHandler::Learn(const HttpRequest& request, const Route& route,
                                             std::string_view target) {
  UpstreamResponse response;
  const auto started = std::chrono::system_clock::now();
  const auto started_steady = std::chrono::steady_clock::now();
  const ForwardResult result =
      co_await state_.forwarder().Forward(request, *route.upstream, target, response);
  if (result.error != ForwardError::kNone) {
    co_return ForwardFailed(request, route, target, true, result);
  }
  const double latency_ms = std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - started_steady)
                                .count();
  Reply reply;
  reply.status = response.status;
  // What is recorded is the target with credential query values redacted; the upstream got
  // the real one.
  std::string redacted_target;
  const std::string_view recorded_target = RedactQueryCredentials(target, redacted_target);
  auto [ec] = co_await state_.capture().AsyncAppend(
      CaptureRecords(request, route, recorded_target, response, started, latency_ms), kNoThrow);
  reply.owned = AnswerRecorded(request, route, recorded_target, response, bool(ec));
  Recycle(std::move(response));
  co_return reply;
}

}  // namespace gostly::proxy
