// The resource store's parsers on arbitrary bytes: a resources/*.jsonl line (DecodeResourceLine
// must fail with a message or round-trip through EncodeResourceLine), a LEARN response body
// (Observe), and MOCK requests whose target and body come from the input (Handle never
// throws, and answers carry JSON). The input as a /ghost/sequences definition, too: accepted
// definitions serialise and parse back the same; and as a /ghost/chaos configuration, whose
// accepted rules round-trip and decide without crashing.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "state/resource_store.hpp"
#include "state/chaos.hpp"
#include "state/sequence_store.hpp"

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
  boost::system::error_code ec;
  const boost::json::value definition = boost::json::parse(input, ec);
  if (!ec) {
    auto sequence = gostly::state::SequenceFromJson(definition);
    if (sequence.ok()) {
      auto again = gostly::state::SequenceFromJson(gostly::state::SequenceToJson(*sequence));
      if (!again.ok() || again->responses.size() != sequence->responses.size() ||
          again->path != sequence->path || again->method != sequence->method) {
        std::abort();
      }
      gostly::state::SequenceStore sequences("");
      if (!sequences.Put(*sequence).ok()) std::abort();
      if (!sequences.Next(sequence->service, sequence->method, sequence->path)) std::abort();
    } else if (sequence.error().empty()) {
      std::abort();
    }
    auto chaos = gostly::state::ChaosConfigFromJson(definition);
    if (chaos.ok()) {
      auto again = gostly::state::ChaosConfigFromJson(gostly::state::ChaosConfigToJson(*chaos));
      if (!again.ok() || again->rules.size() != chaos->rules.size()) std::abort();
      gostly::state::ChaosEngine engine(1);
      engine.Put(*chaos);
      for (int i = 0; i < 4; ++i) {
        auto d = engine.Decide(chaos->service, "GET", target,
                               gostly::state::ChaosEngine::Clock::time_point{} +
                                   std::chrono::seconds(i * 1000));
        if (d && (d->delay_ms < 0 || !(d->delay_ms <= 600000))) std::abort();
      }
    } else if (chaos.error().empty()) {
      std::abort();
    }
  }
  return 0;
}
