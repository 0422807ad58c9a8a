// Capture hand-off (DESIGN §4): the request thread queues already-encoded JSON Lines and a
// single writer thread appends them, group-committing whatever is queued in one pass.
//
// A LEARN response is released to the client only after its lines were written (write(2)
// returned), so `kill -9` right after a response loses nothing. The queue is bounded;
// TryReserve() lets the caller refuse work before contacting the upstream when it is full,
// so nothing already answered is ever dropped. Files are opened O_APPEND and kept open.
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

struct CaptureRecord {
  std::filesystem::path file;  // absolute or relative to the process' working directory
  std::string line;            // ends with '\n'
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
  // The writer is not woken per record: the first append of an event-loop turn posts one
  // wake-up to the end of the handler's executor queue, so every append made by the
  // handlers already ready on that thread joins the same group commit, and the writer and
  // the I/O thread trade one wake-up per batch instead of one per request.
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
          auto done = std::make_unique<Impl>(std::move(handler));
          boost::asio::any_io_executor ex = done->executor;
          Enqueue(std::move(recs), std::move(done), false);
          ScheduleWake(ex);
        },
        token, std::move(records));
  }

  // Appends without waiting (e.g. unmatched-request log). Drops nothing: if the queue is
  // full the call still enqueues (it is rare and bounded by the caller's own limits).
  void AppendDetached(std::vector<CaptureRecord> records);

  std::size_t depth() const { return depth_.load(std::memory_order_relaxed); }

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
  void Enqueue(std::vector<CaptureRecord> records, std::unique_ptr<Completion> done, bool wake);
  // Posts one wake-up of the writer per event-loop turn of the calling thread.
  void ScheduleWake(const boost::asio::any_io_executor& ex);
  void Wake();
  void Run();
  bool WriteAll(const std::filesystem::path& file, const std::string& data);
  int OpenFor(const std::filesystem::path& file);

  const std::size_t capacity_;
  common::Counter* io_errors_;
  std::atomic<std::size_t> reserved_{0};
  std::atomic<std::size_t> depth_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stop_ = false;
  bool writer_waiting_ = false;  // guarded by mu_
  std::unordered_map<std::string, int> fds_;  // writer thread only
  std::thread thread_;
};

}  // namespace gostly::proxy
