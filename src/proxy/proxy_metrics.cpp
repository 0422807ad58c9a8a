#include "proxy/proxy_metrics.hpp"

#include <string>

namespace gostly::proxy {

std::string_view ToString(MatchType type) {
  static constexpr std::string_view kNames[] = {
      "session_verbatim", "exact", "resource_store", "smart_swap", "generated_cached",
      "miss",             "learn", "passthrough",    "transitioning", "chaos",
      "sequence"};
  return kNames[static_cast<std::size_t>(type)];
}

namespace {
constexpr std::string_view kRouteNames[] = {"proxy", "admin", "health", "metrics"};
}

ProxyMetrics::ProxyMetrics(common::MetricsRegistry& reg) : registry(reg) {
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i] = reg.AddCounter("ghost_requests_total", "Requests by cascade outcome or mode",
                                 {{"match_type", std::string(ToString(MatchType(i)))}});
  }
  for (const char* op : {"read", "create", "update", "delete", "transition", "refused", "gone",
                         "recorded"}) {
    resource_ops.emplace_back(op, reg.AddCounter("gostly_resource_store_total",
                                                 "Resource store operations (DESIGN §12)",
                                                 {{"op", op}}));
  }
  for (const char* effect : {"latency", "error", "reset", "empty", "malformed", "dribble"}) {
    chaos_effects.emplace_back(effect, reg.AddCounter("gostly_chaos_total",
                                                      "Chaos injected, by effect",
                                                      {{"effect", effect}}));
  }
  learned_latency_count = reg.AddCounter("gostly_mock_latency_total",
                                         "MOCK answers delayed by learned latency");
  learned_latency_ms = reg.AddCounter("gostly_mock_latency_ms_total",
                                      "Milliseconds of learned latency added to MOCK answers");
  library_size = reg.AddGauge("ghost_mock_library_size", "Distinct keys in the served library");
  io_errors_capture = reg.AddCounter("ghost_io_errors_total", "I/O failures by operation",
                                     {{"operation", "capture_write"}});
  io_errors_load = reg.AddCounter("ghost_io_errors_total", "I/O failures by operation",
                                  {{"operation", "library_load"}});
  io_errors_persist = reg.AddCounter("ghost_io_errors_total", "I/O failures by operation",
                                     {{"operation", "config_persist"}});
  const std::vector<double> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                      5,      10};
  for (std::size_t r = 0; r < http_requests.size(); ++r) {
    for (std::size_t c = 0; c < 5; ++c) {
      http_requests[r][c] = reg.AddCounter(
          "gostly_http_requests_total", "HTTP requests served by route and status class",
          {{"route", std::string(kRouteNames[r])}, {"status", std::to_string(c + 1) + "xx"}});
    }
    http_latency[r] = reg.AddHistogram("gostly_http_request_duration_seconds",
                                       "Time from request parsed to response written",
                                       {{"route", std::string(kRouteNames[r])}}, bounds);
  }
  inference_queue_depth = reg.AddGauge("ghost_inference_queue_depth",
                                       "Gap-fill jobs waiting for the inference worker");
  inference_queue_dropped = reg.AddCounter("ghost_inference_queue_dropped_total",
                                           "Gap-fill jobs dropped because the queue was full");
  license_state_free = reg.AddGauge("gostly_license_state", "Licensed tier in force (1 = active)",
                                    {{"tier", "free"}});
  reg.AddGauge("gostly_license_state", "Licensed tier in force (1 = active)", {{"tier", "pro"}});
  reg.AddGauge("gostly_license_state", "Licensed tier in force (1 = active)", {{"tier", "team"}});
  license_state_free->Set(1);
  tls_state_disabled = reg.AddGauge("gostly_tls_listener_state",
                                    "TLS interception listener state (1 = current)",
                                    {{"state", "disabled"}});
  reg.AddGauge("gostly_tls_listener_state", "TLS interception listener state (1 = current)",
               {{"state", "listening"}});
  reg.AddGauge("gostly_tls_listener_state", "TLS interception listener state (1 = current)",
               {{"state", "failed"}});
  tls_state_disabled->Set(1);
  capture_queue_depth =
      reg.AddGauge("ghost_capture_queue_depth", "Capture appends not yet written");
  capture_rejected = reg.AddCounter(
      "ghost_capture_rejected_total",
      "LEARN requests refused with 503 before forwarding because the capture queue was full");
  bad_requests = reg.AddCounter("ghost_bad_requests_total",
                                "Requests rejected as malformed, oversized or too slow");
}

void ProxyMetrics::ObserveHttp(RouteKind route, int status, double seconds) {
  std::size_t cls = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : 4;
  auto r = static_cast<std::size_t>(route);
  http_requests[r][cls]->Inc();
  http_latency[r]->Observe(seconds);
}

namespace {
void CountLabelled(std::vector<std::pair<std::string, common::Counter*>>& family,
                   std::string_view label) {
  for (auto& [name, counter] : family) {
    if (name == label) {
      counter->Inc();
      return;
    }
  }
}
}  // namespace

void ProxyMetrics::CountResource(std::string_view op) { CountLabelled(resource_ops, op); }
void ProxyMetrics::CountChaos(std::string_view effect) { CountLabelled(chaos_effects, effect); }

}  // namespace gostly::proxy
