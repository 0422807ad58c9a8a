// Chaos decisions over seeded runs: shares and distributions within bounds (the generator is
// seeded, so every run is the same run), rule matching, the Markov model's two states, caps,
// and definitions that name their problem.
#include "state/chaos.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

namespace gostly::state {
namespace {
namespace json = boost::json;

ChaosConfig Config(const char* text) {
  auto c = ChaosConfigFromJson(json::parse(text));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
  return c.ok() ? *c : ChaosConfig{};
}

constexpr int kRuns = 20000;

TEST(Chaos, GlobsMatchPathsAcrossSegments) {
  EXPECT_TRUE(GlobMatch("*", "/anything/at/all"));
  EXPECT_TRUE(GlobMatch("/v1/charges/*", "/v1/charges/ch_1"));
  EXPECT_TRUE(GlobMatch("/v1/*/capture", "/v1/charges/ch_1/capture"));
  EXPECT_TRUE(GlobMatch("/v?/x", "/v2/x"));
  EXPECT_FALSE(GlobMatch("/v1/charges/*", "/v1/refunds/re_1"));
  EXPECT_FALSE(GlobMatch("/v1/charges", "/v1/charges/ch_1"));
}

TEST(Chaos, ErrorSharesAndWeightsStayWithinBounds) {
  ChaosEngine engine;
  engine.Put(Config(R"({"seed": 7, "rules": [{"match": "GET /v1/*", "errors": {"rate": 0.2,
      "statuses": [{"status": 503, "weight": 3}, {"status": 429, "weight": 1,
                    "body": {"error": "slow down"}}]}}]})"));
  std::map<int, int> statuses;
  for (int i = 0; i < kRuns; ++i) {
    auto d = engine.Decide("default", "GET", "/v1/items?page=1");
    ASSERT_TRUE(d.has_value());
    if (d->error) ++statuses[d->error->status];
  }
  const int errors = statuses[503] + statuses[429];
  // Binomial(20000, 0.2): mean 4000, sd 57; ±5 sd.
  EXPECT_NEAR(errors, 4000, 285);
  EXPECT_NEAR(static_cast<double>(statuses[503]) / errors, 0.75, 0.03);
  EXPECT_FALSE(engine.Decide("default", "POST", "/v1/items")) << "another method";
  EXPECT_FALSE(engine.Decide("other", "GET", "/v1/items")) << "another service";
  EXPECT_FALSE(engine.Decide("default", "GET", "/v2/items")) << "another path";
}

TEST(Chaos, TheSameSeedGivesTheSameRun) {
  const char* text = R"({"seed": 99, "rules": [{"latency": {"distribution": "uniform",
      "min_ms": 5, "max_ms": 50}, "errors": {"rate": 0.5}, "faults": {"reset": 0.1}}]})";
  ChaosEngine a, b;
  a.Put(Config(text));
  b.Put(Config(text));
  for (int i = 0; i < 100; ++i) {
    auto x = a.Decide("default", "GET", "/");
    auto y = b.Decide("default", "GET", "/");
    ASSERT_TRUE(x && y);
    EXPECT_EQ(x->delay_ms, y->delay_ms);
    EXPECT_EQ(x->error.has_value(), y->error.has_value());
    EXPECT_EQ(x->fault, y->fault);
  }
}

struct Stats {
  double mean = 0, min = 1e18, max = 0, median = 0;
};

Stats Delays(const char* latency) {
  ChaosEngine engine;
  engine.Put(Config((std::string(R"({"seed": 3, "rules": [{"max_latency_ms": 100000, "latency": )") +
                     latency + "}]}")
                        .c_str()));
  std::vector<double> v;
  for (int i = 0; i < kRuns; ++i) v.push_back(engine.Decide("default", "GET", "/x")->delay_ms);
  Stats s;
  for (double d : v) {
    s.mean += d / kRuns;
    s.min = std::min(s.min, d);
    s.max = std::max(s.max, d);
  }
  std::nth_element(v.begin(), v.begin() + kRuns / 2, v.end());
  s.median = v[kRuns / 2];
  return s;
}

TEST(Chaos, LatencyDistributionsHaveTheirShape) {
  auto fixed = Delays(R"({"distribution": "fixed", "ms": 120})");
  EXPECT_EQ(fixed.min, 120);
  EXPECT_EQ(fixed.max, 120);
  auto uniform = Delays(R"({"distribution": "uniform", "min_ms": 10, "max_ms": 30})");
  EXPECT_GE(uniform.min, 10);
  EXPECT_LE(uniform.max, 30);
  EXPECT_NEAR(uniform.mean, 20, 0.5);
  auto normal = Delays(R"({"distribution": "normal", "mean_ms": 200, "stddev_ms": 20})");
  EXPECT_NEAR(normal.mean, 200, 1);
  EXPECT_GE(normal.min, 0) << "never negative";
  auto lognormal = Delays(R"({"distribution": "lognormal", "median_ms": 50, "sigma": 0.5})");
  EXPECT_NEAR(lognormal.median, 50, 2);
  EXPECT_GT(lognormal.mean, lognormal.median) << "right-skewed";
}

TEST(Chaos, DelaysAreCapped) {
  ChaosEngine engine;
  engine.Put(Config(R"({"rules": [{"max_latency_ms": 250,
      "latency": {"distribution": "normal", "mean_ms": 1000, "stddev_ms": 10}}]})"));
  EXPECT_EQ(engine.Decide("default", "GET", "/")->delay_ms, 250);
}

TEST(Chaos, FaultSharesStayWithinBounds) {
  ChaosEngine engine;
  engine.Put(Config(R"({"seed": 5, "rules": [{"faults": {"reset": 0.1, "empty": 0.1,
      "malformed": 0.1, "dribble": 0.1}, "errors": {"rate": 1}}]})"));
  std::map<Fault, int> seen;
  int errors = 0;
  for (int i = 0; i < kRuns; ++i) {
    auto d = engine.Decide("default", "GET", "/");
    ++seen[d->fault];
    if (d->error) {
      ++errors;
      EXPECT_EQ(d->fault, Fault::kNone) << "a fault wins over an error";
      EXPECT_EQ(d->error->status, 503) << "the default status";
    }
  }
  for (Fault f : {Fault::kReset, Fault::kEmpty, Fault::kMalformed, Fault::kDribble}) {
    EXPECT_NEAR(seen[f], 2000, 220) << ToString(f);  // Binomial(20000, 0.1): sd 42
  }
  EXPECT_EQ(errors, seen[Fault::kNone]);
}

TEST(Chaos, MarkovModelAlternatesHealthyAndDegraded) {
  ChaosEngine engine;
  engine.Put(Config(R"({"seed": 11, "rules": [{"latency": {"distribution": "fixed", "ms": 10},
      "markov": {"healthy_s": 10, "degraded_s": 5, "degraded_error_rate": 1,
                 "latency_multiplier": 4}}]})"));
  const auto start = ChaosEngine::Clock::time_point{};
  int degraded = 0, flips = 0;
  bool last = false;
  const int steps = 60000;  // one decision per 100 ms of simulated time: 6000 s
  for (int i = 0; i < steps; ++i) {
    auto d = engine.Decide("default", "GET", "/", start + std::chrono::milliseconds(100 * i));
    ASSERT_TRUE(d.has_value());
    if (d->degraded) {
      ++degraded;
      EXPECT_TRUE(d->error.has_value());
      EXPECT_EQ(d->delay_ms, 40);
    } else {
      EXPECT_FALSE(d->error.has_value());
      EXPECT_EQ(d->delay_ms, 10);
    }
    flips += d->degraded != last;
    last = d->degraded;
  }
  // Mean dwell 10 s healthy, 5 s degraded: a third of the time degraded, ~400 cycles.
  EXPECT_NEAR(static_cast<double>(degraded) / steps, 1.0 / 3, 0.05);
  EXPECT_GT(flips, 500);
  EXPECT_LT(flips, 1100);
  // A long idle gap does bounded work and keeps deciding.
  EXPECT_TRUE(engine.Decide("default", "GET", "/", start + std::chrono::hours(24 * 365)));
}

TEST(Chaos, ConfigurationsRoundTripAndBadOnesNameTheField) {
  const ChaosConfig config = Config(R"({"service": "pay", "seed": 4, "rules": [
      {"match": "post /v1/*", "latency": {"distribution": "lognormal", "median_ms": 30,
       "sigma": 0.4}, "errors": {"rate": 0.1, "statuses": [{"status": 500, "body": {"e": 1}}]},
       "faults": {"dribble": 0.2}, "markov": {"healthy_s": 1, "degraded_s": 2}}]})");
  EXPECT_EQ(config.rules.front().method, "POST");
  auto again = ChaosConfigFromJson(ChaosConfigToJson(config));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(json::value(ChaosConfigToJson(*again)), json::value(ChaosConfigToJson(config)));

  auto check = [](const char* text, const char* expected) {
    auto c = ChaosConfigFromJson(json::parse(text));
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.error().find(expected), std::string::npos) << c.error();
  };
  check(R"({})", "'rules'");
  check(R"({"rules": [{"match": "GET v1"}]})", "rules[0].match");
  check(R"({"rules": [{"errors": {"rate": 2}}]})", "rules[0].errors.rate");
  check(R"({"rules": [{"latency": {"distribution": "poisson"}}]})", "rules[0].latency.distribution");
  check(R"({"rules": [{"latency": {"distribution": "uniform", "min_ms": 5, "max_ms": 1}}]})",
        "max_ms");
  check(R"({"rules": [{"faults": {"reset": 0.6, "empty": 0.6}}]})", "more than 1");
  check(R"({"rules": [{"markov": {"healthy_s": 1}}]})", "degraded_s");
}

TEST(Chaos, AServicesConfigBelongsToItAndNamesFieldsUnderItsKey) {
  auto config = ServiceChaosFromJson(json::parse(R"({"rules": []})"), "pay");
  ASSERT_TRUE(config.ok()) << config.error();
  EXPECT_EQ(config->service, "pay");
  EXPECT_TRUE(ServiceChaosFromJson(json::parse(R"({"service": "pay", "rules": []})"), "pay").ok());

  auto check = [](const char* text, const char* expected) {
    auto c = ServiceChaosFromJson(json::parse(text), "pay", "chaos");
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_EQ(c.error(), expected);
  };
  check(R"({"service": "other", "rules": []})",
        "chaos.service must be absent or 'pay' (the service it belongs to)");
  check(R"([])", "chaos must be a JSON object");
  check(R"({})", "chaos.rules must be an array");
  check(R"({"seed": -1, "rules": []})", "chaos.seed must be an integer >= 0");
  check(R"({"rules": [{"errors": {"rate": 2}}]})",
        "chaos.rules[0].errors.rate must be within [0, 1]");
  check(R"({"rules": [3]})", "chaos.rules[0] must be an object");
}

}  // namespace
}  // namespace gostly::state
