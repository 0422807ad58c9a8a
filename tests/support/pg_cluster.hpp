// A throw-away PostgreSQL cluster for tests: initdb into a fresh directory under /tmp, a
// `postgres` server on 127.0.0.1 (a free ephemeral port) and on a unix socket in that
// directory, tuned for speed (fsync off, small buffers), with the roles the application
// expects. The destructor stops the server and removes the directory.
//
// Binaries come from $GOSTLY_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin
// (Debian's `postgresql` package; scripts/install-deps.sh installs it). Missing binaries
// are an error with that advice, never a silent skip.
//
// PostgreSQL refuses to run as root. When the test runs as root, initdb and postgres run as
// the `postgres` system user (Debian's package creates it): the child processes drop to its
// uid/gid before exec, and the cluster directory is chowned to it. Otherwise they run as the
// current user.
//
// Roles (authentication is `trust`; the cluster only listens on loopback and a private
// socket directory):
//   gostly_admin  the bootstrap superuser; creates roles and databases
//   gostly_owner  owns each test database and its schema; runs migrations
//   gostly_app    LOGIN, NOSUPERUSER, NOBYPASSRLS, owns nothing: what the store uses
//
// The server is a child of the thread that calls Start(); it is killed (SIGQUIT, an
// immediate shutdown) if that thread dies, so start clusters from a long-lived thread (a
// test body or a gtest Environment, not a short-lived worker).
//
// Thread-safety: one thread owns a PgCluster; CreateDatabase may be called concurrently.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace gostly::test_support {

class PgCluster {
 public:
  static constexpr const char* kAdminRole = "gostly_admin";
  static constexpr const char* kOwnerRole = "gostly_owner";
  static constexpr const char* kAppRole = "gostly_app";

  // Creates, starts and prepares the cluster (roles). Throws std::runtime_error with the
  // reason (and the server log) when any step fails.
  PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  ~PgCluster();

  // Stops the server (fast shutdown: clients are disconnected) and waits for it to exit.
  // The data directory is kept, so Start() brings the same cluster back. Idempotent.
  void Stop();
  // Starts the server again on the same port after Stop(); waits until it accepts
  // connections. Throws std::runtime_error on failure.
  void Start();
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  const std::filesystem::path& socket_dir() const { return socket_dir_; }
  const std::filesystem::path& directory() const { return base_dir_; }

  // postgresql://ROLE@127.0.0.1:PORT/DATABASE
  std::string Url(const std::string& role, const std::string& database) const;
  // postgresql://ROLE@/DATABASE?host=SOCKET_DIR&port=PORT (unix socket)
  std::string SocketUrl(const std::string& role, const std::string& database) const;
  std::string AdminUrl(const std::string& database = "postgres") const {
    return Url(kAdminRole, database);
  }
  std::string OwnerUrl(const std::string& database) const { return Url(kOwnerRole, database); }
  std::string AppUrl(const std::string& database) const { return Url(kAppRole, database); }

  // Creates an empty database owned by gostly_owner and returns its name (unique in this
  // cluster). Cheap: a copy of template1. Throws std::runtime_error on failure.
  std::string CreateDatabase(const std::string& prefix = "gostly_test");

  // Runs SQL (one or more statements, no parameters) as gostly_admin on `database`.
  // Throws std::runtime_error with the server's message on failure.
  void ExecuteAsAdmin(const std::string& database, const std::string& sql) const;

  // The server log so far (for failure messages).
  std::string Log() const;

 private:
  void InitDb();
  // Launches postgres and waits until it answers; false (with the reason) when it exited
  // early, e.g. because the port was taken.
  bool Launch(std::string* why);
  void CreateRoles();
  pid_t SpawnAs(const std::vector<std::string>& argv, const std::filesystem::path& log) const;

  std::filesystem::path bin_dir_;
  std::filesystem::path base_dir_;
  std::filesystem::path data_dir_;
  std::filesystem::path socket_dir_;
  std::filesystem::path log_file_;
  bool drop_privileges_ = false;
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::mutex create_mu_;
  int databases_created_ = 0;  // guarded by create_mu_
};

}  // namespace gostly::test_support
