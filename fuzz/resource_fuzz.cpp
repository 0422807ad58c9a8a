// The resource store's parsers on arbitrary bytes: a resources/*.jsonl line (DecodeResourceLine
// must fail with a message or round-trip through EncodeResourceLine), a LEARN response body
// (Observe), and MOCK requests whose target and body come from the input (Handle never
// throws, and answers carry JSON).
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "state/resource_store.hpp"

namespace {

void ExpectJson(const std::optional<gostly::state::ResourceReply>& reply) {
  if (!reply) return;
  boost::system::error_code ec;
  (void)boost::json::parse(reply->body, ec);
  if (ec) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  gostly::state::ResourceStore store(1);
  auto record = gostly::state::DecodeResourceLine(input);
  if (record.ok()) {
    auto again = gostly::state::DecodeResourceLine(gostly::state::EncodeResourceLine(*record));
    if (!again.ok() || again->id != record->id || again->collection != record->collection) {
      std::abort();
    }
    store.Load(*record);
  } else if (record.error().empty()) {
    std::abort();
  }
  // The input as a create's answer, then as requests against what was learned.
  (void)store.Observe("svc", "POST", "/v1/things", 201, input);
  const std::string_view target = input.substr(0, input.find('\n'));
  for (const char* method : {"POST", "GET", "PATCH", "PUT", "DELETE"}) {
    ExpectJson(store.Handle("svc", method, "/v1/things", "application/x-www-form-urlencoded",
                            input, true));
    ExpectJson(store.Handle("svc", method, target, "application/json", input, true));
    ExpectJson(store.Handle("svc", method, target, "", input, false));
  }
  return 0;
}
