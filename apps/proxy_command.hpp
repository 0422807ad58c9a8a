// Wiring for `gostly proxy` and `gostly up`: turns flags/environment into a ProxyConfig,
// builds the concrete parts and runs them until SIGINT/SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gostly::apps {

struct ProxyOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;
  std::string port_file;
  std::string data_dir = "./data";
  std::string mock_dir;
  std::string mode_file;
  std::string initial_mode;
  std::string backend_url;
  std::string routes_file;
  std::size_t max_body_bytes = 1024 * 1024;
  long upstream_timeout_ms = 30000;
  long idle_timeout_ms = 60000;
  long header_timeout_ms = 10000;
  int threads = 0;
  std::string api_key;
  std::string accept_invalid_certs = "false";
  std::string smart_swap = "true";
  std::size_t inference_queue_capacity = 1024;
};

void AddProxyOptions(CLI::App& app, ProxyOptions& options);

// Returns the process exit code.
int RunProxy(const ProxyOptions& options);

}  // namespace gostly::apps
