#include "control/library_entry.hpp"

#include <fmt/format.h>

#include "common/body_codec.hpp"
#include "control/ids.hpp"
#include "library/uri_template.hpp"

namespace gostly::control {

std::string MatchKey(const library::Exchange& ex) {
  return fmt::format("{} {} {:016x}", ex.method, library::NormalizeTarget(ex.uri),
                     common::BodyHash(ex.request_body));
}

store::LibraryEntry SealedEntry(const library::Exchange& ex, int seq, std::string source) {
  store::LibraryEntry entry;
  entry.service = ex.service;
  entry.method = ex.method;
  entry.uri = ex.uri;
  entry.uri_template = library::TemplatePath(ex.uri);
  entry.match_key = MatchKey(ex);
  entry.seq = seq;
  entry.status = ex.status;
  entry.exchange_json = library::EncodeExchangeLine(ex);
  if (!entry.exchange_json.empty() && entry.exchange_json.back() == '\n') {
    entry.exchange_json.pop_back();
  }
  entry.source = std::move(source);
  entry.scrubbed_at_ms = NowMs();
  return entry;
}

}  // namespace gostly::control
