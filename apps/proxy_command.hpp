// Wiring for `gostly proxy`, `gostly control` and `gostly up`: turns flags/environment into
// configurations, builds the concrete parts and runs them until SIGINT/SIGTERM.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
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
  std::string stateful_mocks = "true";
  std::string mock_latency = "off";
  double mock_latency_cap_ms = 10000;
  std::uint64_t random_seed = 0;
  std::size_t inference_queue_capacity = 1024;
};

struct ControlOptions {
  std::string bind = "127.0.0.1";
  int port = 8000;
  std::string port_file;
  std::string data_dir = "./data";
  std::string database_url;
  std::string admin_database_url;
  std::string proxy_url = "http://127.0.0.1:8080";
  std::string scrub_mode = "redact";
  std::string scrub_field_paths;
};

void AddProxyOptions(CLI::App& app, ProxyOptions& options);
// `up` shares --data-dir and --bind with the proxy, so those are added only when asked.
void AddControlOptions(CLI::App& app, ControlOptions& options, bool standalone);

// Each returns the process exit code.
int RunProxy(const ProxyOptions& options);
int RunControl(const ControlOptions& options);
// The proxy and the control plane in one process (the control plane reaches the proxy on
// loopback through its admin API).
int RunUp(const ProxyOptions& proxy, ControlOptions control);

}  // namespace gostly::apps
