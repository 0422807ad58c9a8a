// A small pool of PostgreSQL connections for one URL. Connections are opened lazily, up to
// max_size; a caller that finds them all in use waits (bounded) for one to come back. A
// connection that comes back broken or inside a transaction is closed, not reused, so a
// server restart costs at most one failed statement per pooled connection (and the store
// retries that one, see PostgresStore::Run).
//
// Thread-safety: Acquire() may be called from any thread; a Lease is used by one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/pg_connection.hpp"

namespace gostly::store::postgres {

class PgPool {
 public:
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn, bool reused)
        : pool_(pool), conn_(std::move(conn)), reused_(reused) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    PgConnection& operator*() { return *conn_; }
    PgConnection* operator->() { return conn_.get(); }
    // True when the connection had served an earlier caller (it may have gone stale).
    bool reused() const { return reused_; }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
    bool reused_;
  };

  PgPool(std::string url, size_t max_size,
         std::chrono::milliseconds acquire_timeout = std::chrono::seconds(30));
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection for the caller's exclusive use until the Lease is destroyed.
  // kUnavailable when a new connection cannot be opened or none comes free in time.
  Result<Lease> Acquire();
  // Closes every idle connection: after one turned out dead (a server restart), the others
  // are most likely dead too.
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const size_t max_size_;
  const std::chrono::milliseconds acquire_timeout_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                   // idle + leased + opening; mu_
};

}  // namespace gostly::store::postgres
