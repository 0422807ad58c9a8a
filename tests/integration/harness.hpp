// Integration-test harness: the real `gostly` binary and the real test upstream as child
// processes on loopback, each on an ephemeral port (--port 0 --port-file), each test in its
// own temporary directory. Processes are owned by RAII guards and stopped by PID.
//
// Single-threaded: each test drives its processes from the test thread.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace gostly::integration {

using test_support::ChildProcess;
using test_support::EnvList;
using test_support::HeaderList;
using test_support::HttpResponse;
using test_support::TempDir;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The request headers whose values must never reach disk, and the values themselves.
inline const HeaderList kSecretHeaders = {
    {"Authorization", "Bearer sekrit-token-123"},
    {"Cookie", "session=cookie-secret-456"},
    {"X-Api-Key", "key-secret-789"},
};
inline const std::vector<std::string> kSecretValues = {
    "sekrit-token-123", "cookie-secret-456", "key-secret-789",
    // what gostly_test_upstream sends in Set-Cookie from /set-cookie
    "upstream-cookie-alpha", "upstream-cookie-beta",
};

// The test upstream (tests/support/rest_server.cpp).
// Fixture base: a fresh work directory per test, named after the suite; data_dir() is where
// the proxy under test keeps its files.
class WorkDirTest : public ::testing::Test {
 protected:
  WorkDirTest() : work_("gostly-it-" + SuiteName()) {}
  // Parameterised suites are named "Prefix/Suite": no '/' in a directory name.
  static std::string SuiteName() {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name();
    for (char& c : name) c = c == '/' ? '-' : c;
    return name;
  }
  fs::path data_dir() const { return work_ / "data"; }
  TempDir work_;
};

class UpstreamProcess {
 public:
  struct Options {
    std::string name = "upstream";
    fs::path tls_cert = {};  // both set: serve HTTPS
    fs::path tls_key = {};
  };

  // Starts it and waits (bounded) for its port. On failure ok() is false and the reason is
  // in why(); tests use ASSERT_TRUE(upstream.ok()) << upstream.why().
  UpstreamProcess(const fs::path& work_dir, Options options);
  explicit UpstreamProcess(const fs::path& work_dir)
      : UpstreamProcess(work_dir, Options{}) {}

  bool ok() const { return port_ != 0; }
  const std::string& why() const { return why_; }
  std::uint16_t port() const { return port_; }
  std::string url() const;  // http(s)://127.0.0.1:<port>
  std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }
  void Stop();

 private:
  bool tls_ = false;
  std::uint16_t port_ = 0;
  std::string why_;
  ChildProcess process_;
};

struct ProxyOptions {
  fs::path data_dir = {};              // --data-dir
  EnvList env = {};                    // e.g. {"BACKEND_URL", upstream.url()}
  std::vector<std::string> args = {};  // extra flags after `proxy`
  bool up = false;                     // run `gostly up` (proxy + control plane) instead
};

// `gostly proxy --port 0 --port-file <work>/proxy-N.port --data-dir <data_dir>`; with
// `up`, `gostly up … --control-port 0 --control-port-file <work>/proxy-N.control-port`.
class ProxyProcess {
 public:
  ProxyProcess(const fs::path& work_dir, ProxyOptions options);

  // Starts (or restarts, with the same options) and waits up to 15 s for the port file.
  // False, with the reason and the log tail in *why, when it does not come up.
  [[nodiscard]] bool Start(std::string* why = nullptr);
  std::optional<int> Stop();   // SIGTERM, then SIGKILL after 10 s; the exit status
  std::optional<int> Kill9();  // a crash
  bool Running() { return process_.Running(); }
  ChildProcess& process() { return process_; }

  ProxyOptions& options() { return options_; }
  std::uint16_t port() const { return port_; }
  std::uint16_t control_port() const { return control_port_; }
  std::string Log() const;  // stdout+stderr of every start so far

  HttpResponse Send(std::string_view method, std::string_view target,
                    std::string_view body = {}, const HeaderList& headers = {}) const;
  HttpResponse Get(std::string_view target, const HeaderList& headers = {}) const;

  // A request to the control plane (options().up only).
  HttpResponse Control(std::string_view method, std::string_view target,
                       std::string_view body = {}, const HeaderList& headers = {}) const;

  // GET /ghost/mode → its "mode" field; empty when the call fails.
  std::string Mode(const HeaderList& headers = {}) const;
  // POST /ghost/mode {"mode": mode}.
  HttpResponse SetMode(std::string_view mode, const HeaderList& headers = {}) const;

 private:
  fs::path work_dir_;
  fs::path port_file_;
  fs::path control_port_file_;
  fs::path log_file_;
  ProxyOptions options_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
  ChildProcess process_;
};

// Asserts the proxy starts; the message carries its log.
#define ASSERT_PROXY_STARTS(proxy)                       \
  do {                                                   \
    std::string why_not_started_;                        \
    ASSERT_TRUE((proxy).Start(&why_not_started_)) << why_not_started_; \
  } while (0)

// Parses a body as JSON; null when it is not JSON.
json::value ParseJson(std::string_view text);

// Every line of a JSON Lines file that parses as an object (a torn line is left out).
std::vector<json::object> ReadJsonLines(const fs::path& path);

// A string field of a JSON object, or "" when absent or not a string.
std::string StringField(const json::value& value, std::string_view key);

// True when some record has this method and a uri equal to `uri`.
bool HasRecord(const std::vector<json::object>& records, std::string_view method,
               std::string_view uri);

// All regular files below dir, recursively.
std::vector<fs::path> FilesUnder(const fs::path& dir);

// Writes `text` to path (truncating).
void WriteFile(const fs::path& path, std::string_view text);
void AppendFile(const fs::path& path, std::string_view text);

// Calls `done` every `interval` until it is true or `timeout` passes; returns its last value.
template <class Predicate>
bool PollUntil(Predicate done, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = 50ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

// The status code of a raw HTTP response ("HTTP/1.1 431 ..."), 0 when there is none.
int RawStatus(std::string_view received);

// One summary line of a response for assertion messages.
std::string Describe(const HttpResponse& response);

std::string ToLower(std::string_view text);

}  // namespace gostly::integration
