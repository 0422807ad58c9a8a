// The chaos and statecharts a route table carries, as ProxyState installs them: applied to
// the route's service, left alone when a route does not mention them, kept (with their seeded
// run) when an unchanged table is installed again, and back after a restart from the
// persisted routes file.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "proxy/proxy_state.hpp"

namespace gostly::proxy {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFlaky = R"({"seed":7,"rules":[{"match":"GET /v1/*",
    "errors":{"rate":0.5,"statuses":[{"status":503}]}}]})";
constexpr const char* kCharge = R"([{"name":"charge","initial":"pending",
    "transitions":{"pending":{"authorize":"authorized"}}}])";

class RouteConfigs : public ::testing::Test {
 protected:
  RouteConfigs() {
    spdlog::set_level(spdlog::level::warn);
    std::string tmpl = (fs::temp_directory_path() / "gostly-route-configs-XXXXXX").string();
    dir_ = fs::path(mkdtemp(tmpl.data()));
    Start();
  }
  ~RouteConfigs() override {
    state_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Start() {
    state_.reset();
    ProxyConfig config;
    config.data_dir = dir_;
    config.random_seed = 1;
    state_ = std::make_unique<ProxyState>(config);
  }

  // A route of service "pay"; `extra` adds keys (e.g. "chaos": {...}).
  static std::vector<Route> Routes(const std::string& extra, const std::string& service = "pay") {
    std::string doc = R"([{"service":")" + service + R"(","path_prefix":"/)" + service +
                      R"(","mode":"mock")" + (extra.empty() ? "" : "," + extra) + "}]";
    auto routes = RouteTable::ParseRoutes(boost::json::parse(doc));
    EXPECT_TRUE(routes.ok()) << routes.error();
    return routes.ok() ? std::move(routes).value() : std::vector<Route>{};
  }

  void Install(std::vector<Route> routes, bool persist = false) {
    auto set = state_->SetRoutes(std::move(routes), persist);
    ASSERT_TRUE(set.ok()) << set.error();
  }

  // Whether each of the next `n` requests to pay gets a chaos error.
  std::vector<bool> Draws(state::ChaosEngine& engine, int n) {
    std::vector<bool> out;
    for (int i = 0; i < n; ++i) {
      auto d = engine.Decide("pay", "GET", "/v1/items");
      out.push_back(d.has_value() && d->error.has_value());
    }
    return out;
  }

  std::vector<std::string> ChartNames(const std::string& service) {
    std::vector<std::string> names;
    for (const auto& chart : state_->resources().Statecharts(service)) {
      names.push_back(chart.name + ":" + chart.initial);
    }
    return names;
  }

  fs::path dir_;
  std::unique_ptr<ProxyState> state_;
};

state::ChaosConfig Flaky() {
  auto config = state::ChaosConfigFromJson(boost::json::parse(kFlaky));
  EXPECT_TRUE(config.ok()) << config.error();
  config->service = "pay";
  return config.value();
}

TEST_F(RouteConfigs, InstallingATableAppliesItsChaosAndStatechartsToTheService) {
  Install(Routes(std::string(R"("chaos":)") + kFlaky + R"(,"statecharts":)" + kCharge));
  const auto configs = state_->chaos().List();
  ASSERT_EQ(configs.size(), 1u);
  EXPECT_EQ(configs[0].service, "pay");
  EXPECT_EQ(configs[0].seed, 7u);
  const auto names = ChartNames("pay");
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "charge:pending") << "the override replaces the bundled charge";
  EXPECT_EQ(names.size(), 5u) << "and the other four bundled machines stay";
  EXPECT_EQ(ChartNames("default").front(), "charge:created") << "other services keep the bundled";
}

TEST_F(RouteConfigs, ReinstallingAnUnchangedConfigKeepsTheSeededRun) {
  const std::string chaos = std::string(R"("chaos":)") + kFlaky;
  Install(Routes(chaos));
  std::vector<bool> seen = Draws(state_->chaos(), 40);
  Install(Routes(chaos));  // the same table again, as the control plane pushes it
  for (bool b : Draws(state_->chaos(), 40)) seen.push_back(b);

  state::ChaosEngine reference(1);
  reference.Put(Flaky());
  EXPECT_EQ(seen, Draws(reference, 80)) << "one uninterrupted run of the seeded generator";

  // A changed config does start over: seed 8 from its beginning.
  Install(Routes(R"("chaos":{"seed":8,"rules":[{"match":"GET /v1/*",
      "errors":{"rate":0.5,"statuses":[{"status":503}]}}]})"));
  state::ChaosConfig eight = Flaky();
  eight.seed = 8;
  state::ChaosEngine fresh(1);
  fresh.Put(eight);
  EXPECT_EQ(Draws(state_->chaos(), 40), Draws(fresh, 40));
}

TEST_F(RouteConfigs, ARouteWithoutTheKeysLeavesAdminSettingsAloneAndEmptyOnesClear) {
  state_->chaos().Put(Flaky());  // as PUT /ghost/chaos does
  auto charts = state::StatechartListFromJson(boost::json::parse(kCharge));
  ASSERT_TRUE(charts.ok()) << charts.error();
  state_->resources().SetStatecharts("pay", {{"charge", charts->front()}});

  Install(Routes(""));
  EXPECT_EQ(state_->chaos().List().size(), 1u);
  EXPECT_EQ(ChartNames("pay").front(), "charge:pending");

  Install(Routes(R"("chaos":{"rules":[]},"statecharts":[])"));
  EXPECT_TRUE(state_->chaos().List().empty());
  EXPECT_EQ(ChartNames("pay").front(), "charge:created") << "back to the bundled machines";
}

TEST_F(RouteConfigs, AServiceWhoseRouteIsRemovedLosesWhatTheRouteSet) {
  Install(Routes(std::string(R"("chaos":)") + kFlaky + R"(,"statecharts":)" + kCharge));
  Install(Routes("", "other"));
  EXPECT_TRUE(state_->chaos().List().empty());
  EXPECT_EQ(ChartNames("pay").front(), "charge:created");
}

TEST_F(RouteConfigs, PersistedRoutesBringChaosAndStatechartsBackAtStartUp) {
  Install(Routes(std::string(R"("chaos":)") + kFlaky + R"(,"statecharts":)" + kCharge),
          /*persist=*/true);
  Start();  // a new process on the same data directory
  const auto configs = state_->chaos().List();
  ASSERT_EQ(configs.size(), 1u);
  EXPECT_EQ(configs[0].service, "pay");
  EXPECT_EQ(configs[0].seed, 7u);
  EXPECT_EQ(ChartNames("pay").front(), "charge:pending");
}

}  // namespace
}  // namespace gostly::proxy
