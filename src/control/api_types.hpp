// Request, response and error types of the control plane's REST API (DESIGN §6).
//
// Handlers are plain functions of an ApiRequest. Expected failures are thrown as ApiError
// and mapped once, by the server, to a JSON body {detail, error_code}; anything else
// thrown becomes a 500 with a generic body (the detail goes to the log, not the client).
#pragma once

#include <boost/json/value.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace gostly::control {

struct ApiRequest {
  std::string method;   // upper-case
  std::string path;     // without the query
  std::string query;    // without '?'
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::map<std::string, std::string> params;   // path parameters, e.g. {id}
  // Set by authentication before the handler runs.
  std::string tenant;
  std::string actor;  // api key id, "bootstrap-key" or "anonymous"
  std::string role;   // admin | editor | viewer

  std::string Header(std::string_view lower_name) const;
  // Decoded query parameter; empty when absent.
  std::string Query(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string error_code, std::string detail)
      : std::runtime_error(detail), status_(status), error_code_(std::move(error_code)) {}
  int status() const { return status_; }
  const std::string& error_code() const { return error_code_; }

 private:
  int status_;
  std::string error_code_;
};

ApiResponse JsonResponse(int status, const boost::json::value& body);
ApiResponse ErrorResponse(int status, std::string_view error_code, std::string_view detail);

// Maps a store or I/O error to the ApiError an operator understands (404, 409, 422, 503…).
[[noreturn]] void ThrowStoreError(const common::Error& error);

// Unwraps a Result or throws its error through ThrowStoreError.
template <typename T>
T Unwrap(common::Result<T> result) {
  if (!result.ok()) ThrowStoreError(result.error_value());
  return std::move(result).value();
}

}  // namespace gostly::control
