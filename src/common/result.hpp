// Result type for expected failures: a value or an operator-readable error message.
// Used on paths where exceptions are not allowed (the proxy hot path, loaders).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace gostly::common {

// What kind of failure an Error is, so callers can map it (an HTTP status, a retry).
enum class ErrorCode {
  kUnspecified,
  kInvalidArgument,     // the caller's input is wrong; do not retry unchanged
  kNotFound,            // the named thing does not exist
  kConflict,            // exists already, or a rule of the data refuses the change
  kUnavailable,         // a dependency (database, upstream) is unreachable; retry later
  kFailedPrecondition,  // the system is not in a state that allows it (e.g. schema too new)
};

struct Error {
  std::string message;
  ErrorCode code = ErrorCode::kUnspecified;
};

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const std::string& error() const { return std::get<1>(v_).message; }
  ErrorCode error_code() const { return std::get<1>(v_).code; }
  const Error& error_value() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error MakeError(std::string message, ErrorCode code = ErrorCode::kUnspecified) {
  return Error{std::move(message), code};
}

// For operations that return nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace gostly::common
