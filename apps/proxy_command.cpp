#include "proxy_command.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "control/control_plane.hpp"
#include "proxy/proxy_server.hpp"
#include "proxy/proxy_state.hpp"

namespace gostly::apps {

namespace fs = std::filesystem;

namespace {

bool Truthy(std::string_view v) {
  return v == "1" || v == "true" || v == "TRUE" || v == "True" || v == "yes" || v == "on";
}

proxy::Mode ResolveInitialMode(const ProxyOptions& o, const fs::path& mode_file) {
  if (!o.initial_mode.empty()) {
    auto m = proxy::ParseMode(o.initial_mode);
    if (!m || *m == proxy::Mode::kTransitioning) {
      throw std::runtime_error("INITIAL_MODE '" + o.initial_mode +
                               "' must be learn, mock or passthrough");
    }
    return *m;
  }
  if (std::ifstream in(mode_file); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto m = proxy::ParseMode(ss.str());
    if (m && *m != proxy::Mode::kTransitioning) return *m;
  }
  return o.backend_url.empty() ? proxy::Mode::kMock : proxy::Mode::kLearn;
}

void WritePortFile(const fs::path& file, std::uint16_t port) {
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << '\n';
    if (!out) throw std::runtime_error("cannot write port file " + tmp.string());
  }
  fs::rename(tmp, file);
}

}  // namespace

void AddProxyOptions(CLI::App& app, ProxyOptions& o) {
  app.add_option("--bind", o.bind, "Listen address")->envname("BIND_ADDRESS");
  app.add_option("--port", o.port, "Listen port (0 picks a free one)")
      ->envname("PROXY_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_option("--port-file", o.port_file, "Write the bound port here after listening")
      ->envname("PORT_FILE");
  app.add_option("--data-dir", o.data_dir, "Data directory")->envname("DATA_DIR");
  app.add_option("--mock-dir", o.mock_dir, "Local library directory (default DATA_DIR/mocks)")
      ->envname("MOCK_DIR");
  app.add_option("--mode-file", o.mode_file, "Persisted mode (default DATA_DIR/mode.txt)")
      ->envname("MODE_FILE_PATH");
  app.add_option("--initial-mode", o.initial_mode, "learn, mock or passthrough")
      ->envname("INITIAL_MODE");
  app.add_option("--backend-url", o.backend_url, "Default upstream URL")->envname("BACKEND_URL");
  app.add_option("--routes-file", o.routes_file, "Route table JSON (default DATA_DIR/routes.json)")
      ->envname("ROUTES_FILE");
  app.add_option("--max-body-bytes", o.max_body_bytes, "Request body ceiling (413 above)")
      ->envname("MAX_BODY_BYTES");
  app.add_option("--upstream-timeout-ms", o.upstream_timeout_ms, "Upstream timeout (504 after)")
      ->envname("UPSTREAM_TIMEOUT_MS");
  app.add_option("--idle-timeout-ms", o.idle_timeout_ms, "Idle keep-alive timeout")
      ->envname("IDLE_TIMEOUT_MS");
  app.add_option("--header-timeout-ms", o.header_timeout_ms, "Time allowed for request headers")
      ->envname("HEADER_TIMEOUT_MS");
  app.add_option("--threads", o.threads, "I/O threads (default: number of cores)")
      ->envname("PROXY_THREADS");
  app.add_option("--accept-invalid-certs", o.accept_invalid_certs,
                 "Skip upstream certificate verification (true/false)")
      ->envname("ACCEPT_INVALID_CERTS");
  app.add_option("--smart-swap", o.smart_swap, "Enable smart swap (true/false)")
      ->envname("SMART_SWAP_ENABLED");
  app.add_option("--stateful-mocks", o.stateful_mocks,
                 "Resource store and statecharts in MOCK, resources recorded in LEARN "
                 "(true/false)")
      ->envname("STATEFUL_MOCKS");
  app.add_option("--mock-latency", o.mock_latency,
                 "Learned latency in MOCK: off, recorded (each hit waits what LEARN measured) "
                 "or distribution (log-normal fitted per route)")
      ->envname("MOCK_LATENCY")
      ->check(CLI::IsMember({"off", "recorded", "distribution"}));
  app.add_option("--mock-latency-cap-ms", o.mock_latency_cap_ms,
                 "Upper bound of any learned latency (ms)")
      ->envname("MOCK_LATENCY_CAP_MS")
      ->check(CLI::Range(0.0, 600000.0));
  app.add_option("--random-seed", o.random_seed,
                 "Seed of every random choice (fresh resource ids): same seed, same run")
      ->envname("RANDOM_SEED");
  app.add_option("--inference-queue-capacity", o.inference_queue_capacity,
                 "Gap-fill queue capacity")
      ->envname("INFERENCE_PREWARM_QUEUE_CAPACITY");
}

namespace {

std::optional<proxy::ProxyConfig> BuildProxyConfig(const ProxyOptions& o) {
  proxy::ProxyConfig config;
  try {
    config.bind_address = o.bind;
    config.port = static_cast<std::uint16_t>(o.port);
    config.port_file = o.port_file;
    config.data_dir = o.data_dir;
    config.mock_dir = o.mock_dir.empty() ? config.data_dir / "mocks" : fs::path(o.mock_dir);
    config.mode_file =
        o.mode_file.empty() ? config.data_dir / "mode.txt" : fs::path(o.mode_file);
    config.routes_file =
        o.routes_file.empty() ? config.data_dir / "routes.json" : fs::path(o.routes_file);
    if (!o.routes_file.empty() && !fs::exists(config.routes_file)) {
      throw std::runtime_error("routes file " + o.routes_file + " does not exist");
    }
    if (!o.backend_url.empty()) {
      auto url = proxy::UpstreamUrl::Parse(o.backend_url);
      if (!url) throw std::runtime_error("BACKEND_URL: " + url.error());
      config.backend = *url;
    }
    config.initial_mode = ResolveInitialMode(o, config.mode_file);
    config.max_body_bytes = o.max_body_bytes;
    config.upstream_timeout = std::chrono::milliseconds(o.upstream_timeout_ms);
    config.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
    config.header_timeout = std::chrono::milliseconds(o.header_timeout_ms);
    config.threads = o.threads > 0 ? o.threads
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (const char* key = std::getenv("GHOST_API_KEY")) config.api_key = key;
    config.accept_invalid_certs = Truthy(o.accept_invalid_certs);
    config.smart_swap = Truthy(o.smart_swap);
    config.stateful_mocks = Truthy(o.stateful_mocks);
    config.random_seed = o.random_seed;
    // The option's check admits these three spellings only.
    using MockLatency = proxy::ProxyConfig::MockLatency;
    config.mock_latency = o.mock_latency == "recorded"       ? MockLatency::kRecorded
                          : o.mock_latency == "distribution" ? MockLatency::kDistribution
                                                             : MockLatency::kOff;
    config.mock_latency_cap_ms = o.mock_latency_cap_ms;
    config.inference_queue_capacity = o.inference_queue_capacity;
  } catch (const std::exception& e) {
    std::cerr << "gostly: " << e.what() << '\n';
    return std::nullopt;
  }
  return config;
}

control::ControlPlaneOptions BuildControlOptions(const ControlOptions& o) {
  control::ControlPlaneOptions c;
  c.data_dir = o.data_dir;
  c.server.bind_address = o.bind;
  c.server.port = static_cast<std::uint16_t>(o.port);
  c.store.database_url = o.database_url;
  c.store.admin_database_url = o.admin_database_url;
  c.proxy_url = o.proxy_url;
  if (const char* key = std::getenv("GHOST_API_KEY")) {
    c.bootstrap_api_key = key;
    c.proxy_api_key = key;
  }
  c.scrub_mode = o.scrub_mode;
  if (const char* key = std::getenv("SCRUB_KEY")) c.scrub_key = key;
  std::stringstream paths(o.scrub_field_paths);
  for (std::string path; std::getline(paths, path, ',');) {
    if (!path.empty()) c.scrub_field_paths.push_back(path);
  }
  return c;
}

sigset_t BlockStopSignals() {
  // Block the stop signals before any thread starts, so only the waiter sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return signals;
}

// Runs the proxy until a stop signal; with `control`, also the control plane, started
// once the proxy listens and stopped before it.
int Serve(const proxy::ProxyConfig& config, const ControlOptions* control) {
  sigset_t signals = BlockStopSignals();
  try {
    proxy::ProxyState state(config);
    proxy::ProxyServer server(state);
    std::uint16_t port = server.Listen();
    state.StartWatching();
    spdlog::info("gostly proxy listening on http://{}:{} in {} mode (data: {}, library: {})",
                 config.bind_address, port, proxy::ToString(state.mode().mode()),
                 config.data_dir.string(), config.mock_dir.string());
    if (config.backend) spdlog::info("default upstream: {}", config.backend->text);

    // The proxy serves on its own threads from here on: the control plane talks to it
    // through its admin API while starting (routes push).
    const pthread_t main_thread = pthread_self();
    std::thread runner([&server, main_thread] {
      server.Run();
      // Wake the signal wait below if Run() ended for another reason.
      pthread_kill(main_thread, SIGTERM);
    });
    struct StopOnExit {
      proxy::ProxyServer& server;
      std::thread& runner;
      ~StopOnExit() {
        server.Stop();
        if (runner.joinable()) runner.join();
      }
    } stop_on_exit{server, runner};

    std::unique_ptr<control::ControlPlane> plane;
    if (control != nullptr) {
      ControlOptions c = *control;
      c.data_dir = config.data_dir.string();
      const std::string host = config.bind_address == "0.0.0.0" ? "127.0.0.1"
                               : config.bind_address == "::"    ? "[::1]"
                                                                : config.bind_address;
      c.proxy_url = "http://" + host + ":" + std::to_string(port);
      plane = std::make_unique<control::ControlPlane>(BuildControlOptions(c));
      std::uint16_t control_port = plane->Start();
      if (!c.port_file.empty()) WritePortFile(c.port_file, control_port);
    }
    // Written last: whoever waits for it may use every component at once.
    if (!config.port_file.empty()) WritePortFile(config.port_file, port);

    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {} received; shutting down", sig);
    if (plane) plane->Stop();
  } catch (const std::exception& e) {
    std::cerr << "gostly: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace

void AddControlOptions(CLI::App& app, ControlOptions& o, bool standalone) {
  if (standalone) {
    app.add_option("--bind", o.bind, "Listen address")->envname("BIND_ADDRESS");
    app.add_option("--data-dir", o.data_dir, "Data directory")->envname("DATA_DIR");
    app.add_option("--proxy-url", o.proxy_url, "The proxy's base URL (its admin API)")
        ->envname("PROXY_URL");
    app.add_option("--port-file", o.port_file, "Write the bound port here after listening")
        ->envname("PORT_FILE");
  } else {
    app.add_option("--control-port-file", o.port_file,
                   "Write the control plane's bound port here after listening")
        ->envname("CONTROL_PORT_FILE");
  }
  app.add_option("--control-port", o.port, "Control API port (0 picks a free one)")
      ->envname("CONTROL_PORT")
      ->check(CLI::Range(0, 65535));
  app.add_option("--database-url", o.database_url,
                 "PostgreSQL URL (postgres://…); SQLite at DATA_DIR/gostly.db when unset")
      ->envname("DATABASE_URL");
  app.add_option("--database-admin-url", o.admin_database_url,
                 "PostgreSQL URL of a role allowed to migrate the schema (default: DATABASE_URL)")
      ->envname("DATABASE_ADMIN_URL");
  app.add_option("--scrub-mode", o.scrub_mode, "redact or pseudonym")->envname("SCRUB_MODE");
  app.add_option("--scrub-field-paths", o.scrub_field_paths,
                 "Comma-separated JSON field paths always scrubbed (e.g. user.ssn,items[*].card)")
      ->envname("SCRUB_FIELD_PATHS");
}

int RunProxy(const ProxyOptions& o) {
  auto config = BuildProxyConfig(o);
  if (!config) return 2;
  return Serve(*config, nullptr);
}

int RunUp(const ProxyOptions& o, ControlOptions control) {
  auto config = BuildProxyConfig(o);
  if (!config) return 2;
  control.bind = o.bind;
  return Serve(*config, &control);
}

int RunControl(const ControlOptions& o) {
  sigset_t signals = BlockStopSignals();
  try {
    control::ControlPlane plane(BuildControlOptions(o));
    std::uint16_t port = plane.Start();
    if (!o.port_file.empty()) WritePortFile(o.port_file, port);
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("signal {} received; shutting down", sig);
    plane.Stop();
  } catch (const std::exception& e) {
    std::cerr << "gostly: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace gostly::apps
