#include "state/chaos.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <fmt/format.h>

#include "state/field_path.hpp"

namespace gostly::state {
namespace json = boost::json;
using common::ErrorCode;
using common::MakeError;

namespace {

common::Error Invalid(std::string message) {
  return MakeError(std::move(message), ErrorCode::kInvalidArgument);
}

// A number field in [lo, hi]; `fallback` when absent.
common::Result<double> Number(const json::object& o, std::string_view key, double fallback,
                              double lo, double hi, const std::string& where) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return fallback;
  if (!v->is_number()) return Invalid(where + "." + std::string(key) + " must be a number");
  const double d = v->to_number<double>();
  if (!(d >= lo && d <= hi)) {
    // fmt writes 0 and 1, where a JSON serialiser would write 0E0 and 1E0.
    return Invalid(fmt::format("{}.{} must be within [{}, {}]", where, key, lo, hi));
  }
  return d;
}

const json::object* Object(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

common::Result<Latency> ParseLatency(const json::object& o, const std::string& where) {
  Latency l;
  const auto* kind = o.if_contains("distribution");
  if (kind == nullptr || !kind->is_string()) {
    return Invalid(where + ".distribution must be fixed, uniform, normal or lognormal");
  }
  constexpr double kMax = 600000;
  auto get = [&](std::string_view key, double lo) -> common::Result<double> {
    if (!o.contains(key)) return Invalid(where + "." + std::string(key) + " is required");
    return Number(o, key, 0, lo, kMax, where);
  };
  const std::string_view k = kind->get_string();
  common::Result<double> a = 0.0, b = 0.0;
  if (k == "fixed") {
    l.kind = Latency::Kind::kFixed;
    a = get("ms", 0);
  } else if (k == "uniform") {
    l.kind = Latency::Kind::kUniform;
    a = get("min_ms", 0);
    b = get("max_ms", 0);
  } else if (k == "normal") {
    l.kind = Latency::Kind::kNormal;
    a = get("mean_ms", 0);
    b = get("stddev_ms", 0);
  } else if (k == "lognormal") {
    l.kind = Latency::Kind::kLogNormal;
    a = get("median_ms", 0.001);
    b = get("sigma", 0);
  } else {
    return Invalid(where + ".distribution must be fixed, uniform, normal or lognormal");
  }
  if (!a) return a.error_value();
  if (!b) return b.error_value();
  l.a = *a;
  l.b = *b;
  if (l.kind == Latency::Kind::kUniform && l.b < l.a) {
    return Invalid(where + ".max_ms must not be below min_ms");
  }
  return l;
}

common::Result<ChaosRule> ParseRule(const json::value& value, const std::string& where) {
  const auto* o = value.if_object();
  if (o == nullptr) return Invalid(where + " must be an object");
  ChaosRule rule;
  if (const auto* match = o->if_contains("match")) {
    if (!match->is_string() || match->get_string().empty()) {
      return Invalid(where + ".match must be \"METHOD /path/glob\" or \"/path/glob\"");
    }
    std::string_view m = match->get_string();
    if (const auto space = m.find(' '); space != std::string_view::npos) {
      rule.method = std::string(m.substr(0, space));
      std::transform(rule.method.begin(), rule.method.end(), rule.method.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      m = m.substr(space + 1);
    }
    if (m.empty() || (m.front() != '/' && m != "*")) {
      return Invalid(where + ".match must be \"METHOD /path/glob\" or \"/path/glob\"");
    }
    rule.glob = std::string(m);
  }
  if (const auto* latency = Object(*o, "latency")) {
    auto l = ParseLatency(*latency, where + ".latency");
    if (!l) return l.error_value();
    rule.latency = *l;
  }
  auto cap = Number(*o, "max_latency_ms", rule.max_latency_ms, 0, 600000, where);
  if (!cap) return cap.error_value();
  rule.max_latency_ms = *cap;
  if (const auto* errors = Object(*o, "errors")) {
    auto rate = Number(*errors, "rate", 0, 0, 1, where + ".errors");
    if (!rate) return rate.error_value();
    rule.error_rate = *rate;
    if (const auto* statuses = errors->if_contains("statuses")) {
      if (!statuses->is_array()) return Invalid(where + ".errors.statuses must be an array");
      for (std::size_t i = 0; i < statuses->get_array().size(); ++i) {
        const std::string at = where + ".errors.statuses[" + std::to_string(i) + "]";
        const auto* s = statuses->get_array()[i].if_object();
        if (s == nullptr) return Invalid(at + " must be an object");
        auto status = Number(*s, "status", 503, 100, 599, at);
        if (!status) return status.error_value();
        auto weight = Number(*s, "weight", 1, 0, 1e9, at);
        if (!weight) return weight.error_value();
        ChaosError e;
        e.status = static_cast<int>(*status);
        e.weight = *weight;
        if (const auto* body = s->if_contains("body"); body != nullptr && !body->is_null()) {
          e.body = json::serialize(*body);
        }
        rule.errors.push_back(std::move(e));
      }
    }
  }
  if (const auto* faults = Object(*o, "faults")) {
    for (auto [key, out] : {std::pair{"reset", &rule.reset}, std::pair{"empty", &rule.empty},
                            std::pair{"malformed", &rule.malformed},
                            std::pair{"dribble", &rule.dribble}}) {
      auto share = Number(*faults, key, 0, 0, 1, where + ".faults");
      if (!share) return share.error_value();
      *out = *share;
    }
    if (rule.reset + rule.empty + rule.malformed + rule.dribble > 1) {
      return Invalid(where + ".faults: the shares add up to more than 1");
    }
  }
  if (const auto* markov = Object(*o, "markov")) {
    rule.markov = true;
    const std::string at = where + ".markov";
    auto healthy = Number(*markov, "healthy_s", 0, 0.001, 86400, at);
    auto degraded = Number(*markov, "degraded_s", 0, 0.001, 86400, at);
    auto rate = Number(*markov, "degraded_error_rate", 0, 0, 1, at);
    auto mult = Number(*markov, "latency_multiplier", 1, 0, 1000, at);
    for (auto* r : {&healthy, &degraded, &rate, &mult}) {
      if (!*r) return r->error_value();
    }
    if (!markov->contains("healthy_s") || !markov->contains("degraded_s")) {
      return Invalid(at + " needs healthy_s and degraded_s (mean dwell times in seconds)");
    }
    rule.healthy_s = *healthy;
    rule.degraded_s = *degraded;
    rule.degraded_error_rate = *rate;
    rule.latency_multiplier = *mult;
  }
  return rule;
}

// A whole number as a JSON integer (10000, not Boost's 1E4), anything else as a double, so
// what GET lists reads like what was sent.
json::value Num(double d) {
  constexpr double kExact = 9007199254740992.0;  // 2^53: every integer below is exact
  if (std::trunc(d) == d && std::fabs(d) < kExact) return static_cast<std::int64_t>(d);
  return d;
}

json::object RuleToJson(const ChaosRule& r) {
  json::object o{{"match", (r.method == "*" ? std::string() : r.method + " ") + r.glob},
                 {"max_latency_ms", Num(r.max_latency_ms)}};
  switch (r.latency.kind) {
    case Latency::Kind::kNone:
      break;
    case Latency::Kind::kFixed:
      o["latency"] = json::object{{"distribution", "fixed"}, {"ms", Num(r.latency.a)}};
      break;
    case Latency::Kind::kUniform:
      o["latency"] = json::object{
          {"distribution", "uniform"}, {"min_ms", Num(r.latency.a)}, {"max_ms", Num(r.latency.b)}};
      break;
    case Latency::Kind::kNormal:
      o["latency"] = json::object{{"distribution", "normal"},
                                  {"mean_ms", Num(r.latency.a)},
                                  {"stddev_ms", Num(r.latency.b)}};
      break;
    case Latency::Kind::kLogNormal:
      o["latency"] = json::object{{"distribution", "lognormal"},
                                  {"median_ms", Num(r.latency.a)},
                                  {"sigma", Num(r.latency.b)}};
      break;
  }
  if (r.error_rate > 0 || !r.errors.empty()) {
    json::array statuses;
    for (const auto& e : r.errors) {
      json::object s{{"status", e.status}, {"weight", Num(e.weight)}};
      if (!e.body.empty()) s["body"] = json::parse(e.body);
      statuses.push_back(std::move(s));
    }
    o["errors"] = json::object{{"rate", Num(r.error_rate)}, {"statuses", std::move(statuses)}};
  }
  if (r.reset + r.empty + r.malformed + r.dribble > 0) {
    o["faults"] = json::object{{"reset", Num(r.reset)},
                               {"empty", Num(r.empty)},
                               {"malformed", Num(r.malformed)},
                               {"dribble", Num(r.dribble)}};
  }
  if (r.markov) {
    o["markov"] = json::object{{"healthy_s", Num(r.healthy_s)},
                               {"degraded_s", Num(r.degraded_s)},
                               {"degraded_error_rate", Num(r.degraded_error_rate)},
                               {"latency_multiplier", Num(r.latency_multiplier)}};
  }
  return o;
}

double Uniform01(std::mt19937_64& rng) {
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

double SampleLatency(const Latency& l, std::mt19937_64& rng) {
  switch (l.kind) {
    case Latency::Kind::kNone:
      return 0;
    case Latency::Kind::kFixed:
      return l.a;
    case Latency::Kind::kUniform:
      return std::uniform_real_distribution<double>(l.a, l.b)(rng);
    case Latency::Kind::kNormal:
      return l.b > 0 ? std::normal_distribution<double>(l.a, l.b)(rng) : l.a;
    case Latency::Kind::kLogNormal:
      return l.b > 0 ? std::lognormal_distribution<double>(std::log(l.a), l.b)(rng) : l.a;
  }
  return 0;
}

ChaosError PickError(const ChaosRule& rule, std::mt19937_64& rng) {
  if (rule.errors.empty()) return ChaosError{};
  double total = 0;
  for (const auto& e : rule.errors) total += e.weight;
  if (total <= 0) return rule.errors.front();
  double x = Uniform01(rng) * total;
  for (const auto& e : rule.errors) {
    if (x < e.weight) return e;
    x -= e.weight;
  }
  return rule.errors.back();
}

}  // namespace

std::string_view ToString(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kReset:
      return "reset";
    case Fault::kEmpty:
      return "empty";
    case Fault::kMalformed:
      return "malformed";
    case Fault::kDribble:
      return "dribble";
  }
  return "none";
}

bool GlobMatch(std::string_view glob, std::string_view path) {
  // Iterative wildcard matching with one backtrack point (linear-ish, no recursion).
  std::size_t g = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (p < path.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == path[p])) {
      ++g;
      ++p;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = p;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      p = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

common::Result<ChaosConfig> ChaosConfigFromJson(const json::value& value, std::string_view root) {
  const auto* o = value.if_object();
  if (o == nullptr) return Invalid(AboutDocument(root, "a chaos configuration is a JSON object"));
  ChaosConfig config;
  if (const auto* service = o->if_contains("service")) {
    if (!service->is_string() || service->get_string().empty()) {
      return Invalid(FieldName(root, "service") + " must be a non-empty string");
    }
    config.service = std::string(service->get_string());
  }
  if (const auto* seed = o->if_contains("seed")) {
    if (seed->is_uint64()) {
      config.seed = seed->get_uint64();
    } else if (seed->is_int64() && seed->get_int64() >= 0) {
      config.seed = static_cast<std::uint64_t>(seed->get_int64());
    } else {
      return Invalid(FieldName(root, "seed") + " must be an integer >= 0");
    }
  }
  const auto* rules = o->if_contains("rules");
  if (rules == nullptr || !rules->is_array()) {
    return Invalid(FieldName(root, "rules") + " must be an array");
  }
  for (std::size_t i = 0; i < rules->get_array().size(); ++i) {
    auto rule =
        ParseRule(rules->get_array()[i], FieldPath(root, "rules[" + std::to_string(i) + "]"));
    if (!rule) return rule.error_value();
    config.rules.push_back(std::move(rule).value());
  }
  return config;
}

common::Result<ChaosConfig> ServiceChaosFromJson(const json::value& value,
                                                 std::string_view service,
                                                 std::string_view where) {
  if (!value.is_object()) return Invalid(std::string(where) + " must be a JSON object");
  auto config = ChaosConfigFromJson(value, where);
  if (!config) return config.error_value();
  if (value.get_object().contains("service") && config->service != service) {
    return Invalid(std::string(where) + ".service must be absent or '" + std::string(service) +
                   "' (the service it belongs to)");
  }
  config->service = std::string(service);
  return config;
}

json::object ChaosConfigToJson(const ChaosConfig& config) {
  json::array rules;
  for (const auto& r : config.rules) rules.push_back(RuleToJson(r));
  return json::object{{"service", config.service},
                      {"seed", config.seed},
                      {"rules", std::move(rules)}};
}

void ChaosEngine::Put(ChaosConfig config) {
  std::lock_guard lock(mu_);
  const std::string service = config.service;
  ServiceState state;
  state.rng.seed(config.seed != 0 ? config.seed : default_seed_);
  state.markov.resize(config.rules.size());
  state.config = std::move(config);
  if (state.config.rules.empty()) {
    services_.erase(service);
  } else {
    services_[service] = std::move(state);
  }
  count_.store(services_.size(), std::memory_order_relaxed);
}

void ChaosEngine::Clear(const std::string& service) {
  std::lock_guard lock(mu_);
  if (service.empty()) {
    services_.clear();
  } else {
    services_.erase(service);
  }
  count_.store(services_.size(), std::memory_order_relaxed);
}

std::vector<ChaosConfig> ChaosEngine::List() const {
  std::lock_guard lock(mu_);
  std::vector<ChaosConfig> out;
  for (const auto& [name, state] : services_) out.push_back(state.config);
  return out;
}

std::optional<ChaosDecision> ChaosEngine::Decide(std::string_view service,
                                                 std::string_view method,
                                                 std::string_view target,
                                                 Clock::time_point now) {
  if (empty()) return std::nullopt;
  const std::string_view path = target.substr(0, target.find('?'));
  std::lock_guard lock(mu_);
  auto it = services_.find(service);
  if (it == services_.end()) return std::nullopt;
  ServiceState& state = it->second;
  for (std::size_t i = 0; i < state.config.rules.size(); ++i) {
    const ChaosRule& rule = state.config.rules[i];
    if (rule.method != "*" && rule.method != method) continue;
    if (!GlobMatch(rule.glob, path)) continue;
    ChaosDecision d;
    auto& rng = state.rng;
    double error_rate = rule.error_rate;
    double multiplier = 1;
    if (rule.markov) {
      auto& m = state.markov[i];
      auto dwell = [&](double mean_s) {
        const double s = std::exponential_distribution<double>(1.0 / mean_s)(rng);
        return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
      };
      if (!m.started) {
        m.started = true;
        m.until = now + dwell(rule.healthy_s);
      }
      for (int flips = 0; now >= m.until; ++flips) {
        m.degraded = !m.degraded;
        // After a long idle gap, start the new state's dwell now rather than replaying
        // every flip since (bounded work per request).
        if (flips == 1000) m.until = now;
        m.until += dwell(m.degraded ? rule.degraded_s : rule.healthy_s);
      }
      if (m.degraded) {
        d.degraded = true;
        error_rate = std::max(error_rate, rule.degraded_error_rate);
        multiplier = rule.latency_multiplier;
      }
    }
    d.delay_ms = std::clamp(SampleLatency(rule.latency, rng) * multiplier, 0.0,
                            rule.max_latency_ms);
    // One draw picks a fault, another an error; a fault wins over an error.
    const double f = Uniform01(rng);
    double edge = 0;
    for (auto [share, fault] : {std::pair{rule.reset, Fault::kReset},
                                std::pair{rule.empty, Fault::kEmpty},
                                std::pair{rule.malformed, Fault::kMalformed},
                                std::pair{rule.dribble, Fault::kDribble}}) {
      edge += share;
      if (f < edge) {
        d.fault = fault;
        break;
      }
    }
    if (d.fault == Fault::kNone && Uniform01(rng) < error_rate) d.error = PickError(rule, rng);
    return d;
  }
  return std::nullopt;
}

}  // namespace gostly::state
