// Raw client bytes through the real connection loop and request path (MOCK mode, a small
// library, admin surface locked by an API key the fuzzer cannot guess).
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>

#include "proxy/in_memory_session.hpp"
#include "proxy/proxy_state.hpp"

namespace {

struct Harness {
  Harness() {
    spdlog::set_level(spdlog::level::off);
    char tmpl[] = "/tmp/gostly-fuzz-XXXXXX";
    dir = mkdtemp(tmpl);
    std::filesystem::create_directories(dir / "mocks");
    std::ofstream(dir / "mocks" / "default.jsonl")
        << R"({"method":"GET","uri":"/api/users/42?a=1&b=2","status":200,)"
        << R"("response_headers":{"Content-Type":"application/json"},)"
        << R"("response_body":{"id":42},"response_body_encoding":"json"})" << '\n'
        << R"({"method":"POST","uri":"/api/orders","request_body":{"sku":"a"},)"
        << R"("request_body_encoding":"json","status":201,"response_body":"created"})" << '\n';
    gostly::proxy::ProxyConfig config;
    config.data_dir = dir;
    config.initial_mode = gostly::proxy::Mode::kMock;
    config.api_key = "fuzz-cannot-guess-this-9f8e7d6c5b4a";
    config.max_body_bytes = 4096;
    state = std::make_unique<gostly::proxy::ProxyState>(config);
    handler = std::make_unique<gostly::proxy::RequestHandler>(*state);
    limits.max_body_bytes = config.max_body_bytes;
    limits.max_header_bytes = 8192;
  }
  ~Harness() {
    handler.reset();
    state.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::unique_ptr<gostly::proxy::ProxyState> state;
  std::unique_ptr<gostly::proxy::RequestHandler> handler;
  gostly::proxy::SessionLimits limits;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  gostly::proxy::ServeBytes(*harness.handler, harness.state->metrics(), harness.limits,
                            std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
