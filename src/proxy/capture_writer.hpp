// Capture hand-off (DESIGN §4): JSON Lines, already encoded on the request thread, are
// appended to their files with group commit.
//
// AsyncAppend (LEARN exchanges, library edits) commits on the calling I/O thread itself: the
// first append of an event-loop turn posts one flush to the end of that thread's queue, so
// every append made by the handlers already ready joins the same write(2) per file, and no
// other thread is involved (no lock, no wake-up, no context switch on the hot path). A LEARN
// response is released to the client only after its lines were written (write(2) returned),
// so `kill -9` right after a response loses nothing. The price: a stalled disk stalls that
// I/O thread's other connections for the duration of the write.
//
// AppendDetached (the unmatched-request log) is fire-and-forget and goes to a writer thread.
//
// Reservations are bounded; TryReserve() lets the caller refuse work before contacting the
// upstream when too many appends are outstanding, so nothing already answered is ever
// dropped. Files are opened O_APPEND and kept open; concurrent appends from several threads
// stay whole lines because each write(2) of a batch is one O_APPEND write.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/metrics.hpp"

namespace gostly::proxy {

// A capture file's path (absolute or relative to the process' working directory), shared:
// a LEARN exchange names its files without copying their paths, each copy of which would
// cost several allocations.
using CapturePath = std::shared_ptr<const std::filesystem::path>;

inline CapturePath MakeCapturePath(std::filesystem::path file) {
  return std::make_shared<const std::filesystem::path>(std::move(file));
}

struct CaptureRecord {
  CaptureRecord(CapturePath file_, std::string line_, CapturePath also_file_ = nullptr)
      : file(std::move(file_)), line(std::move(line_)), also_file(std::move(also_file_)) {}
  CaptureRecord(const std::filesystem::path& file_, std::string line_,
                const std::filesystem::path& also_file_ = {})
      : CaptureRecord(MakeCapturePath(file_), std::move(line_),
                      also_file_.empty() ? nullptr : MakeCapturePath(also_file_)) {}

  CapturePath file;
  std::string line;       // ends with '\n'
  CapturePath also_file;  // when set, the same line is appended here too
};

class CaptureWriter {
 public:
  CaptureWriter(std::size_t capacity, common::Counter* io_errors);
  ~CaptureWriter();  // drains the queue, then stops the thread
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;

  // Reserves one queue slot; false when the queue is full. A reservation must be consumed
  // by exactly one AsyncAppend or Release.
  bool TryReserve();
  void Release();

  // Appends the records (in order) on the writer thread and completes with an error code
  // when any write failed. Uses a reservation taken with TryReserve. The completion runs on
  // the handler's associated executor.
  //
  // Written on the handler's executor at the end of the current event-loop turn, together
  // with every other append of that turn (see the file comment).
  template <typename Token>
  auto AsyncAppend(std::vector<CaptureRecord> records, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler, std::vector<CaptureRecord> recs) {
          using Handler = decltype(handler);
          struct Impl final : Completion {
            explicit Impl(Handler h)
                : Completion(boost::asio::get_associated_executor(h)), handler(std::move(h)) {}
            void Invoke(boost::system::error_code ec) override { std::move(handler)(ec); }
            Handler handler;
          };
          AddToTurn(Job{std::move(recs), std::make_unique<Impl>(std::move(handler))});
        },
        token, std::move(records));
  }

  // Appends without waiting (e.g. unmatched-request log). Drops nothing: if the queue is
  // full the call still enqueues (it is rare and bounded by the caller's own limits).
  void AppendDetached(std::vector<CaptureRecord> records);

  // Appends not yet written: reserved ones waiting for their turn's flush, plus detached
  // ones queued for the writer thread.
  std::size_t depth() const {
    return reserved_.load(std::memory_order_relaxed) + depth_.load(std::memory_order_relaxed);
  }

 private:
  struct Completion {
    explicit Completion(boost::asio::any_io_executor ex) : executor(std::move(ex)) {}
    virtual ~Completion() = default;
    // Runs the caller's handler; called on `executor`.
    virtual void Invoke(boost::system::error_code ec) = 0;
    boost::asio::any_io_executor executor;
  };
  struct Job {
    std::vector<CaptureRecord> records;
    std::unique_ptr<Completion> done;
  };
  // The appends of one event-loop turn of one thread, flushed by one posted handler.
  struct Turn {
    std::vector<Job> jobs;
  };
  // Joins this thread's open turn, or opens one and posts its flush to the job's executor.
  void AddToTurn(Job job);
  void Flush(Turn& turn);
  void Enqueue(std::vector<CaptureRecord> records);  // to the writer thread
  void Run();
  // Group commit: one write per file, lines in arrival order; whether each job's lines
  // were all written.
  std::vector<bool> WriteJobs(const std::vector<Job>& jobs);
  // Appends the pieces in order with as few writev(2) calls as the kernel allows.
  bool WriteAll(const std::filesystem::path& file, const std::vector<std::string_view>& pieces);
  int OpenFor(const std::filesystem::path& file);

  const std::size_t capacity_;
  common::Counter* io_errors_;
  std::atomic<std::size_t> reserved_{0};
  std::atomic<std::size_t> depth_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  const std::uint64_t id_;  // tells this writer's open turns apart, even at a reused address
  std::mutex fds_mu_;
  std::unordered_map<std::string, int> fds_;  // guarded by fds_mu_
  std::vector<int> retired_fds_;  // failed descriptors, closed at destruction (guarded by fds_mu_)
  std::thread thread_;
};

}  // namespace gostly::proxy
