// Proxy modes (DESIGN §2) and the controller that persists and watches them.
//
// The mode lives in an atomic read on every request. It is persisted to the mode file
// (except TRANSITIONING, which is never written) and the file is polled, so an edit by an
// operator or a script reaches a running proxy without restart.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace gostly::proxy {

enum class Mode { kLearn, kMock, kPassthrough, kTransitioning };

std::optional<Mode> ParseMode(std::string_view text);  // case-insensitive, trims whitespace
std::string_view ToString(Mode mode);                   // "LEARN", "MOCK", ...

class ModeController {
 public:
  // Called on the watcher thread or the caller's thread after every change, with the old
  // and new mode. Must be thread-safe.
  using Listener = std::function<void(Mode from, Mode to)>;

  ModeController(std::filesystem::path mode_file, Mode initial);
  ~ModeController();
  ModeController(const ModeController&) = delete;
  ModeController& operator=(const ModeController&) = delete;

  Mode mode() const { return mode_.load(std::memory_order_acquire); }

  // Sets the mode, persists it (unless TRANSITIONING) and notifies the listener.
  // Returns the previous mode. Persist failures are reported through `error`.
  Mode Set(Mode mode, std::string* error = nullptr);

  void SetListener(Listener listener);

  // Starts polling the mode file every `interval`; stops in the destructor.
  void StartWatching(std::chrono::milliseconds interval);

 private:
  Mode Apply(Mode mode, bool persist, std::string* error);
  bool Persist(Mode mode, std::string* error);
  void WatchLoop(std::chrono::milliseconds interval);

  std::filesystem::path file_;
  std::atomic<Mode> mode_;
  std::mutex mu_;  // serialises Set() and the watcher; never taken by requests
  Listener listener_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread watcher_;
};

}  // namespace gostly::proxy
