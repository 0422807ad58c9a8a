#include "proxy/proxy_state.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace gostly::proxy {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string NewSessionId() {
  static std::mt19937_64 rng{std::random_device{}()};
  static std::mutex mu;
  std::lock_guard lock(mu);
  return fmt::format("{:016x}", rng());
}

std::uint64_t NextInstanceId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Route DefaultRoute(const ProxyConfig& config) {
  Route r;
  r.service = "default";
  r.upstream = config.backend;
  return r;
}

// A service's chaos as text for comparison; "" when it has no rules.
std::string ChaosText(const state::ChaosConfig& config) {
  return config.rules.empty() ? std::string() : json::serialize(state::ChaosConfigToJson(config));
}

std::string CurrentChaosText(const state::ChaosEngine& engine, const std::string& service) {
  for (const auto& config : engine.List()) {
    if (config.service == service) return ChaosText(config);
  }
  return {};
}

}  // namespace

ProxyState::ProxyState(ProxyConfig config)
    : instance_id_(NextInstanceId()),
      config_(std::move(config)),
      metrics_(registry_),
      forwarder_(Forwarder::Options{config_.accept_invalid_certs, config_.upstream_timeout,
                                    config_.max_upstream_body_bytes, 64}),
      resources_(config_.random_seed),
      sequences_(config_.data_dir / "sequences.json"),
      chaos_(config_.random_seed),
      latency_rng_(config_.random_seed) {
  if (config_.mock_dir.empty()) config_.mock_dir = config_.data_dir / "mocks";
  if (config_.mode_file.empty()) config_.mode_file = config_.data_dir / "mode.txt";
  if (config_.routes_file.empty()) config_.routes_file = config_.data_dir / "routes.json";
  if (config_.resource_dir.empty()) config_.resource_dir = config_.data_dir / "resources";
  std::error_code ec;
  for (const auto& dir :
       {config_.data_dir, config_.data_dir / "traffic", config_.mock_dir, config_.resource_dir}) {
    fs::create_directories(dir, ec);
    if (ec) {
      throw std::runtime_error("cannot create directory " + dir.string() + ": " + ec.message());
    }
  }
  if (config_.accept_invalid_certs) {
    spdlog::warn("ACCEPT_INVALID_CERTS is on: upstream TLS certificates are NOT verified");
  }
  capture_ = std::make_unique<CaptureWriter>(config_.capture_queue_capacity,
                                             metrics_.io_errors_capture);

  std::vector<Route> routes;
  if (fs::exists(config_.routes_file)) {
    std::ifstream in(config_.routes_file);
    std::stringstream ss;
    ss << in.rdbuf();
    json::error_code jec;
    json::value v = json::parse(ss.str(), jec);
    if (jec) {
      throw std::runtime_error("routes file " + config_.routes_file.string() +
                               " is not valid JSON: " + jec.message());
    }
    auto parsed = RouteTable::ParseRoutes(v);
    if (!parsed) {
      throw std::runtime_error("routes file " + config_.routes_file.string() + ": " +
                               parsed.error());
    }
    routes = std::move(parsed).value();
  }
  auto table = std::make_shared<const RouteTable>(std::move(routes), DefaultRoute(config_));
  ApplyRouteConfigs(nullptr, *table);
  {
    std::lock_guard lock(view_mu_);
    view_ = std::make_shared<const ProxyView>(ProxyView{
        library::Snapshot::Empty(), std::move(table), std::make_shared<const MissConfig>()});
  }
  ReloadLibrary();
  if (config_.stateful_mocks) LoadResources();
  if (auto loaded = sequences_.Load(); !loaded) throw std::runtime_error(loaded.error());

  mode_ = std::make_unique<ModeController>(config_.mode_file, config_.initial_mode);
  if (config_.initial_mode == Mode::kLearn) StartLearnWindow();
  mode_->SetListener([this](Mode from, Mode to) { OnModeChange(from, to); });
}

ProxyState::~ProxyState() {
  {
    std::lock_guard lock(watch_mu_);
    stop_ = true;
  }
  watch_cv_.notify_all();
  if (library_watcher_.joinable()) library_watcher_.join();
}

ViewRef ProxyState::CurrentView() const {
  struct Cache {
    const ProxyState* owner = nullptr;
    std::uint64_t generation = 0;
    ViewRef ref;
  };
  thread_local Cache cache;
  std::uint64_t gen = generation_.load(std::memory_order_acquire);
  if (cache.owner != this || cache.generation != gen) {
    std::lock_guard lock(view_mu_);
    cache.owner = this;
    cache.generation = generation_.load(std::memory_order_relaxed);
    // A fresh control block per thread: copies of `ref` never touch another thread's line.
    cache.ref = std::make_shared<const std::shared_ptr<const ProxyView>>(view_);
  }
  return cache.ref;
}

void ProxyState::Publish(std::shared_ptr<const library::Snapshot> snapshot,
                         std::shared_ptr<const RouteTable> routes,
                         std::shared_ptr<const MissConfig> miss) {
  std::lock_guard lock(view_mu_);
  auto next = std::make_shared<ProxyView>(*view_);
  if (snapshot) next->snapshot = std::move(snapshot);
  if (routes) next->routes = std::move(routes);
  if (miss) next->miss = std::move(miss);
  view_ = std::move(next);
  generation_.fetch_add(1, std::memory_order_release);
}

library::LoadReport ProxyState::ReloadLibrary() {
  std::lock_guard reload_lock(reload_mu_);
  std::string signature = LibrarySignature();
  std::vector<library::Exchange> exchanges;
  auto report = library::LoadExchanges(config_.mock_dir, exchanges);
  library::ApplyTombstones(exchanges);
  for (const auto& w : report.warnings) spdlog::warn("library: {}", w);
  if (report.io_errors > 0) metrics_.io_errors_load->Inc(report.io_errors);

  std::shared_ptr<const RouteTable> routes;
  {
    std::lock_guard lock(view_mu_);
    routes = view_->routes;
  }
  library::Snapshot::Options options;
  options.smart_swap = config_.smart_swap;
  options.fit_latency = config_.mock_latency == ProxyConfig::MockLatency::kDistribution;
  options.policy = [routes](std::string_view service) {
    const Route* r = routes->FindService(service);
    return r ? r->repeat_policy : library::RepeatPolicy::kSequence;
  };
  auto snapshot = library::Snapshot::Build(std::move(exchanges), options);
  metrics_.library_size->Set(static_cast<double>(snapshot->key_count()));
  spdlog::info("library: {} exchanges, {} keys, {} templates from {} ({} skipped)",
               snapshot->exchange_count(), snapshot->key_count(), snapshot->template_count(),
               config_.mock_dir.string(), report.skipped);
  Publish(std::move(snapshot), nullptr, nullptr);
  loaded_signature_ = std::move(signature);
  return report;
}

common::Result<bool> ProxyState::SetRoutes(std::vector<Route> routes, bool persist) {
  std::lock_guard routes_lock(routes_mu_);
  auto table = std::make_shared<const RouteTable>(std::move(routes), DefaultRoute(config_));
  if (persist) {
    auto tmp = config_.routes_file;
    tmp += ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << json::serialize(table->ToJson()) << '\n';
      if (!out) {
        metrics_.io_errors_persist->Inc();
        return common::MakeError("cannot write " + tmp.string());
      }
    }
    std::error_code ec;
    fs::rename(tmp, config_.routes_file, ec);
    if (ec) {
      metrics_.io_errors_persist->Inc();
      return common::MakeError("cannot replace " + config_.routes_file.string() + ": " +
                               ec.message());
    }
  }
  std::shared_ptr<const RouteTable> previous;
  {
    std::lock_guard lock(view_mu_);
    previous = view_->routes;
  }
  ApplyRouteConfigs(previous.get(), *table);
  Publish(nullptr, std::move(table), nullptr);
  // Repeat policies are baked into the snapshot; rebuild it under the new table.
  ReloadLibrary();
  return true;
}

void ProxyState::ApplyRouteConfigs(const RouteTable* previous, const RouteTable& next) {
  // Several routes may name one service (a host rule and a path prefix): the last of them
  // that carries a key decides, applied once.
  std::set<std::string> routed;
  std::map<std::string, const state::ChaosConfig*> chaos_of;
  std::map<std::string, const std::vector<state::Statechart>*> charts_of;
  for (const auto& route : next.routes()) {
    routed.insert(route.service);
    if (route.chaos) chaos_of[route.service] = &*route.chaos;
    if (route.statecharts) charts_of[route.service] = &*route.statecharts;
  }
  for (const auto& [service, config] : chaos_of) {
    // Put reseeds the service's generator and restarts its Markov state: only on a change.
    if (ChaosText(*config) != CurrentChaosText(chaos_, service)) chaos_.Put(*config);
  }
  for (const auto& [service, list] : charts_of) {
    std::map<std::string, state::Statechart> by_name;
    for (const auto& chart : *list) by_name[chart.name] = chart;
    resources_.SetStatecharts(service, std::move(by_name));
  }
  if (previous == nullptr) return;
  for (const auto& route : previous->routes()) {
    if (routed.contains(route.service)) continue;
    if (route.chaos) chaos_.Clear(route.service);
    if (route.statecharts) resources_.SetStatecharts(route.service, {});
  }
}

void ProxyState::SetMissConfig(MissConfig miss) {
  Publish(nullptr, nullptr, std::make_shared<const MissConfig>(std::move(miss)));
}

std::string ProxyState::learn_session_id() const {
  std::lock_guard lock(session_mu_);
  return learn_session_id_;
}

void ProxyState::StartLearnWindow() {
  std::string id = NewSessionId();
  {
    std::lock_guard lock(session_mu_);
    learn_session_id_ = id;
  }
  session_store_.Clear();
  spdlog::info("LEARN window {} started", id);
}

void ProxyState::OnModeChange(Mode from, Mode to) {
  if (to == Mode::kLearn && from != Mode::kLearn) StartLearnWindow();
  // Leaving LEARN: what was just recorded must be served.
  if (from == Mode::kLearn && to != Mode::kLearn) ReloadLibrary();
}

namespace {

// Per-thread cache of the two capture paths of a service: building them costs several
// allocations, and LEARN needs them on every exchange.
const std::pair<CapturePath, CapturePath>& CapturePaths(const ProxyConfig& config,
                                                        std::uint64_t instance,
                                                        std::string_view service) {
  thread_local std::unordered_map<std::string, std::pair<CapturePath, CapturePath>> cache;
  // An instance id, not an address: a later ProxyState may reuse this one's memory.
  thread_local std::uint64_t owner = 0;
  if (owner != instance) {
    cache.clear();
    owner = instance;
  }
  auto it = cache.find(std::string(service));
  if (it != cache.end()) return it->second;
  std::string file = SanitizeServiceId(service) + ".jsonl";
  return cache
      .emplace(std::string(service),
               std::make_pair(MakeCapturePath(config.data_dir / "traffic" / file),
                              MakeCapturePath(config.mock_dir / file)))
      .first->second;
}

}  // namespace

double ProxyState::SampleLatency(double mu, double sigma) {
  std::lock_guard lock(latency_mu_);
  if (sigma <= 0) return std::exp(mu);
  return std::lognormal_distribution<double>(mu, sigma)(latency_rng_);
}

fs::path ProxyState::ResourceFile(std::string_view service) const {
  return config_.resource_dir / (SanitizeServiceId(service) + ".jsonl");
}

void ProxyState::LoadResources() {
  std::size_t loaded = 0;
  std::size_t bad = 0;
  std::error_code ec;
  for (fs::directory_iterator it(config_.resource_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".jsonl") continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      auto record = state::DecodeResourceLine(line);
      if (!record) {
        // A torn last line after a crash, or a hand edit: skipped, named, counted.
        if (++bad <= 5) {
          spdlog::warn("{}:{}: resource line skipped: {}", it->path().string(), number,
                       record.error());
        }
        continue;
      }
      resources_.Load(*record);
      ++loaded;
    }
  }
  if (bad > 0) metrics_.io_errors_load->Inc(bad);
  if (loaded > 0 || bad > 0) {
    spdlog::info("resources: {} loaded from {}, {} lines skipped", loaded,
                 config_.resource_dir.string(), bad);
  }
}

const CapturePath& ProxyState::TrafficFile(std::string_view service) const {
  return CapturePaths(config_, instance_id_, service).first;
}

const CapturePath& ProxyState::MockFile(std::string_view service) const {
  return CapturePaths(config_, instance_id_, service).second;
}

std::string ProxyState::LibrarySignature() const {
  std::string sig;
  std::error_code ec;
  for (fs::directory_iterator it(config_.mock_dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".jsonl") continue;
    std::error_code sec;
    auto size = it->file_size(sec);
    auto mtime = it->last_write_time(sec).time_since_epoch().count();
    sig += fmt::format("{}:{}:{};", it->path().filename().string(), size, mtime);
  }
  return sig;
}

void ProxyState::StartWatching() {
  mode_->StartWatching(config_.watch_interval);
  library_watcher_ = std::thread([this] { LibraryWatchLoop(); });
}

void ProxyState::LibraryWatchLoop() {
  for (;;) {
    {
      std::unique_lock lock(watch_mu_);
      if (watch_cv_.wait_for(lock, config_.watch_interval * 2, [this] { return stop_; })) return;
    }
    // While LEARN appends to the library, reloading would only burn CPU; the switch out of
    // LEARN reloads once.
    if (mode_->mode() == Mode::kLearn) continue;
    std::string sig = LibrarySignature();
    bool changed;
    {
      std::lock_guard lock(reload_mu_);
      changed = sig != loaded_signature_;
    }
    if (changed) {
      spdlog::info("library files changed on disk; reloading");
      ReloadLibrary();
    }
  }
}

}  // namespace gostly::proxy
