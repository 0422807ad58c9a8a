#include "support/pg_cluster.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

namespace gostly::test_support {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kInitDbTimeout = std::chrono::seconds(120);
constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string Tail(const std::string& text, size_t max = 4000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

// The newest Debian server installation, or $GOSTLY_PG_BIN.
std::filesystem::path FindBinDir() {
  const char* env = std::getenv("GOSTLY_PG_BIN");
  if (env != nullptr && *env != '\0') {
    if (std::filesystem::exists(std::filesystem::path(env) / "postgres")) return env;
    throw std::runtime_error(std::string("GOSTLY_PG_BIN=") + env +
                             " does not contain the postgres server binary");
  }
  std::filesystem::path best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long version = std::strtol(name.c_str(), &end, 10);
    if (end == name.c_str()) continue;
    const auto bin = entry.path() / "bin";
    if (!std::filesystem::exists(bin / "initdb") || !std::filesystem::exists(bin / "postgres")) {
      continue;
    }
    if (version > best_version) {
      best_version = version;
      best = bin;
    }
  }
  if (best.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries not found (looked for /usr/lib/postgresql/<version>/bin/"
        "initdb and postgres): install the `postgresql` package (scripts/install-deps.sh "
        "does), or set GOSTLY_PG_BIN to a directory holding initdb and postgres");
  }
  return best;
}

uint16_t FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind 127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits up to `timeout` for `pid` to exit; its status, or -1 when it is still running.
int WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return DecodeWaitStatus(status);
    if (r < 0 && errno != EINTR) return 255;  // not our child any more: treat as gone
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(kPoll);
  }
}

struct PgConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};

}  // namespace

PgCluster::PgCluster() {
  bin_dir_ = FindBinDir();
  drop_privileges_ = ::geteuid() == 0;
  if (drop_privileges_) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwnam_r("postgres", &pw, buffer.data(), buffer.size(), &found) != 0 ||
        found == nullptr) {
      throw std::runtime_error(
          "running as root, PostgreSQL must run as an unprivileged user, but there is no "
          "`postgres` system user: install the `postgresql` package (it creates the user) or "
          "run the tests as an ordinary user");
    }
    run_uid_ = pw.pw_uid;
    run_gid_ = pw.pw_gid;
  }

  // Under /tmp (not $TMPDIR) when root: the postgres user must be able to reach it, and a
  // unix socket path must stay short.
  std::string pattern = "/tmp/gostly-pg-XXXXXX";
  if (!drop_privileges_) {
    const char* tmpdir = std::getenv("TMPDIR");
    if (tmpdir != nullptr && *tmpdir != '\0' && std::strlen(tmpdir) < 60) {
      pattern = std::string(tmpdir) + "/gostly-pg-XXXXXX";
    }
  }
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  base_dir_ = name.data();
  data_dir_ = base_dir_ / "data";
  socket_dir_ = base_dir_ / "sock";
  log_file_ = base_dir_ / "postgres.log";
  try {
    std::filesystem::create_directory(socket_dir_);
    ::chmod(base_dir_.c_str(), 0755);
    ::chmod(socket_dir_.c_str(), 0755);
    if (drop_privileges_) {
      for (const auto& dir : {base_dir_, socket_dir_}) {
        if (::chown(dir.c_str(), run_uid_, run_gid_) != 0) {
          throw std::system_error(errno, std::generic_category(),
                                  "chown " + dir.string() + " to postgres");
        }
      }
    }
    InitDb();
    std::string why;
    bool started = false;
    for (int attempt = 0; attempt < 3 && !started; ++attempt) {
      port_ = FreeLoopbackPort();
      started = Launch(&why);
    }
    if (!started) throw std::runtime_error("PostgreSQL did not start: " + why);
    CreateRoles();
  } catch (...) {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(base_dir_, ec);
    throw;
  }
}

PgCluster::~PgCluster() {
  Stop();
  const char* keep = std::getenv("GOSTLY_KEEP_TEST_DIRS");
  if (keep != nullptr && *keep != '\0' && *keep != '0') {
    std::cerr << "kept PostgreSQL test cluster " << base_dir_ << std::endl;
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(base_dir_, ec);
}

pid_t PgCluster::SpawnAs(const std::vector<std::string>& args,
                         const std::filesystem::path& log) const {
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls.
  std::vector<std::string> argv_strings = args;
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A clean environment: no PG* variables from the developer's shell, C locale.
  std::vector<std::string> env_strings = {"PATH=/usr/bin:/bin", "LC_ALL=C", "LANG=C",
                                          "TZ=UTC"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string log_path = log.string();
  const std::string work_dir = base_dir_.string();
  const bool drop = drop_privileges_;
  const uid_t uid = run_uid_;
  const gid_t gid = run_gid_;
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid != 0) return pid;

  auto fail = [](const char* message) {
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, std::strlen(message));
    ::_exit(127);
  };
  const int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out >= 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
  }
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
  if (drop) {
    if (::setgroups(1, &gid) != 0) fail("pg_cluster: setgroups failed\n");
    if (::setgid(gid) != 0) fail("pg_cluster: setgid failed\n");
    if (::setuid(uid) != 0) fail("pg_cluster: setuid failed\n");
  }
  // After the credential change (which clears it): the server must not outlive the test.
  // SIGQUIT is PostgreSQL's immediate shutdown; it also ends the server's own children.
  ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
  if (::getppid() != parent) ::_exit(126);
  if (::chdir(work_dir.c_str()) != 0) fail("pg_cluster: chdir failed\n");
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::execve(argv[0], argv.data(), envp.data());
  fail("pg_cluster: execve failed\n");
  return -1;  // not reached
}

void PgCluster::InitDb() {
  const auto log = base_dir_ / "initdb.log";
  const pid_t pid = SpawnAs({(bin_dir_ / "initdb").string(), "-D", data_dir_.string(), "-U",
                             kAdminRole, "--auth=trust", "-E", "UTF8", "--locale=C",
                             "--no-sync"},
                            log);
  const int status = WaitFor(pid, kInitDbTimeout);
  if (status == -1) {
    ::kill(pid, SIGKILL);
    WaitFor(pid, std::chrono::seconds(5));
    throw std::runtime_error("initdb did not finish within " +
                             std::to_string(kInitDbTimeout.count()) + " s:\n" +
                             Tail(ReadAll(log)));
  }
  if (status != 0) {
    throw std::runtime_error("initdb failed (exit status " + std::to_string(status) + "):\n" +
                             Tail(ReadAll(log)));
  }
}

bool PgCluster::Launch(std::string* why) {
  const std::string port = std::to_string(port_);
  pid_ = SpawnAs({(bin_dir_ / "postgres").string(), "-D", data_dir_.string(), "-p", port,
                  "-c", "listen_addresses=127.0.0.1",
                  "-c", "unix_socket_directories=" + socket_dir_.string(),
                  "-c", "fsync=off", "-c", "synchronous_commit=off",
                  "-c", "full_page_writes=off", "-c", "shared_buffers=16MB",
                  "-c", "max_connections=200", "-c", "wal_level=minimal",
                  "-c", "max_wal_senders=0", "-c", "huge_pages=off",
                  "-c", "logging_collector=off", "-c", "log_min_messages=warning"},
                 log_file_);
  const std::string conninfo = "host=127.0.0.1 port=" + port + " user=" + kAdminRole +
                               " dbname=postgres connect_timeout=2";
  const auto deadline = Clock::now() + kStartTimeout;
  for (;;) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      *why = "postgres exited with status " + std::to_string(DecodeWaitStatus(status)) +
             " on port " + port + ":\n" + Tail(Log());
      return false;
    }
    if (Clock::now() >= deadline) {
      Stop();
      *why = "postgres did not accept connections within " +
             std::to_string(kStartTimeout.count()) + " s:\n" + Tail(Log());
      return false;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

void PgCluster::Start() {
  if (running()) return;
  std::string why;
  if (!Launch(&why)) throw std::runtime_error("PostgreSQL did not restart: " + why);
}

void PgCluster::Stop() {
  if (pid_ <= 0) return;
  // SIGINT is a fast shutdown: sessions are disconnected (SIGTERM would wait for them).
  ::kill(pid_, SIGINT);
  int status = WaitFor(pid_, kStopTimeout);
  if (status == -1) {
    ::kill(pid_, SIGQUIT);
    status = WaitFor(pid_, std::chrono::seconds(5));
  }
  if (status == -1) {
    ::kill(pid_, SIGKILL);
    WaitFor(pid_, std::chrono::seconds(5));
  }
  pid_ = -1;
}

void PgCluster::CreateRoles() {
  ExecuteAsAdmin("postgres",
                 std::string("CREATE ROLE ") + kOwnerRole +
                     " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;"
                     "CREATE ROLE " + kAppRole +
                     " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;");
}

std::string PgCluster::Url(const std::string& role, const std::string& database) const {
  return "postgresql://" + role + "@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PgCluster::SocketUrl(const std::string& role, const std::string& database) const {
  return "postgresql://" + role + "@/" + database + "?host=" + socket_dir_.string() +
         "&port=" + std::to_string(port_);
}

std::string PgCluster::CreateDatabase(const std::string& prefix) {
  std::string name;
  {
    std::lock_guard lock(create_mu_);
    name = prefix + "_" + std::to_string(++databases_created_);
  }
  // Names come from this code (prefix is a test's literal), so plain concatenation is safe;
  // the quotes keep upper-case letters.
  ExecuteAsAdmin("postgres", "CREATE DATABASE \"" + name + "\" OWNER " + kOwnerRole);
  return name;
}

void PgCluster::ExecuteAsAdmin(const std::string& database, const std::string& sql) const {
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " user=" +
                               kAdminRole + " dbname=" + database + " connect_timeout=10";
  std::unique_ptr<PGconn, PgConnCloser> conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to the test cluster as " +
                             std::string(kAdminRole) + ": " +
                             (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, PgResultCloser> result(PQexec(conn.get(), sql.c_str()));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("SQL failed on the test cluster (" + sql.substr(0, 200) +
                             "): " + PQerrorMessage(conn.get()));
  }
}

std::string PgCluster::Log() const { return ReadAll(log_file_); }

}  // namespace gostly::test_support
