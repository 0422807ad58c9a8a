#include "proxy/capture_writer.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace gostly::proxy {

namespace {

std::atomic<std::uint64_t> next_writer_id{1};

}  // namespace

CaptureWriter::CaptureWriter(std::size_t capacity, common::Counter* io_errors)
    : capacity_(capacity),
      io_errors_(io_errors),
      id_(next_writer_id.fetch_add(1, std::memory_order_relaxed)),
      thread_([this] { Run(); }) {}

CaptureWriter::~CaptureWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& [path, fd] : fds_) ::close(fd);
  for (int fd : retired_fds_) ::close(fd);
}

bool CaptureWriter::TryReserve() {
  std::size_t cur = reserved_.load(std::memory_order_relaxed);
  while (cur < capacity_) {
    if (reserved_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void CaptureWriter::Release() { reserved_.fetch_sub(1, std::memory_order_relaxed); }

void CaptureWriter::AddToTurn(Job job) {
  // This thread's open turns, one per writer. The posted flush owns its turn; the entry here
  // only finds it while it is still waiting to run (and expires with it if the io_context is
  // destroyed before running it).
  thread_local std::vector<std::pair<std::uint64_t, std::weak_ptr<Turn>>> open;
  for (auto& [writer, weak] : open) {
    if (writer != id_) continue;
    if (auto turn = weak.lock()) {
      turn->jobs.push_back(std::move(job));
      return;
    }
  }
  std::erase_if(open, [this](const auto& entry) {
    return entry.first == id_ || entry.second.expired();
  });
  auto turn = std::make_shared<Turn>();
  boost::asio::any_io_executor ex = job.done->executor;
  turn->jobs.push_back(std::move(job));
  open.emplace_back(id_, turn);
  boost::asio::post(ex, [this, turn = std::move(turn)] {
    std::erase_if(open, [this](const auto& entry) { return entry.first == id_; });
    Flush(*turn);
  });
}

void CaptureWriter::Flush(Turn& turn) {
  const std::vector<bool> ok = WriteJobs(turn.jobs);
  for (std::size_t j = 0; j < turn.jobs.size(); ++j) {
    reserved_.fetch_sub(1, std::memory_order_relaxed);
    // Already on the handlers' thread: resume each one here, in arrival order.
    turn.jobs[j].done->Invoke(ok[j] ? boost::system::error_code{}
                                    : boost::system::error_code(EIO,
                                                                boost::system::system_category()));
  }
}

void CaptureWriter::Enqueue(std::vector<CaptureRecord> records) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Job{std::move(records), nullptr});
    depth_.store(queue_.size(), std::memory_order_relaxed);
  }
  cv_.notify_one();
}

void CaptureWriter::AppendDetached(std::vector<CaptureRecord> records) {
  Enqueue(std::move(records));
}

int CaptureWriter::OpenFor(const std::filesystem::path& file) {
  const std::string& key = file.native();
  std::lock_guard lock(fds_mu_);
  if (auto it = fds_.find(key); it != fds_.end()) return it->second;
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  int fd = ::open(key.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return -1;
  fds_.emplace(key, fd);
  return fd;
}

bool CaptureWriter::WriteAll(const std::filesystem::path& file,
                             const std::vector<std::string_view>& pieces) {
  int fd = OpenFor(file);
  if (fd < 0) {
    spdlog::error("capture: cannot open {}: {}; check the data directory's permissions and space",
                  file.string(), std::strerror(errno));
    return false;
  }
  // One writev per IOV_MAX lines: the lines are written straight from where they were
  // encoded, and with O_APPEND each call lands whole. After a short write (disk full, a
  // signal) the rest continues from the byte where it stopped.
  thread_local std::vector<iovec> iov;  // its capacity is kept for the next flush
  std::size_t next = 0;      // first piece not yet in iov
  std::size_t skip = 0;      // bytes of pieces[next] already written
  while (next < pieces.size()) {
    iov.clear();
    for (std::size_t i = next; i < pieces.size() && iov.size() < IOV_MAX; ++i) {
      std::string_view p = pieces[i];
      if (i == next) p.remove_prefix(skip);
      iov.push_back({const_cast<char*>(p.data()), p.size()});
    }
    ssize_t n = ::writev(fd, iov.data(), static_cast<int>(iov.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("capture: write to {} failed: {}", file.string(), std::strerror(errno));
      // Reopen next time: the file may have been removed or the disk remounted. Another
      // thread may still be writing through this descriptor, so it is closed only at the end.
      std::lock_guard lock(fds_mu_);
      if (auto it = fds_.find(file.native()); it != fds_.end() && it->second == fd) {
        fds_.erase(it);
        retired_fds_.push_back(fd);
      }
      return false;
    }
    auto written = static_cast<std::size_t>(n);
    while (next < pieces.size() && written >= pieces[next].size() - skip) {
      written -= pieces[next].size() - skip;
      skip = 0;
      ++next;
    }
    skip += written;
  }
  return true;
}

std::vector<bool> CaptureWriter::WriteJobs(const std::vector<Job>& jobs) {
  // The lines per file, in arrival order within each file. Kept per thread with their
  // capacity: a turn's flush then allocates nothing for them.
  struct FileLines {
    const std::filesystem::path* file;
    std::vector<std::string_view> lines;
  };
  thread_local std::vector<FileLines> per_file_buffers;
  std::size_t files = 0;
  auto add = [&](const std::filesystem::path& file, std::string_view line) {
    // Usually the same object; otherwise compare the native strings (path::operator==
    // compares element by element).
    std::size_t i = 0;
    while (i < files && per_file_buffers[i].file != &file &&
           per_file_buffers[i].file->native() != file.native()) {
      ++i;
    }
    if (i == files) {
      if (files == per_file_buffers.size()) per_file_buffers.emplace_back();
      per_file_buffers[files].file = &file;
      per_file_buffers[files].lines.clear();
      ++files;
    }
    per_file_buffers[i].lines.push_back(line);
  };
  for (const auto& job : jobs) {
    for (const auto& rec : job.records) {
      add(*rec.file, rec.line);
      if (rec.also_file) add(*rec.also_file, rec.line);
    }
  }
  std::vector<const std::string*> failed;  // native names of the files not written
  for (std::size_t i = 0; i < files; ++i) {
    const auto& [file, lines] = per_file_buffers[i];
    if (WriteAll(*file, lines)) continue;
    failed.push_back(&file->native());
    if (io_errors_) io_errors_->Inc();
  }
  // A job succeeded when none of its files failed.
  std::vector<bool> ok(jobs.size(), true);
  if (failed.empty()) return ok;
  auto is_failed = [&](const std::filesystem::path& file) {
    return std::any_of(failed.begin(), failed.end(),
                       [&](const std::string* f) { return *f == file.native(); });
  };
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    for (const auto& rec : jobs[j].records) {
      if (is_failed(*rec.file) || (rec.also_file && is_failed(*rec.also_file))) {
        ok[j] = false;
      }
    }
  }
  return ok;
}

void CaptureWriter::Run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      batch.clear();
      while (!queue_.empty()) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      depth_.store(0, std::memory_order_relaxed);
    }
    WriteJobs(batch);  // detached appends: failures are logged and counted, nobody waits
  }
}

}  // namespace gostly::proxy
