// Runs one connection's worth of raw client bytes through RunSession over an in-memory
// stream and returns everything the proxy wrote back. Used by the fuzz target and unit
// tests to exercise the real request path without sockets. Not for production traffic.
#pragma once

#include <string>
#include <string_view>

#include "proxy/request_handler.hpp"
#include "proxy/session.hpp"

namespace gostly::proxy {

std::string ServeBytes(RequestHandler& handler, ProxyMetrics& metrics, SessionLimits limits,
                       std::string_view input);

}  // namespace gostly::proxy
