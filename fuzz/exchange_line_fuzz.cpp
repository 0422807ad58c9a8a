// One JSON Lines record: decode, re-encode, decode again (must agree), then index it.
// The same bytes also check the streaming body classifier against its DOM definition.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/body_codec.hpp"
#include "library/exchange.hpp"
#include "library/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  // The capture path's streaming classifier must agree with its definition on any bytes.
  if (gostly::common::ClassifyBody(line) != gostly::common::detail::ClassifyBodyByDom(line)) {
    std::abort();
  }
  auto ex = gostly::library::DecodeExchangeLine(line);
  if (!ex) return 0;
  auto again = gostly::library::DecodeExchangeLine(gostly::library::EncodeExchangeLine(*ex));
  // Encoding is lossless: whatever decoded once must decode to the same bytes again.
  if (!again || again->request_body != ex->request_body ||
      again->response_body != ex->response_body || again->uri != ex->uri ||
      again->status != ex->status) {
    std::abort();
  }
  gostly::library::Snapshot::Options options;
  auto snapshot = gostly::library::Snapshot::Build({*ex}, options);
  snapshot->FindExact(ex->service, ex->method, ex->uri, ex->request_body);
  snapshot->FindSwap(ex->service, ex->method, ex->uri);
  return 0;
}
