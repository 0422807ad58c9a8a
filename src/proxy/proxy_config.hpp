// Everything the proxy is configured with at start-up (docs/proxy_contract.md). Filled by
// apps/ from flags and environment; the proxy never reads the environment itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "proxy/mode.hpp"
#include "proxy/route_table.hpp"

namespace gostly::proxy {

struct ProxyConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 8080;
  std::filesystem::path port_file;  // written after listening when set
  std::filesystem::path data_dir = "data";
  std::filesystem::path mock_dir;   // default data_dir/mocks
  std::filesystem::path mode_file;  // default data_dir/mode.txt
  Mode initial_mode = Mode::kMock;
  std::optional<UpstreamUrl> backend;
  std::filesystem::path routes_file;  // default data_dir/routes.json
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_upstream_body_bytes = 64 * 1024 * 1024;
  std::chrono::milliseconds upstream_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds watch_interval{500};
  int threads = 1;
  std::string api_key;  // empty: /ghost/* is open
  bool accept_invalid_certs = false;
  bool smart_swap = true;
  bool stateful_mocks = true;        // resource store + statecharts (DESIGN §12)
  // Learned latency in MOCK (MOCK_LATENCY=off|recorded|distribution): none, each exact hit
  // waits what LEARN measured for it, or a draw from a log-normal fitted per service, method
  // and URI template.
  enum class MockLatency { kOff, kRecorded, kDistribution };
  MockLatency mock_latency = MockLatency::kOff;
  double mock_latency_cap_ms = 10000;
  std::uint64_t random_seed = 0;     // fresh resource ids (and later chaos)
  std::filesystem::path resource_dir;  // default data_dir/resources
  std::size_t capture_queue_capacity = 65536;
  std::size_t inference_queue_capacity = 1024;
};

}  // namespace gostly::proxy
