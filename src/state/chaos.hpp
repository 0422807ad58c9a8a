// Chaos (issue 5, DESIGN §3 "Chaos can wrap any mode"): per service, rules matched by an
// endpoint glob ("GET /v1/charges/*") add latency (fixed, uniform, normal, log-normal),
// answer weighted error statuses, follow a two-state Markov model (healthy / degraded, with
// exponential dwell times, a degraded error rate and latency multiplier), or break the
// connection (reset, empty response, malformed bytes, slow dribble).
//
// Every random choice comes from one seeded generator per service: the same seed and the same
// request order give the same decisions. Thread-safe (a mutex per decision; an engine without
// rules costs one relaxed atomic load).
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gostly::state {

enum class Fault { kNone, kReset, kEmpty, kMalformed, kDribble };
std::string_view ToString(Fault fault);

struct Latency {
  enum class Kind { kNone, kFixed, kUniform, kNormal, kLogNormal } kind = Kind::kNone;
  double a = 0;  // fixed: ms; uniform: min ms; normal: mean ms; log-normal: median ms
  double b = 0;  // uniform: max ms; normal: stddev ms; log-normal: sigma (of ln ms)
};

struct ChaosError {
  int status = 503;
  double weight = 1;
  std::string body;  // JSON text; empty: {"error":"chaos","status":…}
};

struct ChaosRule {
  std::string method = "*";  // "*" or an upper-case method
  std::string glob = "*";    // path glob: '*' within a segment... and across ('*' matches any run)
  Latency latency;
  double error_rate = 0;  // share of requests answered with one of `errors`
  std::vector<ChaosError> errors;
  double reset = 0, empty = 0, malformed = 0, dribble = 0;  // shares of connection faults
  bool markov = false;
  double healthy_s = 0, degraded_s = 0;  // mean dwell times (exponential)
  double degraded_error_rate = 0;
  double latency_multiplier = 1;
  double max_latency_ms = 10000;  // the cap on any injected delay
};

struct ChaosConfig {
  std::string service = "default";
  std::uint64_t seed = 0;
  std::vector<ChaosRule> rules;
};

// {"service"?, "seed"?, "rules": [{"match": "GET /v1/*", "latency"?: {"distribution":
// "fixed"|"uniform"|"normal"|"lognormal", "ms" | "min_ms","max_ms" | "mean_ms","stddev_ms" |
// "median_ms","sigma"}, "errors"?: {"rate", "statuses": [{"status", "weight"?, "body"?}]},
// "faults"?: {"reset", "empty", "malformed", "dribble"}, "markov"?: {"healthy_s",
// "degraded_s", "degraded_error_rate", "latency_multiplier"?}, "max_latency_ms"?}]}.
// Errors name the field.
// `root`: the key the caller holds the document under; errors then name fields from there.
common::Result<ChaosConfig> ChaosConfigFromJson(const boost::json::value& value,
                                                std::string_view root = {});
boost::json::object ChaosConfigToJson(const ChaosConfig& config);

// One service's chaos as the route table and the control API carry it: ChaosConfigFromJson's
// form, whose "service", when present, must be `service` (the config is that service's).
// Errors name the field under `where` ("chaos.rules[0].errors.rate must be within [0, 1]").
common::Result<ChaosConfig> ServiceChaosFromJson(const boost::json::value& value,
                                                 std::string_view service,
                                                 std::string_view where = "chaos");

struct ChaosDecision {
  double delay_ms = 0;
  std::optional<ChaosError> error;  // answer this instead of the request's answer
  Fault fault = Fault::kNone;
  bool degraded = false;  // the Markov model was in its degraded state
};

class ChaosEngine {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ChaosEngine(std::uint64_t default_seed = 0) : default_seed_(default_seed) {}

  void Put(ChaosConfig config);  // replaces the service's rules; reseeds its generator
  void Clear(const std::string& service);  // "" clears every service
  std::vector<ChaosConfig> List() const;
  bool empty() const { return count_.load(std::memory_order_relaxed) == 0; }

  // The first rule matching the request decides; nullopt when none matches.
  std::optional<ChaosDecision> Decide(std::string_view service, std::string_view method,
                                      std::string_view target,
                                      Clock::time_point now = Clock::now());

 private:
  struct ServiceState {
    ChaosConfig config;
    std::mt19937_64 rng;
    struct Markov {
      bool started = false;
      bool degraded = false;
      Clock::time_point until;
    };
    std::vector<Markov> markov;  // per rule
  };

  std::uint64_t default_seed_;
  mutable std::mutex mu_;
  std::map<std::string, ServiceState, std::less<>> services_;
  std::atomic<std::size_t> count_{0};
};

// Glob match of a path: '*' matches any run of characters (including '/'), '?' one.
bool GlobMatch(std::string_view glob, std::string_view path);

}  // namespace gostly::state
