#include "proxy/mode.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_env.hpp"

namespace gostly::proxy {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Mode, ParsesCaseInsensitivelyAndTrims) {
  EXPECT_EQ(ParseMode(" mock\n"), Mode::kMock);
  EXPECT_EQ(ParseMode("Learn"), Mode::kLearn);
  EXPECT_EQ(ParseMode("PASSTHROUGH"), Mode::kPassthrough);
  EXPECT_FALSE(ParseMode("replay").has_value());
}

TEST(ModeController, PersistsEveryModeButTransitioning) {
  auto dir = testing::MakeTempDir();
  ModeController c(dir / "mode.txt", Mode::kLearn);
  EXPECT_EQ(ReadFile(dir / "mode.txt"), "LEARN\n");
  c.Set(Mode::kMock);
  EXPECT_EQ(ReadFile(dir / "mode.txt"), "MOCK\n");
  c.Set(Mode::kTransitioning);
  EXPECT_EQ(c.mode(), Mode::kTransitioning);
  EXPECT_EQ(ReadFile(dir / "mode.txt"), "MOCK\n");
  std::filesystem::remove_all(dir);
}

TEST(ModeController, AnEditedFileReachesTheRunningController) {
  auto dir = testing::MakeTempDir();
  ModeController c(dir / "mode.txt", Mode::kLearn);
  c.StartWatching(std::chrono::milliseconds(20));
  std::ofstream(dir / "mode.txt") << "passthrough\n";
  // Bounded poll: the watcher runs every 20 ms.
  for (int i = 0; i < 250 && c.mode() != Mode::kPassthrough; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(c.mode(), Mode::kPassthrough);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gostly::proxy
