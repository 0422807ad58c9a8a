#include "store/postgres/pg_pool.hpp"

namespace gostly::store::postgres {

PgPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_) pool_->Release(std::move(conn_));
}

PgPool::PgPool(std::string url, size_t max_size, std::chrono::milliseconds acquire_timeout)
    : url_(std::move(url)), max_size_(max_size), acquire_timeout_(acquire_timeout) {}

Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    const bool got = freed_.wait_for(lock, acquire_timeout_,
                                     [&] { return !idle_.empty() || open_ < max_size_; });
    if (!got) {
      return common::MakeError("PostgreSQL is unavailable: all " + std::to_string(max_size_) +
                                   " pooled connections stayed busy for " +
                                   std::to_string(acquire_timeout_.count()) + " ms",
                               ErrorCode::kUnavailable);
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn), true);
    }
    ++open_;  // reserve the slot; the connect itself happens without the lock
  }
  auto opened = PgConnection::Open(url_);
  if (!opened) {
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
    return opened.error_value();
  }
  return Lease(this, std::move(opened).value(), false);
}

void PgPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> dropped;
  {
    std::lock_guard lock(mu_);
    dropped.swap(idle_);
    open_ -= dropped.size();
    freed_.notify_all();
  }
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  conn->RollbackQuietly();
  const bool keep = conn->Healthy();
  if (!keep) conn.reset();  // PQfinish before taking the lock
  std::lock_guard lock(mu_);
  if (keep) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  freed_.notify_one();
}

}  // namespace gostly::store::postgres
