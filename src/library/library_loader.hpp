// Loads the local library (mocks/*.jsonl) or any directory of JSON Lines exchange files.
//
// Files are read in name order, lines in file order, so the result is chronological per
// file. A record without "service" takes its file's stem. A bad line is skipped and reported
// (file:line and the reason); a last line without '\n' that does not parse is a torn write
// from a crash: skipped with a "torn last line" warning, never fatal. I/O errors are reported
// and counted, never thrown.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "library/exchange.hpp"

namespace gostly::library {

struct LoadReport {
  std::size_t files = 0;
  std::size_t lines = 0;
  std::size_t loaded = 0;
  std::size_t skipped = 0;
  std::size_t torn = 0;        // torn last lines skipped
  std::size_t io_errors = 0;   // files that could not be read
  std::vector<std::string> warnings;  // one per skipped line or failed file
};

LoadReport LoadExchanges(const std::filesystem::path& dir, std::vector<Exchange>& out);

// Applies tombstones (exchanges with `deleted` set, appended when a mock is deleted): each
// removes every earlier exchange with its key (service, method, normalised URI, request
// body hash) and is itself removed; a recording made after the tombstone is kept. Order of
// the survivors is preserved. Returns the number of tombstones applied.
std::size_t ApplyTombstones(std::vector<Exchange>& exchanges);

}  // namespace gostly::library
