#include "proxy_command.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

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
  app.add_option("--inference-queue-capacity", o.inference_queue_capacity,
                 "Gap-fill queue capacity")
      ->envname("INFERENCE_PREWARM_QUEUE_CAPACITY");
}

int RunProxy(const ProxyOptions& o) {
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
    config.inference_queue_capacity = o.inference_queue_capacity;
  } catch (const std::exception& e) {
    std::cerr << "gostly: " << e.what() << '\n';
    return 2;
  }

  // Block the stop signals before any thread starts, so only the waiter below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  try {
    proxy::ProxyState state(config);
    proxy::ProxyServer server(state);
    std::uint16_t port = server.Listen();
    if (!config.port_file.empty()) WritePortFile(config.port_file, port);
    state.StartWatching();
    spdlog::info("gostly proxy listening on http://{}:{} in {} mode (data: {}, library: {})",
                 config.bind_address, port, proxy::ToString(state.mode().mode()),
                 config.data_dir.string(), config.mock_dir.string());
    if (config.backend) spdlog::info("default upstream: {}", config.backend->text);

    std::thread waiter([&server, signals] {
      int sig = 0;
      sigwait(&signals, &sig);
      spdlog::info("signal {} received; shutting down", sig);
      server.Stop();
    });
    server.Run();
    // Wake the waiter if Run() ended for another reason.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  } catch (const std::exception& e) {
    std::cerr << "gostly: " << e.what() << '\n';
    return 1;
  }
  return 0;
}

}  // namespace gostly::apps
