// Explicit response sequences (issue 5, DESIGN §12 "Explicit sequences can also be defined
// through the API"): for one route (service, method, path), answer the listed responses in
// turn, then loop or stick on the last. Defined through /ghost/sequences, persisted as one
// JSON file; the position of each sequence is kept in memory (a restart starts over).
//
// In MOCK they come first in the cascade: a sequence is a deliberate instruction, it wins
// over anything recorded. Thread-safe; an empty store costs one relaxed atomic load.
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace gostly::state {

struct SequenceResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Sequence {
  std::string id;
  std::string service = "default";
  std::string method;  // upper-case
  std::string path;    // matched exactly, without the query string
  std::vector<SequenceResponse> responses;
  bool loop = false;   // false: stick on the last response
  std::size_t position = 0;  // the next response to serve (not persisted)
};

struct SequenceAnswer {
  SequenceResponse response;
  std::string id;
  std::size_t index = 0;  // 0-based
  std::size_t count = 0;
};

// A sequence from its API form: {"service"?, "method", "path", "responses": [{"status",
// "headers"?: {name: value}, "body"?: string | any JSON}], "mode"?: "stick" | "loop"}.
// Errors name the field.
common::Result<Sequence> SequenceFromJson(const boost::json::value& value);
boost::json::object SequenceToJson(const Sequence& sequence);

class SequenceStore {
 public:
  // `file` holds the definitions ("" keeps them in memory only). Load() reads it.
  explicit SequenceStore(std::filesystem::path file);
  common::Status Load();

  // The next answer for this request, advancing the sequence.
  std::optional<SequenceAnswer> Next(std::string_view service, std::string_view method,
                                     std::string_view target);

  // Adds (or replaces the one with the same service, method and path); assigns an id.
  common::Result<Sequence> Put(Sequence sequence);
  std::vector<Sequence> List() const;
  bool Reset(std::string_view id);  // "" resets every sequence; false when unknown
  // "" removes every sequence; false when unknown; an error when the file cannot be written.
  common::Result<bool> Remove(std::string_view id);

 private:
  common::Status SaveLocked() const;

  std::filesystem::path file_;
  mutable std::mutex mu_;
  std::vector<Sequence> sequences_;
  std::size_t next_id_ = 1;
  std::atomic<std::size_t> count_{0};
};

}  // namespace gostly::state
