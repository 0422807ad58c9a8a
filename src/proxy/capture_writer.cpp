#include "proxy/capture_writer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gostly::proxy {

CaptureWriter::CaptureWriter(std::size_t capacity, common::Counter* io_errors)
    : capacity_(capacity), io_errors_(io_errors), thread_([this] { Run(); }) {}

CaptureWriter::~CaptureWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& [path, fd] : fds_) ::close(fd);
}

bool CaptureWriter::TryReserve() {
  std::size_t cur = reserved_.load(std::memory_order_relaxed);
  while (cur < capacity_) {
    if (reserved_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void CaptureWriter::Release() { reserved_.fetch_sub(1, std::memory_order_relaxed); }

void CaptureWriter::Enqueue(std::vector<CaptureRecord> records, std::unique_ptr<Completion> done,
                            bool wake) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Job{std::move(records), std::move(done)});
    depth_.store(queue_.size(), std::memory_order_relaxed);
  }
  if (wake) Wake();
}

void CaptureWriter::Wake() {
  {
    std::lock_guard lock(mu_);
    if (!writer_waiting_) return;  // busy: it takes the queue when its pass ends
  }
  cv_.notify_one();
}

void CaptureWriter::ScheduleWake(const boost::asio::any_io_executor& ex) {
  // One pending wake-up per (thread, writer). Threads are I/O threads with one io_context
  // each, so "this thread's next turn" is the executor's queue.
  thread_local std::vector<const CaptureWriter*> pending;
  if (std::find(pending.begin(), pending.end(), this) != pending.end()) return;
  pending.push_back(this);
  boost::asio::post(ex, [this] {
    pending.erase(std::find(pending.begin(), pending.end(), this));
    Wake();
  });
}

void CaptureWriter::AppendDetached(std::vector<CaptureRecord> records) {
  Enqueue(std::move(records), nullptr, true);
}

int CaptureWriter::OpenFor(const std::filesystem::path& file) {
  auto key = file.string();
  if (auto it = fds_.find(key); it != fds_.end()) return it->second;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  int fd = ::open(key.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  fds_.emplace(key, fd);
  return fd;
}

bool CaptureWriter::WriteAll(const std::filesystem::path& file, const std::string& data) {
  int fd = OpenFor(file);
  if (fd < 0) {
    spdlog::error("capture: cannot open {}: {}; check the data directory's permissions and space",
                  file.string(), std::strerror(errno));
    return false;
  }
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("capture: write to {} failed: {}", file.string(), std::strerror(errno));
      // Reopen next time: the file may have been removed or the disk remounted.
      ::close(fd);
      fds_.erase(file.string());
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  return true;
}

void CaptureWriter::Run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      writer_waiting_ = true;
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      writer_waiting_ = false;
      if (queue_.empty() && stop_) return;
      batch.clear();
      while (!queue_.empty()) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      depth_.store(0, std::memory_order_relaxed);
    }
    // Group commit: concatenate lines per file, keeping arrival order within each file.
    std::vector<std::pair<std::filesystem::path, std::string>> per_file;
    std::vector<std::vector<std::size_t>> job_files(batch.size());
    for (std::size_t j = 0; j < batch.size(); ++j) {
      for (auto& rec : batch[j].records) {
        std::size_t idx = per_file.size();
        // Compare the native strings: path::operator== compares element by element.
        for (std::size_t k = 0; k < per_file.size(); ++k) {
          if (per_file[k].first.native() == rec.file.native()) idx = k;
        }
        if (idx == per_file.size()) per_file.emplace_back(rec.file, std::string());
        per_file[idx].second += rec.line;
        job_files[j].push_back(idx);
      }
    }
    std::vector<bool> ok(per_file.size(), true);
    for (std::size_t k = 0; k < per_file.size(); ++k) {
      ok[k] = WriteAll(per_file[k].first, per_file[k].second);
      if (!ok[k] && io_errors_) io_errors_->Inc();
    }
    // Completions go back in one post per run of jobs sharing an executor, not one each:
    // a post from this thread may have to wake the I/O thread's reactor.
    using Done = std::pair<std::unique_ptr<Completion>, boost::system::error_code>;
    std::vector<Done> group;
    auto flush = [&group] {
      if (group.empty()) return;
      auto ex = group.front().first->executor;
      boost::asio::post(ex, [g = std::move(group)]() mutable {
        for (auto& [done, ec] : g) done->Invoke(ec);
      });
      group.clear();
    };
    for (std::size_t j = 0; j < batch.size(); ++j) {
      if (!batch[j].done) continue;
      bool job_ok = true;
      for (auto idx : job_files[j]) job_ok = job_ok && ok[idx];
      reserved_.fetch_sub(1, std::memory_order_relaxed);
      if (!group.empty() && group.front().first->executor != batch[j].done->executor) flush();
      group.emplace_back(std::move(batch[j].done),
                         job_ok ? boost::system::error_code{}
                                : boost::system::error_code(EIO, boost::system::system_category()));
    }
    flush();
  }
}

}  // namespace gostly::proxy
