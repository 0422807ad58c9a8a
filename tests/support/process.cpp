#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace gostly::test_support {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(10);

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string ResolveProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + program;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  throw std::runtime_error("program not found in PATH: " + program);
}

std::vector<std::string> BuildEnvironment(const SpawnOptions& options) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view kv = *entry;
    const auto name = kv.substr(0, kv.find('='));
    bool dropped = false;
    for (const auto& unset : options.unset_env) dropped = dropped || name == unset;
    for (const auto& [key, value] : options.env) dropped = dropped || name == key;
    if (!dropped) env.emplace_back(kv);
  }
  for (const auto& [key, value] : options.env) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> PointersTo(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Only async-signal-safe calls between fork and exec: everything is prepared beforehand.
[[noreturn]] void ExecChild(const char* program, char* const* argv, char* const* envp,
                            const char* output_file, const char* working_dir, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);  // the test binary is already gone
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
  const int out = output_file != nullptr
                      ? ::open(output_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
                      : ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (out >= 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
  }
  if (working_dir != nullptr && ::chdir(working_dir) != 0) {
    static constexpr char kMsg[] = "spawn: chdir failed\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  // Signals the test binary ignores or blocks must not leak into the child.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execve(program, argv, envp);
  static constexpr char kMsg[] = "spawn: execve failed\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMsg, sizeof(kMsg) - 1);
  ::_exit(127);
}

}  // namespace

std::vector<std::string> SpawnOptions::DefaultScrubbedEnv() {
  return {"BACKEND_URL",        "PROXY_PORT",         "BIND_ADDRESS",
          "PORT_FILE",          "DATA_DIR",           "MOCK_DIR",
          "MODE_FILE_PATH",     "INITIAL_MODE",       "ROUTES_FILE",
          "MAX_BODY_BYTES",     "UPSTREAM_TIMEOUT_MS", "IDLE_TIMEOUT_MS",
          "HEADER_TIMEOUT_MS",  "PROXY_THREADS",      "GHOST_API_KEY",
          "ACCEPT_INVALID_CERTS", "SMART_SWAP_ENABLED", "LOG_LEVEL",
          "LOG_FORMAT",         "DATABASE_URL",       "ENABLE_TLS_INTERCEPTION",
          "ENABLE_RAG",         "ENABLE_GENERATION",  "LLAMACPP_ENDPOINT",
          "GOSTLY_LICENSE_KEY", "ENABLE_AI_MOCK_REPAIR",
          "INFERENCE_PREWARM_QUEUE_CAPACITY", "HTTP_PROXY", "HTTPS_PROXY",
          "http_proxy",         "https_proxy",        "ALL_PROXY", "NO_PROXY", "no_proxy"};
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      exit_status_(std::exchange(other.exit_status_, std::nullopt)),
      output_file_(std::move(other.output_file_)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    Stop();
    pid_ = std::exchange(other.pid_, -1);
    exit_status_ = std::exchange(other.exit_status_, std::nullopt);
    output_file_ = std::move(other.output_file_);
  }
  return *this;
}

ChildProcess::~ChildProcess() { Stop(); }

ChildProcess ChildProcess::Spawn(const SpawnOptions& options) {
  const std::string program = ResolveProgram(options.program);
  std::vector<std::string> argv_strings;
  argv_strings.push_back(program);
  argv_strings.insert(argv_strings.end(), options.args.begin(), options.args.end());
  std::vector<std::string> env_strings = BuildEnvironment(options);
  std::vector<char*> argv = PointersTo(argv_strings);
  std::vector<char*> envp = PointersTo(env_strings);
  const std::string output = options.output_file.string();
  const std::string working_dir = options.working_dir.string();
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ExecChild(program.c_str(), argv.data(), envp.data(),
              output.empty() ? nullptr : output.c_str(),
              working_dir.empty() ? nullptr : working_dir.c_str(), parent);
  }
  ChildProcess child;
  child.pid_ = pid;
  child.output_file_ = options.output_file;
  return child;
}

bool ChildProcess::Running() {
  if (pid_ <= 0 || exit_status_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_status_ = DecodeWaitStatus(status);
    return false;
  }
  if (r < 0 && errno == ECHILD) {
    exit_status_ = -1;
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_status_;
}

std::optional<int> ChildProcess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  if (!Running()) return exit_status_;
  ::kill(pid_, SIGTERM);
  if (auto status = WaitForExit(grace)) return status;
  return KillNow();
}

std::optional<int> ChildProcess::KillNow() {
  if (pid_ <= 0) return std::nullopt;
  if (!Running()) return exit_status_;
  ::kill(pid_, SIGKILL);
  int status = 0;
  // SIGKILL cannot be caught; the blocking wait ends as soon as the kernel reaps it.
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) {
      exit_status_ = -1;
      return exit_status_;
    }
  }
  exit_status_ = DecodeWaitStatus(status);
  return exit_status_;
}

std::string ChildProcess::Output() const {
  return output_file_.empty() ? std::string() : ReadFile(output_file_);
}

std::optional<std::uint16_t> WaitForPortFile(const std::filesystem::path& port_file,
                                             ChildProcess& child,
                                             std::chrono::milliseconds timeout,
                                             std::string* why) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::string text = ReadFile(port_file);
    if (!text.empty() && text.back() == '\n') {
      char* end = nullptr;
      const long port = std::strtol(text.c_str(), &end, 10);
      if (end != text.c_str() && port > 0 && port <= 65535) {
        return static_cast<std::uint16_t>(port);
      }
      if (why != nullptr) *why = "port file holds no port: '" + text + "'";
      return std::nullopt;
    }
    if (!child.Running()) {
      if (why != nullptr) {
        *why = "process exited with status " + std::to_string(child.exit_status().value_or(-1)) +
               " before writing " + port_file.string();
      }
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (why != nullptr) {
        *why = "no port in " + port_file.string() + " after " +
               std::to_string(timeout.count()) + " ms";
      }
      return std::nullopt;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

CommandResult RunCommand(const std::string& program, const std::vector<std::string>& args,
                         const std::filesystem::path& scratch_dir,
                         std::chrono::milliseconds timeout) {
  static int sequence = 0;
  SpawnOptions options;
  options.program = program;
  options.args = args;
  options.output_file = scratch_dir / ("command-" + std::to_string(++sequence) + ".out");
  options.working_dir = scratch_dir;
  CommandResult result;
  ChildProcess child = ChildProcess::Spawn(options);
  if (auto status = child.WaitForExit(timeout)) {
    result.exit_status = *status;
  } else {
    result.timed_out = true;
    child.KillNow();
  }
  result.output = child.Output();
  return result;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace gostly::test_support
