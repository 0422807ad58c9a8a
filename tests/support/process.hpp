// Child processes for integration tests: spawn with arguments and environment, capture
// output to a file, wait for a port file, and stop by PID — SIGTERM, then SIGKILL after a
// bounded wait. ChildProcess is a RAII guard: a test never leaks a process, even when an
// assertion returns early. Children also get PR_SET_PDEATHSIG, so they die with the test
// binary if it crashes.
//
// Not thread-safe: one ChildProcess is owned and used by one test thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gostly::test_support {

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct SpawnOptions {
  std::string program;             // a path, or a bare name looked up in PATH
  std::vector<std::string> args;   // argv[1..]
  EnvList env;                     // set (or override) in the child's environment
  // Removed from the inherited environment before `env` applies. By default every variable
  // the proxy reads, so a developer's shell cannot change what a test sees.
  std::vector<std::string> unset_env = DefaultScrubbedEnv();
  std::filesystem::path output_file;  // stdout and stderr appended here; empty: /dev/null
  std::filesystem::path working_dir;  // empty: inherit

  static std::vector<std::string> DefaultScrubbedEnv();
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();  // Stop() if still running

  // Forks and execs. Throws std::runtime_error when fork fails or the program is not
  // found; an exec failure in the child shows as exit code 127 with a message in the output.
  static ChildProcess Spawn(const SpawnOptions& options);

  pid_t pid() const { return pid_; }
  bool valid() const { return pid_ > 0; }
  const std::filesystem::path& output_file() const { return output_file_; }

  // True while the child has not exited (reaps it if it has).
  bool Running();

  // Waits up to `timeout` for the child to exit. Returns its exit status: the exit code,
  // or 128 + signal number when a signal ended it; nullopt when it is still running.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

  // SIGTERM, wait up to `grace`, then SIGKILL and reap. Returns the exit status as above
  // (nullopt if there was no child). Idempotent.
  std::optional<int> Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  // SIGKILL now and reap: a crash, for durability tests. Returns the exit status.
  std::optional<int> KillNow();

  // The exit status once the child has been reaped.
  std::optional<int> exit_status() const { return exit_status_; }

  // Everything the child wrote so far (empty without an output file).
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::filesystem::path output_file_;
};

// Polls `port_file` (every 10 ms) until it holds a complete line with a port number, the
// child exits, or `timeout` passes. Returns the port, or nullopt (and the reason in `why`).
std::optional<std::uint16_t> WaitForPortFile(const std::filesystem::path& port_file,
                                             ChildProcess& child,
                                             std::chrono::milliseconds timeout,
                                             std::string* why = nullptr);

struct CommandResult {
  int exit_status = -1;  // as ChildProcess::WaitForExit; -1 when it timed out
  bool timed_out = false;
  std::string output;    // stdout and stderr
};

// Runs a command to completion (killed after `timeout`). Output goes through a file in
// `scratch_dir`.
CommandResult RunCommand(const std::string& program, const std::vector<std::string>& args,
                         const std::filesystem::path& scratch_dir,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Reads a whole file; empty when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

}  // namespace gostly::test_support
