// A small blocking HTTP/1.1 client for the control plane's calls to the proxy's admin API
// and for the CLI verbs' calls to the control API. One connection per call (these are
// rare, operator-paced calls); every call is bounded by its timeout.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace gostly::control {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct HttpCallOptions {
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};
};

// base_url: "http://host:port" (an optional path prefix is kept). Errors are kUnavailable
// when the server cannot be reached or does not answer in time, kInvalidArgument for a bad
// URL.
common::Result<HttpResult> HttpCall(const std::string& base_url, const std::string& method,
                                    const std::string& target, const std::string& body = {},
                                    const HttpCallOptions& options = {});

}  // namespace gostly::control
