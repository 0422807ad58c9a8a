#include "proxy/mode.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace gostly::proxy {

std::optional<Mode> ParseMode(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "LEARN") return Mode::kLearn;
  if (upper == "MOCK") return Mode::kMock;
  if (upper == "PASSTHROUGH") return Mode::kPassthrough;
  if (upper == "TRANSITIONING") return Mode::kTransitioning;
  return std::nullopt;
}

std::string_view ToString(Mode mode) {
  switch (mode) {
    case Mode::kLearn:
      return "LEARN";
    case Mode::kMock:
      return "MOCK";
    case Mode::kPassthrough:
      return "PASSTHROUGH";
    case Mode::kTransitioning:
      return "TRANSITIONING";
  }
  return "MOCK";
}

ModeController::ModeController(std::filesystem::path mode_file, Mode initial)
    : file_(std::move(mode_file)), mode_(initial) {
  std::string error;
  if (initial != Mode::kTransitioning && !Persist(initial, &error)) {
    spdlog::warn("mode file {}: {}", file_.string(), error);
  }
}

ModeController::~ModeController() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void ModeController::SetListener(Listener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

bool ModeController::Persist(Mode mode, std::string* error) {
  std::error_code ec;
  if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
  // Write a sibling and rename, so a concurrent reader never sees a half-written file.
  auto tmp = file_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << ToString(mode) << '\n';
    if (!out) {
      if (error) *error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::filesystem::rename(tmp, file_, ec);
  if (ec) {
    if (error) *error = "cannot rename to " + file_.string() + ": " + ec.message();
    return false;
  }
  return true;
}

Mode ModeController::Set(Mode mode, std::string* error) { return Apply(mode, true, error); }

Mode ModeController::Apply(Mode mode, bool persist, std::string* error) {
  Listener listener;
  Mode previous;
  {
    std::lock_guard lock(mu_);
    previous = mode_.exchange(mode, std::memory_order_acq_rel);
    if (persist && mode != Mode::kTransitioning) Persist(mode, error);
    listener = listener_;
  }
  if (previous != mode) {
    spdlog::info("mode {} -> {}", ToString(previous), ToString(mode));
    if (listener) listener(previous, mode);
  }
  return previous;
}

void ModeController::StartWatching(std::chrono::milliseconds interval) {
  watcher_ = std::thread([this, interval] { WatchLoop(interval); });
}

void ModeController::WatchLoop(std::chrono::milliseconds interval) {
  for (;;) {
    {
      std::unique_lock lock(stop_mu_);
      if (stop_cv_.wait_for(lock, interval, [this] { return stop_; })) return;
    }
    std::ifstream in(file_);
    if (!in) continue;
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseMode(ss.str());
    if (!parsed) {
      spdlog::warn("mode file {} holds '{}', expected learn, mock or passthrough; ignored",
                   file_.string(), ss.str());
      continue;
    }
    // TRANSITIONING is owned by the control plane and never read back from disk; while
    // it is active the file keeps the mode to return to.
    if (*parsed == Mode::kTransitioning || mode() == Mode::kTransitioning) continue;
    // The file already says it: apply without writing it back.
    if (*parsed != mode()) Apply(*parsed, false, nullptr);
  }
}

}  // namespace gostly::proxy
