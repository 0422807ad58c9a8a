#include "library/library_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>
#include <unordered_set>

#include "common/body_codec.hpp"
#include "library/uri_template.hpp"

namespace gostly::library {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kChunkSize = 1 << 20;

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class FileLoader {
 public:
  FileLoader(const fs::path& path, std::vector<Exchange>& out, LoadReport& report)
      : name_(path.string()), stem_(path.stem().string()), out_(out), report_(report) {}

  void Run() {
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(name_.c_str(), "rb"));
    if (!file) {
      IoError("cannot open", errno, "file skipped");
      return;
    }
    ++report_.files;
    // Lines are handled in place inside each chunk; only a line that straddles two chunks
    // is copied into `carry`.
    std::unique_ptr<char[]> chunk(new char[kChunkSize]);
    std::string carry;
    while (true) {
      std::size_t got = std::fread(chunk.get(), 1, kChunkSize, file.get());
      if (got == 0) {
        if (std::ferror(file.get())) {
          IoError("read failed", errno, "lines after the failure not loaded");
          return;
        }
        break;
      }
      std::string_view data(chunk.get(), got);
      std::size_t start = 0;
      while (true) {
        std::size_t newline = data.find('\n', start);
        if (newline == std::string_view::npos) break;
        std::string_view piece = data.substr(start, newline - start);
        if (carry.empty()) {
          Line(piece);
        } else {
          carry.append(piece);
          Line(carry);
          carry.clear();
        }
        start = newline + 1;
      }
      carry.append(data.substr(start));
    }
    if (!IsBlank(carry)) LastUnterminatedLine(carry);
  }

 private:
  void Line(std::string_view line) {
    ++line_number_;
    if (IsBlank(line)) return;
    ++report_.lines;
    auto decoded = DecodeExchangeLine(line);
    if (!decoded) {
      ++report_.skipped;
      report_.warnings.push_back(name_ + ":" + std::to_string(line_number_) + ": " +
                                 decoded.error() + "; line skipped");
      return;
    }
    Add(std::move(decoded).value());
  }

  // A crash mid-append leaves a partial record without its '\n'. That is expected after
  // an unclean shutdown, so it is reported distinctly from a corrupt line.
  void LastUnterminatedLine(std::string_view line) {
    ++line_number_;
    ++report_.lines;
    auto decoded = DecodeExchangeLine(line);
    if (!decoded) {
      ++report_.skipped;
      ++report_.torn;
      report_.warnings.push_back(name_ + ": torn last line skipped (" +
                                 std::to_string(line.size()) + " bytes)");
      return;
    }
    Add(std::move(decoded).value());
  }

  void Add(Exchange exchange) {
    if (exchange.service.empty()) exchange.service = stem_;
    out_.push_back(std::move(exchange));
    ++report_.loaded;
  }

  void IoError(const char* what, int error, const char* consequence) {
    ++report_.io_errors;
    report_.warnings.push_back(name_ + ": " + what + ": " + std::generic_category().message(error) +
                               "; " + consequence);
  }

  std::string name_;
  std::string stem_;
  std::vector<Exchange>& out_;
  LoadReport& report_;
  std::size_t line_number_ = 0;
};

}  // namespace

LoadReport LoadExchanges(const fs::path& dir, std::vector<Exchange>& out) {
  LoadReport report;
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (ec) {
      ++report.io_errors;
      report.warnings.push_back(dir.string() + ": cannot access: " + ec.message());
    } else {
      report.warnings.push_back(dir.string() + ": directory does not exist; nothing loaded");
    }
    return report;
  }

  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    ++report.io_errors;
    report.warnings.push_back(dir.string() + ": cannot list directory: " + ec.message());
    return report;
  }
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    if (path.extension() != ".jsonl") continue;
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    files.push_back(path);
  }
  if (ec) {
    ++report.io_errors;
    report.warnings.push_back(dir.string() + ": listing stopped early: " + ec.message());
  }
  std::sort(files.begin(), files.end());

  for (const fs::path& file : files) FileLoader(file, out, report).Run();
  return report;
}

std::size_t ApplyTombstones(std::vector<Exchange>& exchanges) {
  std::size_t tombstones = 0;
  for (const Exchange& ex : exchanges) tombstones += ex.deleted ? 1 : 0;
  if (tombstones == 0) return 0;
  // Walk newest first: a tombstone hides the same key for everything older than itself.
  std::unordered_set<std::string> removed;
  std::vector<bool> keep(exchanges.size(), true);
  std::string key;
  for (std::size_t i = exchanges.size(); i-- > 0;) {
    const Exchange& ex = exchanges[i];
    key.clear();
    key += ex.service;
    key += '\n';
    for (char c : ex.method) key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    key += '\n';
    key += NormalizeTarget(ex.uri);
    key += '\n';
    key += std::to_string(common::BodyHash(ex.request_body));
    if (ex.deleted) {
      removed.insert(key);
      keep[i] = false;
    } else if (removed.contains(key)) {
      keep[i] = false;
    }
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < exchanges.size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) exchanges[out] = std::move(exchanges[i]);
    ++out;
  }
  exchanges.resize(out);
  return tombstones;
}

}  // namespace gostly::library
