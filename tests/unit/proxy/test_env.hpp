// Shared set-up for proxy unit tests: a temp data directory with a library, and a ProxyState
// serving it through the in-memory connection loop.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "proxy/in_memory_session.hpp"
#include "proxy/proxy_state.hpp"

namespace gostly::proxy::testing {

inline std::filesystem::path MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gostly-test-XXXXXX").string();
  return std::filesystem::path(mkdtemp(tmpl.data()));
}

class ProxyHarness {
 public:
  explicit ProxyHarness(const std::string& library_jsonl, Mode mode = Mode::kMock,
                        std::string api_key = {}) {
    spdlog::set_level(spdlog::level::warn);
    dir_ = MakeTempDir();
    std::filesystem::create_directories(dir_ / "mocks");
    std::ofstream(dir_ / "mocks" / "default.jsonl") << library_jsonl;
    config_.data_dir = dir_;
    config_.initial_mode = mode;
    config_.api_key = std::move(api_key);
    config_.max_body_bytes = 1000;
    config_.max_header_bytes = 4096;
    state_ = std::make_unique<ProxyState>(config_);
    handler_ = std::make_unique<RequestHandler>(*state_);
    limits_.max_body_bytes = config_.max_body_bytes;
    limits_.max_header_bytes = config_.max_header_bytes;
  }
  ~ProxyHarness() {
    handler_.reset();
    state_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string Serve(std::string_view raw) {
    return ServeBytes(*handler_, state_->metrics(), limits_, raw);
  }
  ProxyState& state() { return *state_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  ProxyConfig config_;
  std::unique_ptr<ProxyState> state_;
  std::unique_ptr<RequestHandler> handler_;
  SessionLimits limits_;
};

inline std::string Get(std::string_view target, std::string_view extra_headers = {}) {
  std::string s = "GET ";
  s.append(target).append(" HTTP/1.1\r\nHost: test\r\n").append(extra_headers).append("\r\n");
  return s;
}

inline std::string Post(std::string_view target, std::string_view body) {
  std::string s = "POST ";
  s.append(target)
      .append(" HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ")
      .append(std::to_string(body.size()))
      .append("\r\n\r\n")
      .append(body);
  return s;
}

inline int StatusOf(std::string_view response) {
  if (response.size() < 12) return 0;
  return std::stoi(std::string(response.substr(9, 3)));
}

inline std::string BodyOf(std::string_view response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string_view::npos ? std::string() : std::string(response.substr(pos + 4));
}

}  // namespace gostly::proxy::testing
