// Reads files of the shared third-party corpus (/work/shared/corpus, see SOURCES.md there).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "library/exchange.hpp"

namespace gostly::seed::testing {

inline std::string CorpusPath(const std::string& relative) {
  return std::string(GOSTLY_SOURCE_DIR "/../shared/corpus/") + relative;
}

// Fails the test (loudly) when the corpus file is missing: a silently empty corpus would
// make every count assertion below meaningless.
inline std::string ReadCorpus(const std::string& relative) {
  std::ifstream in(CorpusPath(relative), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "corpus file missing: " << CorpusPath(relative)
                  << " (the shared corpus must be checked out next to the repository)";
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Every produced exchange must survive the JSON Lines form the proxy stores.
inline void ExpectRoundTrips(const library::Exchange& ex, const std::string& context) {
  auto decoded = library::DecodeExchangeLine(library::EncodeExchangeLine(ex));
  ASSERT_TRUE(decoded.ok()) << context << ": " << decoded.error();
  EXPECT_EQ(decoded->method, ex.method) << context;
  EXPECT_EQ(decoded->uri, ex.uri) << context;
  EXPECT_EQ(decoded->status, ex.status) << context;
  EXPECT_EQ(decoded->request_body, ex.request_body) << context;
  EXPECT_EQ(decoded->response_body, ex.response_body) << context;
  EXPECT_EQ(decoded->request_headers, ex.request_headers) << context;
  EXPECT_EQ(decoded->response_headers, ex.response_headers) << context;
}

}  // namespace gostly::seed::testing
